# Provider-free: every regenlab deployment (Terraform GCP and AWS, and through its Python twin
# infra/conventions.py, Pulumi and the `experiment cloud` commands) derives names, labels and roles
# here, so they agree everywhere. tests/infra/test_conventions.py applies this module and compares.

locals {
  clouds         = ["gcp", "aws"]
  environments   = ["dev", "staging", "prod"]
  runners        = ["cloud_run", "gke"]
  model_servings = ["none", "cloud_run", "vertex"]

  # Regions where Cloud Run offers the NVIDIA L4 GPU the cloud_run model server needs.
  cloud_run_gpu_regions = [
    "asia-south1",
    "asia-southeast1",
    "europe-west1",
    "europe-west4",
    "us-central1",
    "us-east4",
  ]

  # The Vertex AI machine types the vertex model server may use, with the GPUs each carries.
  vertex_machines = {
    "g2-standard-12" = { accelerator_type = "NVIDIA_L4", accelerator_count = 1 }
    "g2-standard-24" = { accelerator_type = "NVIDIA_L4", accelerator_count = 2 }
    "a2-highgpu-1g"  = { accelerator_type = "NVIDIA_TESLA_A100", accelerator_count = 1 }
    "a2-ultragpu-1g" = { accelerator_type = "NVIDIA_A100_80GB", accelerator_count = 1 }
  }

  # 30 characters (a GCP service account id's limit) less "-runner".
  max_gcp_prefix = 23

  regions = {
    # Google Cloud regions that run Cloud Run jobs.
    gcp = [
      "africa-south1",
      "asia-east1",
      "asia-east2",
      "asia-northeast1",
      "asia-northeast2",
      "asia-northeast3",
      "asia-south1",
      "asia-south2",
      "asia-southeast1",
      "asia-southeast2",
      "australia-southeast1",
      "australia-southeast2",
      "europe-central2",
      "europe-north1",
      "europe-north2",
      "europe-southwest1",
      "europe-west1",
      "europe-west10",
      "europe-west12",
      "europe-west2",
      "europe-west3",
      "europe-west4",
      "europe-west6",
      "europe-west8",
      "europe-west9",
      "me-central1",
      "me-central2",
      "me-west1",
      "northamerica-northeast1",
      "northamerica-northeast2",
      "northamerica-south1",
      "southamerica-east1",
      "southamerica-west1",
      "us-central1",
      "us-east1",
      "us-east4",
      "us-east5",
      "us-south1",
      "us-west1",
      "us-west2",
      "us-west3",
      "us-west4",
    ]
    # AWS commercial regions.
    aws = [
      "af-south-1",
      "ap-east-1",
      "ap-east-2",
      "ap-northeast-1",
      "ap-northeast-2",
      "ap-northeast-3",
      "ap-south-1",
      "ap-south-2",
      "ap-southeast-1",
      "ap-southeast-2",
      "ap-southeast-3",
      "ap-southeast-4",
      "ap-southeast-5",
      "ap-southeast-7",
      "ca-central-1",
      "ca-west-1",
      "eu-central-1",
      "eu-central-2",
      "eu-north-1",
      "eu-south-1",
      "eu-south-2",
      "eu-west-1",
      "eu-west-2",
      "eu-west-3",
      "il-central-1",
      "me-central-1",
      "me-south-1",
      "mx-central-1",
      "sa-east-1",
      "us-east-1",
      "us-east-2",
      "us-west-1",
      "us-west-2",
    ]
  }

  prefix = "${var.name}-${var.environment}"

  secret_env = ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]

  names = {
    bucket          = var.cloud == "gcp" ? "${var.project_id}-${local.prefix}-runs" : "${local.prefix}-runs-${var.region}"
    repository      = "${local.prefix}-runner"
    service_account = "${local.prefix}-runner"
    job             = "${local.prefix}-runner"
    model_server    = "${local.prefix}-vllm"
    # The GKE runner: its cluster and network, the nodes' identity, where its Jobs run.
    cluster                    = "${local.prefix}-runner"
    network                    = "${local.prefix}-net"
    router                     = "${local.prefix}-router"
    nat                        = "${local.prefix}-nat"
    nodes_service_account      = "${local.prefix}-nodes"
    namespace                  = local.prefix
    kubernetes_service_account = "runner"
    # A custom role id allows letters, digits, '_' and '.' only.
    vertex_predictor_role = "${replace(local.prefix, "-", "_")}_vertex_predictor"
    secrets = tomap({
      for env in local.secret_env : env => "${local.prefix}-${replace(lower(env), "_", "-")}"
    })
  }

  # The standard labels win over extra_labels so that nobody can relabel a resource's owner.
  # On GCP the runner and the model serving are labels too, so that billing splits by them.
  labels = merge(var.extra_labels, {
    app         = "regenlab"
    component   = "experiment-runner"
    environment = var.environment
    managed-by  = "terraform"
    }, var.cloud == "gcp" ? {
    runner        = replace(var.runner, "_", "-")
    model-serving = replace(var.model_serving, "_", "-")
  } : {})

  # The one role the runner gets on each kind of resource; never a project-wide grant.
  runner_roles = {
    bucket       = "roles/storage.objectAdmin"
    secrets      = "roles/secretmanager.secretAccessor"
    repository   = "roles/artifactregistry.reader"
    model_server = "roles/run.invoker"
    # On the runner's own service account, for the GKE Job's Kubernetes service account.
    workload_identity = "roles/iam.workloadIdentityUser"
  }

  # The one permission of the custom role the runner holds on the Vertex AI endpoint.
  vertex_predictor_permissions = ["aiplatform.endpoints.predict"]

  # The one project-level grant a deployment may make: GKE's own least-privilege role for a node
  # service account (write logs and metrics), and only to the nodes' account.
  nodes_project_role = "roles/container.defaultNodeServiceAccount"

  # The GKE runner's subnet and its secondary ranges for pods and services.
  gke_ip_ranges = {
    nodes    = "10.10.0.0/20"
    pods     = "10.16.0.0/14"
    services = "10.20.0.0/20"
  }

  base_services = [
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]
  services = sort(concat(
    local.base_services,
    var.runner == "gke" ? ["compute.googleapis.com", "container.googleapis.com"] : [],
    var.model_serving == "vertex" ? ["aiplatform.googleapis.com"] : [],
  ))
}

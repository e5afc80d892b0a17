# Provider-free: every regenlab deployment (Terraform GCP and AWS, and through its Python twin
# infra/conventions.py, Pulumi and the `experiment cloud` commands) derives names, labels and roles
# here, so they agree everywhere. tests/infra/test_conventions.py applies this module and compares.

locals {
  clouds       = ["gcp", "aws"]
  environments = ["dev", "staging", "prod"]

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
    secrets = tomap({
      for env in local.secret_env : env => "${local.prefix}-${replace(lower(env), "_", "-")}"
    })
  }

  # The standard labels win over extra_labels so that nobody can relabel a resource's owner.
  labels = merge(var.extra_labels, {
    app         = "regenlab"
    component   = "experiment-runner"
    environment = var.environment
    managed-by  = "terraform"
  })

  # The one role the runner gets on each kind of resource; never a project-wide grant.
  runner_roles = {
    bucket       = "roles/storage.objectAdmin"
    secrets      = "roles/secretmanager.secretAccessor"
    repository   = "roles/artifactregistry.reader"
    model_server = "roles/run.invoker"
  }

  services = [
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]
}

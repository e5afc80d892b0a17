# regenlab's experiment runner on Google Cloud: a Cloud Run job (runner = cloud_run) or an indexed
# Kubernetes Job on GKE Autopilot (runner = gke) whose tasks read an experiment from, and write their
# runs to, a Cloud Storage bucket mounted at /mnt/runs; optionally an open model served by vLLM on
# a Cloud Run GPU or by a Vertex AI endpoint (model_serving). Every name, label and role comes from
# the conventions module, which the Pulumi program and `experiment cloud` share.

module "conventions" {
  source = "../modules/conventions"

  name          = var.name
  environment   = var.environment
  cloud         = "gcp"
  region        = var.region
  project_id    = var.project_id
  runner        = var.runner
  model_serving = var.model_serving
  extra_labels  = var.labels
}

provider "google" {
  project = var.project_id
  region  = var.region
}

# Only the Vertex AI endpoint's IAM member needs the beta provider.
provider "google-beta" {
  project = var.project_id
  region  = var.region
}

locals {
  names  = module.conventions.names
  labels = module.conventions.labels
  roles  = module.conventions.runner_roles

  cloud_run_runner = var.runner == "cloud_run"
  gke              = var.runner == "gke"
  serve_cloud_run  = var.model_serving == "cloud_run"
  serve_vertex     = var.model_serving == "vertex"
  # Protected by default in prod only, so that `experiment cloud down` works in dev and staging.
  deletion_protection = var.deletion_protection == null ? var.environment == "prod" : var.deletion_protection

  runner_member  = "serviceAccount:${google_service_account.runner.email}"
  repository_url = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.runner.repository_id}"
  image          = var.image != "" ? var.image : "${local.repository_url}/runner:latest"

  # Where the bucket is mounted in every task, and the experiment a plain execution runs.
  runs_mount         = "/mnt/runs"
  default_experiment = "${local.runs_mount}/experiments/experiment.yaml"

  # The OpenAI-compatible base URL of the model server, which the runner reaches as
  # `openai-compatible/<model>`; null when no model is served.
  vertex_api = "https://${var.region}-aiplatform.googleapis.com/v1/projects/${var.project_id}/locations/${var.region}"
  model_base_url = one(concat(
    [for service in google_cloud_run_v2_service.model_server : "${service.uri}/v1"],
    [for model in google_vertex_ai_endpoint_with_model_garden_deployment.model : "${local.vertex_api}/endpoints/${model.endpoint}"],
  ))
}

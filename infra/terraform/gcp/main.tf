# regenlab's experiment runner on Google Cloud: a Cloud Run job whose tasks read an experiment from,
# and write their runs to, a Cloud Storage bucket mounted at /mnt/runs. Every name, label and role
# comes from the conventions module, which the Pulumi program and `experiment cloud` share.

module "conventions" {
  source = "../modules/conventions"

  name         = var.name
  environment  = var.environment
  cloud        = "gcp"
  region       = var.region
  project_id   = var.project_id
  extra_labels = var.labels
}

provider "google" {
  project = var.project_id
  region  = var.region
}

locals {
  names  = module.conventions.names
  labels = module.conventions.labels
  roles  = module.conventions.runner_roles

  runner_member  = "serviceAccount:${google_service_account.runner.email}"
  repository_url = "${var.region}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.runner.repository_id}"
  image          = var.image != "" ? var.image : "${local.repository_url}/runner:latest"

  # Where the bucket is mounted in every task, and the experiment a plain execution runs.
  runs_mount         = "/mnt/runs"
  default_experiment = "${local.runs_mount}/experiments/experiment.yaml"
}

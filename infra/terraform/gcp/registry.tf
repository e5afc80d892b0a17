resource "google_artifact_registry_repository" "runner" {
  #checkov:skip=CKV_GCP_84:A KMS key cannot be deleted, so CMEK would outlive `experiment cloud down`; images are encrypted at rest with Google-managed keys and hold no secrets.
  project       = var.project_id
  location      = var.region
  repository_id = local.names.repository
  format        = "DOCKER"
  description   = "regenlab experiment runner images"
  labels        = local.labels

  depends_on = [google_project_service.enabled]
}

resource "google_artifact_registry_repository_iam_member" "runner_reader" {
  project    = var.project_id
  location   = google_artifact_registry_repository.runner.location
  repository = google_artifact_registry_repository.runner.name
  role       = local.roles.repository
  member     = local.runner_member
}

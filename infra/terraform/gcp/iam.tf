# The runner's identity. It gets no project-level role: each grant is on one resource
# (the bucket, each secret, the repository and the model server), in the file of that resource.
resource "google_service_account" "runner" {
  project      = var.project_id
  account_id   = local.names.service_account
  display_name = "regenlab experiment runner (${module.conventions.prefix})"
  description  = "Runs regenlab experiment tasks (a Cloud Run job, or GKE Job pods through Workload Identity)."

  depends_on = [google_project_service.enabled]
}

# The model server's identity: it needs no grant at all (its image is public, its logs are stdout).
resource "google_service_account" "model_server" {
  count = local.serve_cloud_run ? 1 : 0

  project      = var.project_id
  account_id   = local.names.model_server
  display_name = "regenlab vLLM model server (${module.conventions.prefix})"
  description  = "Serves an open model to the regenlab runner."

  depends_on = [google_project_service.enabled]
}

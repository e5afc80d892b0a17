# Only the secrets are declared, never their values: those stay out of the state and the repo.
# Add each value once, before the first execution (a placeholder for a provider you do not use):
#   printf %s "$ANTHROPIC_API_KEY" | gcloud secrets versions add <prefix>-anthropic-api-key --data-file=-
resource "google_secret_manager_secret" "api_key" {
  # env var => secret id, such as ANTHROPIC_API_KEY => regenlab-dev-anthropic-api-key
  for_each = local.names.secrets

  project   = var.project_id
  secret_id = each.value
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.enabled]
}

resource "google_secret_manager_secret_iam_member" "runner_accessor" {
  for_each = google_secret_manager_secret.api_key

  project   = var.project_id
  secret_id = each.value.secret_id
  role      = local.roles.secrets
  member    = local.runner_member
}

resource "google_project_service" "enabled" {
  for_each = toset(module.conventions.services)

  project = var.project_id
  service = each.value
  # Other workloads in the project may use these APIs too: destroying regenlab leaves them on.
  disable_on_destroy = false
}

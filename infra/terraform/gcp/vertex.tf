# model_serving = "vertex": the open model on a Vertex AI endpoint. The provider has no resource to
# upload a model or deploy it to a separate google_vertex_ai_endpoint; this one uploads the Hugging
# Face model with the serving container Model Garden verified for it, creates the endpoint and
# deploys the model there on dedicated GPU replicas. Its API takes no service account: the model runs
# as Vertex AI's own service agent, to which this module grants nothing.
resource "google_vertex_ai_endpoint_with_model_garden_deployment" "model" {
  count = local.serve_vertex ? 1 : 0

  project               = var.project_id
  location              = var.region
  hugging_face_model_id = var.model_server_model

  model_config {
    model_display_name = local.names.model_server
    accept_eula        = var.vertex_accept_eula
  }

  endpoint_config {
    endpoint_display_name = local.names.model_server
    # The OpenAI-compatible chat API of a self-deployed model is served on the shared regional
    # domain, which a dedicated endpoint turns off.
    dedicated_endpoint_enabled = false
  }

  deploy_config {
    dedicated_resources {
      machine_spec {
        machine_type      = var.vertex_machine_type
        accelerator_type  = module.conventions.vertex_machines[var.vertex_machine_type].accelerator_type
        accelerator_count = module.conventions.vertex_machines[var.vertex_machine_type].accelerator_count
      }
      min_replica_count = var.vertex_min_replicas
      max_replica_count = var.vertex_max_replicas
    }
  }

  depends_on = [google_project_service.enabled]
}

# Predict and nothing more: a custom role of one permission (the predefined Vertex AI roles are
# project-wide bundles), granted on the endpoint alone, to the runner alone.
resource "google_project_iam_custom_role" "vertex_predictor" {
  count = local.serve_vertex ? 1 : 0

  project     = var.project_id
  role_id     = local.names.vertex_predictor_role
  title       = "regenlab Vertex AI predictor (${module.conventions.prefix})"
  description = "Call predict on the one Vertex AI endpoint it is granted on."
  permissions = module.conventions.vertex_predictor_permissions
}

resource "google_vertex_ai_endpoint_iam_member" "runner_predictor" {
  count    = local.serve_vertex ? 1 : 0
  provider = google-beta

  project  = var.project_id
  location = var.region
  endpoint = google_vertex_ai_endpoint_with_model_garden_deployment.model[0].endpoint
  role     = google_project_iam_custom_role.vertex_predictor[0].name
  member   = local.runner_member
}

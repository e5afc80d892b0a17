# An optional vLLM OpenAI-compatible server on one L4 GPU, so experiments can run an open model
# without an API key. Ingress is open but every request needs an ID token of a principal with
# run.invoker: only the runner's service account has it (no allUsers), and a job reaches it
# without a VPC connector.
resource "google_cloud_run_v2_service" "model_server" {
  count = local.serve_cloud_run ? 1 : 0

  project             = var.project_id
  name                = local.names.model_server
  location            = var.region
  labels              = local.labels
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = local.deletion_protection

  template {
    service_account = google_service_account.model_server[0].email
    labels          = local.labels
    # Zonal redundancy doubles the GPU quota a service reserves; an experiment can retry instead.
    gpu_zonal_redundancy_disabled = true

    scaling {
      min_instance_count = 0
      max_instance_count = 1
    }

    node_selector {
      accelerator = "nvidia-l4"
    }

    containers {
      image = var.model_server_image
      # The image's entrypoint is vLLM's OpenAI-compatible API server.
      args = ["--model", var.model_server_model, "--host", "0.0.0.0", "--port", "8000"]

      ports {
        container_port = 8000
      }

      resources {
        limits = {
          cpu              = "8"
          memory           = "32Gi"
          "nvidia.com/gpu" = "1"
        }
        # Cloud Run GPUs need CPU allocated for the whole life of an instance.
        cpu_idle = false
      }

      # Downloading and loading the weights takes minutes.
      startup_probe {
        initial_delay_seconds = 240
        timeout_seconds       = 240
        period_seconds        = 240
        failure_threshold     = 1
        tcp_socket {
          port = 8000
        }
      }
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_cloud_run_v2_service_iam_member" "runner_invoker" {
  count = local.serve_cloud_run ? 1 : 0

  project  = var.project_id
  location = google_cloud_run_v2_service.model_server[0].location
  name     = google_cloud_run_v2_service.model_server[0].name
  role     = local.roles.model_server
  member   = local.runner_member
}

resource "google_cloud_run_v2_job" "runner" {
  count = local.cloud_run_runner ? 1 : 0

  project             = var.project_id
  name                = local.names.job
  location            = var.region
  labels              = local.labels
  deletion_protection = local.deletion_protection

  template {
    task_count  = var.task_count
    parallelism = var.parallelism
    labels      = local.labels

    template {
      service_account = google_service_account.runner.email
      timeout         = var.task_timeout
      max_retries     = var.max_retries
      # Cloud Storage volumes need the second generation execution environment.
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

      containers {
        image = local.image
        # `gcloud run jobs execute --args` replaces these for one execution (see run_command).
        args = ["experiment", "cloud", "task", local.default_experiment]

        resources {
          limits = {
            cpu    = var.cpu
            memory = var.memory
          }
        }

        env {
          name  = "REGENLAB_RUNS_DIR"
          value = local.runs_mount
        }

        dynamic "env" {
          for_each = google_secret_manager_secret.api_key
          content {
            name = env.key
            value_source {
              secret_key_ref {
                secret  = env.value.secret_id
                version = "latest"
              }
            }
          }
        }

        # With a model server, experiments reach it as `openai-compatible/<model>`.
        dynamic "env" {
          for_each = var.model_serving == "none" ? [] : [local.model_base_url]
          content {
            name  = "OPENAI_COMPATIBLE_BASE_URL"
            value = env.value
          }
        }

        volume_mounts {
          name       = "runs"
          mount_path = local.runs_mount
        }
      }

      volumes {
        name = "runs"
        gcs {
          bucket    = google_storage_bucket.runs.name
          read_only = false
        }
      }
    }
  }

  # A task must be able to read its secrets and write its runs from its first execution.
  depends_on = [
    google_storage_bucket_iam_member.runner_object_admin,
    google_secret_manager_secret_iam_member.runner_accessor,
    google_artifact_registry_repository_iam_member.runner_reader,
  ]
}

resource "google_storage_bucket" "runs" {
  #checkov:skip=CKV_GCP_62:Access logs would need a second bucket; Cloud Audit Logs record who read or wrote runs.
  name     = local.names.bucket
  project  = var.project_id
  location = var.region
  labels   = local.labels

  # Runs are reproducible outputs, not records to keep: `experiment cloud down` empties the bucket,
  # unless the deployment is protected (prod by default), when a bucket with runs stays.
  force_destroy               = !local.deletion_protection
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      age = var.run_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # Versioning guards against a task overwriting a run by mistake; old versions go after a week.
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 7
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.enabled]
}

resource "google_storage_bucket_iam_member" "runner_object_admin" {
  bucket = google_storage_bucket.runs.name
  role   = local.roles.bucket
  member = local.runner_member
}

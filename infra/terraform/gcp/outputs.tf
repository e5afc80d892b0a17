output "bucket" {
  description = "The runs bucket, mounted at /mnt/runs in every task."
  value       = google_storage_bucket.runs.name
}

output "repository_url" {
  description = "Where to push the runner image: docker push <repository_url>/runner:<tag>."
  value       = local.repository_url
}

output "image" {
  description = "The image the job runs."
  value       = local.image
}

output "runner" {
  description = "Where tasks run: cloud_run or gke."
  value       = var.runner
}

output "model_serving" {
  description = "How the open model is served: none, cloud_run or vertex."
  value       = var.model_serving
}

output "job" {
  description = "The Cloud Run job's name (runner = cloud_run), else null."
  value       = one(google_cloud_run_v2_job.runner[*].name)
}

output "cluster" {
  description = "The GKE Autopilot cluster's name (runner = gke), else null."
  value       = one(google_container_cluster.runner[*].name)
}

output "namespace" {
  description = "The Kubernetes namespace of the runner's Jobs (runner = gke)."
  value       = local.names.namespace
}

output "kubernetes_service_account" {
  description = "The Kubernetes service account the Job's pods run as; it acts as service_account_email."
  value       = local.names.kubernetes_service_account
}

output "secrets" {
  description = "Secret Manager secret (projects/.../secrets/...) for each API key environment variable."
  value       = { for env, secret in google_secret_manager_secret.api_key : env => secret.id }
}

output "deletion_protection" {
  description = "Whether the cluster, the job, the model server and a non-empty bucket are protected from destroy."
  value       = local.deletion_protection
}

output "service_account_email" {
  description = "The runner's service account."
  value       = google_service_account.runner.email
}

output "region" {
  description = "The region of every resource."
  value       = var.region
}

output "project_id" {
  description = "The project of every resource."
  value       = var.project_id
}

# `experiment cloud run` builds the same command: it uploads the experiment file to
# gs://<bucket>/experiments/<file>, then runs
#   gcloud run jobs execute <job> --region <region> --project <project_id> --wait
#     --args=experiment,cloud,task,/mnt/runs/experiments/<file>
# (gcloud splits --args on commas; `--tasks N` may be added to shard an execution).
# This output is that command for the default file, experiments/experiment.yaml.
output "run_command" {
  description = "Runs gs://<bucket>/experiments/experiment.yaml once and waits (Cloud Run job); null on GKE, where `experiment cloud run` applies a Job."
  value = one([for job in google_cloud_run_v2_job.runner : join(" ", [
    "gcloud run jobs execute", job.name,
    "--region", var.region, "--project", var.project_id, "--wait",
    "--args=experiment,cloud,task,${local.default_experiment}",
  ])])
}

# `experiment cloud pull` runs the same command.
output "pull_command" {
  description = "Copies the runs from the bucket into ./runs."
  value       = "gcloud storage rsync --recursive gs://${google_storage_bucket.runs.name}/runs runs"
}

output "model_base_url" {
  description = "The OpenAI-compatible base URL of the model server (Cloud Run's /v1, or the Vertex AI endpoint), or null."
  value       = local.model_base_url
}

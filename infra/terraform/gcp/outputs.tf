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

output "job" {
  description = "The Cloud Run job's name."
  value       = google_cloud_run_v2_job.runner.name
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
  description = "Runs gs://<bucket>/experiments/experiment.yaml once and waits for it to finish."
  value = join(" ", [
    "gcloud run jobs execute", google_cloud_run_v2_job.runner.name,
    "--region", var.region, "--project", var.project_id, "--wait",
    "--args=experiment,cloud,task,${local.default_experiment}",
  ])
}

# `experiment cloud pull` runs the same command.
output "pull_command" {
  description = "Copies the runs from the bucket into ./runs."
  value       = "gcloud storage rsync --recursive gs://${google_storage_bucket.runs.name}/runs runs"
}

output "model_server_url" {
  description = "The vLLM server's URL (its OpenAI API is under /v1), or null when it is off."
  value       = one(google_cloud_run_v2_service.model_server[*].uri)
}

output "prefix" {
  description = "name-environment, the start of every resource name."
  value       = local.prefix
}

output "names" {
  description = "The name of every resource: bucket, repository, service_account, job, model_server, secrets (env var => secret id)."
  value       = local.names
}

output "labels" {
  description = "The labels (GCP) or tags (AWS) every resource carries."
  value       = tomap(local.labels)
}

output "runner_roles" {
  description = "The role the runner gets on each resource kind (bucket, secrets, repository, model_server)."
  value       = tomap(local.runner_roles)
}

output "services" {
  description = "The Google APIs a GCP deployment enables."
  value       = tolist(local.services)
}

output "secret_env" {
  description = "Environment variables the runner reads from the cloud's secret store."
  value       = tolist(local.secret_env)
}

output "regions" {
  description = "The known regions of each cloud (the same lists as infra/conventions.py)."
  value       = { for cloud, regions in local.regions : cloud => tolist(regions) }
}

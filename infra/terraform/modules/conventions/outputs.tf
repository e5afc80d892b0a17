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
  description = "The role the runner gets on each resource kind (bucket, secrets, repository, model_server, workload_identity)."
  value       = tomap(local.runner_roles)
}

output "services" {
  description = "The Google APIs a GCP deployment enables (more with the GKE runner or Vertex AI)."
  value       = tolist(local.services)
}

output "vertex_predictor_permissions" {
  description = "The permissions of the custom role the runner holds on the Vertex AI endpoint."
  value       = tolist(local.vertex_predictor_permissions)
}

output "nodes_project_role" {
  description = "The only project-level role a deployment grants: GKE's node role, to the nodes' service account."
  value       = local.nodes_project_role
}

output "vertex_machines" {
  description = "The Vertex AI machine types allowed for the vertex model server, with their GPUs."
  value       = local.vertex_machines
}

output "cloud_run_gpu_regions" {
  description = "The regions where the cloud_run model server can get an L4 GPU."
  value       = tolist(local.cloud_run_gpu_regions)
}

output "gke_ip_ranges" {
  description = "The GKE runner's subnet (nodes) and its secondary ranges (pods, services)."
  value       = local.gke_ip_ranges
}

output "secret_env" {
  description = "Environment variables the runner reads from the cloud's secret store."
  value       = tolist(local.secret_env)
}

output "regions" {
  description = "The known regions of each cloud (the same lists as infra/conventions.py)."
  value       = { for cloud, regions in local.regions : cloud => tolist(regions) }
}

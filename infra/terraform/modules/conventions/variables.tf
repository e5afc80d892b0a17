variable "name" {
  description = "Application name: 3-20 lowercase letters, digits or hyphens, starting with a letter."
  type        = string
  default     = "regenlab"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name))
    error_message = "name: use 3-20 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }

  validation {
    # A GCP service account id holds at most 30 characters; the longest is "<prefix>-runner".
    condition     = var.cloud != "gcp" || length("${var.name}-${var.environment}") <= local.max_gcp_prefix
    error_message = "name: too long for a GCP service account id; shorten name so that name-environment has at most 23 characters."
  }
}

variable "environment" {
  description = "Deployment environment: dev, staging or prod."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(local.environments, var.environment)
    error_message = "environment: use one of dev, staging, prod."
  }
}

variable "cloud" {
  description = "The cloud deployed to: gcp or aws."
  type        = string
  default     = "gcp"

  validation {
    condition     = contains(local.clouds, var.cloud)
    error_message = "cloud: use one of gcp, aws."
  }
}

variable "region" {
  description = "A region of the chosen cloud (the lists are in main.tf and infra/conventions.py)."
  type        = string
  default     = "us-central1"

  validation {
    condition     = !contains(local.clouds, var.cloud) || contains(lookup(local.regions, var.cloud, []), var.region)
    error_message = "region: not a known region of this cloud; use one such as us-central1 (gcp) or us-east-1 (aws)."
  }
}

variable "project_id" {
  description = "The Google Cloud project id; leave empty on AWS."
  type        = string
  default     = ""

  validation {
    condition     = var.cloud != "gcp" || var.project_id != ""
    error_message = "project_id: required when cloud is gcp; pass your project's id."
  }

  validation {
    condition     = var.project_id == "" || can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id: use 6-30 lowercase letters, digits or hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "extra_labels" {
  description = "Labels added to every resource; the standard labels win on a clash."
  type        = map(string)
  default     = {}

  validation {
    # GCP's label rules; AWS tags accept a superset, so one rule serves both clouds.
    condition = alltrue([
      for key, value in var.extra_labels :
      can(regex("^[a-z][a-z0-9_-]{0,62}$", key)) && can(regex("^[a-z0-9_-]{0,63}$", value))
    ])
    error_message = "extra_labels: use lowercase letters, digits, '_' or '-' (keys start with a letter, both at most 63 characters)."
  }
}

variable "runner" {
  description = "Where experiment tasks run on GCP: cloud_run (a Cloud Run job) or gke (an indexed Kubernetes Job on GKE Autopilot)."
  type        = string
  default     = "cloud_run"

  validation {
    condition     = contains(local.runners, var.runner)
    error_message = "runner: use one of cloud_run, gke."
  }

  validation {
    condition     = var.runner == "cloud_run" || var.cloud == "gcp"
    error_message = "runner: gke runs on GCP only; leave runner at cloud_run on aws (it runs on ECS there)."
  }
}

variable "model_serving" {
  description = "How an open model is served on GCP: none, cloud_run (vLLM on a Cloud Run GPU) or vertex (a Vertex AI endpoint)."
  type        = string
  default     = "none"

  validation {
    condition     = contains(local.model_servings, var.model_serving)
    error_message = "model_serving: use one of none, cloud_run, vertex."
  }

  validation {
    condition     = var.model_serving == "none" || var.cloud == "gcp"
    error_message = "model_serving: only GCP serves models; leave it none on aws."
  }

  validation {
    condition     = var.model_serving != "cloud_run" || contains(local.cloud_run_gpu_regions, var.region)
    error_message = "model_serving: cloud_run needs a region with Cloud Run L4 GPUs: asia-south1, asia-southeast1, europe-west1, europe-west4, us-central1, us-east4."
  }
}

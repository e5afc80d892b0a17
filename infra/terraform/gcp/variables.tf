variable "project_id" {
  description = "The Google Cloud project to deploy into."
  type        = string
}

variable "region" {
  description = "The region of every resource (a Cloud Run region)."
  type        = string
  default     = "us-central1"
}

variable "name" {
  description = "Application name, the start of every resource name."
  type        = string
  default     = "regenlab"
}

variable "environment" {
  description = "dev, staging or prod."
  type        = string
  default     = "dev"
}

variable "labels" {
  description = "Labels added to every resource; the standard labels win on a clash."
  type        = map(string)
  default     = {}
}

variable "image" {
  description = "The runner image; empty means <repository_url>/runner:latest."
  type        = string
  default     = ""
}

variable "task_count" {
  description = "Tasks per execution; `gcloud run jobs execute --tasks` overrides it per execution."
  type        = number
  default     = 1

  validation {
    condition     = var.task_count >= 1 && var.task_count <= 10000 && floor(var.task_count) == var.task_count
    error_message = "task_count: use a whole number from 1 to 10000."
  }
}

variable "parallelism" {
  description = "Tasks that run at once (0 means as many as Cloud Run allows)."
  type        = number
  default     = 1

  validation {
    condition     = var.parallelism >= 0 && floor(var.parallelism) == var.parallelism
    error_message = "parallelism: use a whole number, 0 or more."
  }
}

variable "cpu" {
  description = "vCPUs per task (Cloud Run accepts 1, 2, 4, 6 or 8)."
  type        = string
  default     = "2"

  validation {
    condition     = contains(["1", "2", "4", "6", "8"], var.cpu)
    error_message = "cpu: use one of 1, 2, 4, 6, 8."
  }
}

variable "memory" {
  description = "Memory per task, such as 4Gi."
  type        = string
  default     = "4Gi"

  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.memory))
    error_message = "memory: use a number followed by Mi or Gi, such as 4Gi."
  }
}

variable "task_timeout" {
  description = "Longest a task may run, in seconds with an s suffix (Cloud Run allows up to 168h)."
  type        = string
  default     = "3600s"

  validation {
    condition     = can(regex("^[0-9]+s$", var.task_timeout))
    error_message = "task_timeout: use whole seconds with an s suffix, such as 3600s."
  }
}

variable "max_retries" {
  description = "Retries of a failed task before the execution fails."
  type        = number
  default     = 1

  validation {
    condition     = var.max_retries >= 0 && var.max_retries <= 10
    error_message = "max_retries: use a whole number from 0 to 10."
  }
}

variable "run_retention_days" {
  description = "Days an object stays in the runs bucket before it is deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.run_retention_days >= 1
    error_message = "run_retention_days: use 1 or more days."
  }
}

variable "runner" {
  description = "Where experiment tasks run: cloud_run (a Cloud Run job) or gke (an indexed Kubernetes Job on GKE Autopilot)."
  type        = string
  default     = "cloud_run"
}

variable "model_serving" {
  description = "How an open model is served to the runner: none, cloud_run (vLLM on a Cloud Run L4 GPU) or vertex (a Vertex AI endpoint)."
  type        = string
  default     = "none"
}

variable "deletion_protection" {
  description = "Refuse to destroy the GKE cluster, the Cloud Run job and model server, and keep a non-empty bucket; null means true in prod, false elsewhere."
  type        = bool
  default     = null
}

variable "model_server_model" {
  description = "The Hugging Face model served by either model server (fits one L4's 24 GB)."
  type        = string
  default     = "Qwen/Qwen2.5-Coder-7B-Instruct"
}

variable "model_server_image" {
  description = "The vLLM OpenAI-compatible server image, pinned to a release."
  type        = string
  default     = "vllm/vllm-openai:v0.9.2"
}

variable "vertex_machine_type" {
  description = "The Vertex AI machine type of each replica: g2-standard-12 or g2-standard-24 (L4), a2-highgpu-1g or a2-ultragpu-1g (A100)."
  type        = string
  default     = "g2-standard-12"

  validation {
    condition     = contains(["g2-standard-12", "g2-standard-24", "a2-highgpu-1g", "a2-ultragpu-1g"], var.vertex_machine_type)
    error_message = "vertex_machine_type: use one of g2-standard-12, g2-standard-24, a2-highgpu-1g, a2-ultragpu-1g."
  }
}

variable "vertex_min_replicas" {
  description = "Replicas the Vertex AI endpoint always keeps (at least 1: each is billed while deployed)."
  type        = number
  default     = 1

  validation {
    condition     = var.vertex_min_replicas >= 1 && floor(var.vertex_min_replicas) == var.vertex_min_replicas
    error_message = "vertex_min_replicas: use a whole number, 1 or more."
  }
}

variable "vertex_max_replicas" {
  description = "Replicas the Vertex AI endpoint may scale up to under load."
  type        = number
  default     = 1

  validation {
    condition     = var.vertex_max_replicas >= var.vertex_min_replicas && floor(var.vertex_max_replicas) == var.vertex_max_replicas
    error_message = "vertex_max_replicas: use a whole number no smaller than vertex_min_replicas."
  }
}

variable "vertex_accept_eula" {
  description = "Accept the model's end user license agreement, for Model Garden models that have one."
  type        = bool
  default     = false
}

variable "gke_release_channel" {
  description = "The GKE release channel of the Autopilot cluster: RAPID, REGULAR or STABLE."
  type        = string
  default     = "REGULAR"

  validation {
    condition     = contains(["RAPID", "REGULAR", "STABLE"], var.gke_release_channel)
    error_message = "gke_release_channel: use one of RAPID, REGULAR, STABLE."
  }
}

variable "gke_node_logging" {
  description = "Give the GKE nodes' service account GKE's node role on the project, so that pod logs and metrics reach Cloud Logging and Monitoring."
  type        = bool
  default     = true
}

variable "gke_authorized_networks" {
  description = "CIDR blocks allowed to reach the cluster's IP control-plane endpoint (kubectl uses the IAM-checked DNS endpoint and needs none)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for cidr in var.gke_authorized_networks : can(cidrhost(cidr, 0))])
    error_message = "gke_authorized_networks: use CIDR blocks such as 203.0.113.0/24."
  }
}

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

variable "enable_model_server" {
  description = "Also deploy a vLLM OpenAI-compatible server on a Cloud Run GPU (nvidia-l4)."
  type        = bool
  default     = false
}

variable "model_server_model" {
  description = "The Hugging Face model the vLLM server serves (fits one L4's 24 GB)."
  type        = string
  default     = "Qwen/Qwen2.5-Coder-7B-Instruct"
}

variable "model_server_image" {
  description = "The vLLM OpenAI-compatible server image, pinned to a release."
  type        = string
  default     = "vllm/vllm-openai:v0.9.2"
}

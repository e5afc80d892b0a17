variable "region" {
  description = "AWS region to deploy to (one of the conventions module's AWS regions)."
  type        = string
}

variable "name" {
  description = "Application name: 3-20 lowercase letters, digits or hyphens, starting with a letter."
  type        = string
  default     = "regenlab"
}

variable "environment" {
  description = "Deployment environment: dev, staging or prod."
  type        = string
  default     = "dev"
}

variable "labels" {
  description = "Extra tags for every resource; the standard regenlab tags win on a clash."
  type        = map(string)
  default     = {}
}

variable "image" {
  description = "Runner container image; empty means <repository_url>:latest in this deployment's ECR repository."
  type        = string
  default     = ""
}

variable "cpu" {
  description = "Fargate task CPU units (1024 = 1 vCPU)."
  type        = number
  default     = 2048

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu: use one of Fargate's sizes: 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  description = "Fargate task memory in MiB; it must suit cpu (for 2048 units: 4096-16384 in steps of 1024)."
  type        = number
  default     = 4096

  validation {
    condition     = var.memory >= 512 && var.memory <= 122880
    error_message = "memory: use 512-122880 MiB, a size Fargate allows for the chosen cpu."
  }
}

variable "run_retention_days" {
  description = "Days an overwritten or deleted run file stays recoverable (versioning) before S3 removes it."
  type        = number
  default     = 90

  validation {
    condition     = var.run_retention_days >= 1
    error_message = "run_retention_days: use a whole number of days, at least 1."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the runner's logs (a value CloudWatch Logs accepts)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: use a value CloudWatch Logs accepts, such as 30, 90, 365 or 731."
  }
}

variable "endpoint" {
  description = "One URL that serves every AWS API used (e.g. moto_server on 127.0.0.1); empty means real AWS."
  type        = string
  default     = ""
}

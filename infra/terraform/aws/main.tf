# The AWS twin of the GCP deployment: the same names, tags and least-privilege grants, on S3,
# Secrets Manager, ECR, IAM, CloudWatch Logs and ECS Fargate. With `endpoint` set, every API call
# goes to that one URL, which is how the tests apply this module for real against moto.

module "conventions" {
  source = "../modules/conventions"

  name         = var.name
  environment  = var.environment
  cloud        = "aws"
  region       = var.region
  extra_labels = var.labels
}

locals {
  local_endpoint = var.endpoint != ""
  endpoint       = local.local_endpoint ? var.endpoint : null

  names      = module.conventions.names
  secret_env = toset(module.conventions.secret_env)
  image      = var.image != "" ? var.image : "${aws_ecr_repository.runner.repository_url}:latest"

  account_id = data.aws_caller_identity.current.account_id

  # Where the runner writes; the task definition mounts a scratch volume here.
  runs_dir = "/mnt/runs"
}

provider "aws" {
  region = var.region

  # A local endpoint (moto) has no real credentials, instance metadata or virtual-host buckets.
  s3_use_path_style           = local.local_endpoint
  skip_credentials_validation = local.local_endpoint
  skip_metadata_api_check     = local.local_endpoint

  endpoints {
    ecr            = local.endpoint
    ecs            = local.endpoint
    iam            = local.endpoint
    logs           = local.endpoint
    s3             = local.endpoint
    secretsmanager = local.endpoint
    sts            = local.endpoint
  }

  default_tags {
    tags = module.conventions.labels
  }
}

data "aws_caller_identity" "current" {}

output "bucket" {
  description = "The S3 bucket holding run directories."
  value       = aws_s3_bucket.runs.bucket
}

output "repository_url" {
  description = "The ECR repository to push the runner image to."
  value       = aws_ecr_repository.runner.repository_url
}

output "image" {
  description = "The runner image the task definition runs."
  value       = local.image
}

output "cluster" {
  description = "The ECS cluster that runs the tasks."
  value       = aws_ecs_cluster.runner.name
}

output "task_definition_arn" {
  description = "The runner's Fargate task definition (family:revision ARN)."
  value       = aws_ecs_task_definition.runner.arn
}

output "task_role_arn" {
  description = "The IAM role the runner's code acts as."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  description = "The IAM role ECS uses to start the runner."
  value       = aws_iam_role.execution.arn
}

output "log_group" {
  description = "The CloudWatch log group of the runner's tasks."
  value       = aws_cloudwatch_log_group.runner.name
}

output "secrets" {
  description = "Secret ARN for each API key environment variable; add values with `aws secretsmanager put-secret-value`."
  value       = { for env in sort(local.secret_env) : env => aws_secretsmanager_secret.api_keys[env].arn }
}

output "region" {
  description = "The region deployed to."
  value       = var.region
}

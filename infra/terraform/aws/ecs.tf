resource "aws_ecr_repository" "runner" {
  #checkov:skip=CKV_AWS_51:The runner is pushed as :latest and re-pushed on every release, so tags must stay mutable.
  #checkov:skip=CKV_AWS_136:AES256 (ECR-managed keys), as GCP's Artifact Registry uses Google-managed keys; pulls are scoped by IAM.
  name                 = local.names.repository
  image_tag_mutability = "MUTABLE"
  force_delete         = true

  image_scanning_configuration {
    scan_on_push = true
  }

  # ECR-managed keys, the default, stated so that the choice is visible (see the skip above).
  encryption_configuration {
    encryption_type = "AES256"
  }
}

resource "aws_cloudwatch_log_group" "runner" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts with service-managed keys; the logs hold run progress, not secrets.
  name              = "/ecs/${local.names.job}"
  retention_in_days = var.log_retention_days
}

resource "aws_ecs_cluster" "runner" {
  name = local.names.job

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

# One experiment shard per task: `aws ecs run-task` starts a task of this definition with the
# command overridden to `experiment cloud task <experiment file>`.
resource "aws_ecs_task_definition" "runner" {
  #checkov:skip=CKV_AWS_336:The runner builds git workspaces and runs generated code's tests, which write to HOME and tool caches.
  family                   = local.names.job
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Fargate cannot mount S3 as Cloud Run mounts GCS: the runs folder is task-local scratch space,
  # and run files reach the bucket only through the S3 API (the task role may read and write it).
  volume {
    name = "runs"
  }

  container_definitions = jsonencode([{
    name      = "runner"
    image     = local.image
    essential = true
    environment = [
      { name = "REGENLAB_RUNS_DIR", value = local.runs_dir },
    ]
    secrets = [
      for env in sort(local.secret_env) :
      { name = env, valueFrom = aws_secretsmanager_secret.api_keys[env].arn }
    ]
    mountPoints = [{ sourceVolume = "runs", containerPath = local.runs_dir, readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.runner.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "runner"
      }
    }
  }])
}

# Two roles, as ECS requires: the execution role lets ECS pull the image, write logs and inject
# the secrets at start; the task role is what the runner's own code acts as. Every grant names
# its resources, except ecr:GetAuthorizationToken, which AWS only allows on "*".

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    # Only tasks of this account may assume the roles (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "task" {
  name               = local.names.service_account
  description        = "The regenlab runner's tasks: read and write run files, read the API keys."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "task" {
  statement {
    sid       = "ListRuns"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.runs.arn]
  }

  statement {
    sid       = "ReadWriteRuns"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.runs.arn}/*"]
  }

  statement {
    sid       = "ReadApiKeys"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for env in sort(local.secret_env) : aws_secretsmanager_secret.api_keys[env].arn]
  }
}

resource "aws_iam_role_policy" "task" {
  name   = "runner"
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.task.json
}

resource "aws_iam_role" "execution" {
  name               = "${local.names.service_account}-execution"
  description        = "ECS starting the regenlab runner: pull its image, write its logs, inject its API keys."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PullRunnerImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchGetImage",
      "ecr:GetDownloadUrlForLayer",
    ]
    resources = [aws_ecr_repository.runner.arn]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.runner.arn}:*"]
  }

  # ECS resolves the container's `secrets` with this role, before the runner starts.
  statement {
    sid       = "InjectApiKeys"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for env in sort(local.secret_env) : aws_secretsmanager_secret.api_keys[env].arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "ecs-execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

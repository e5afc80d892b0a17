# Run directories synced from the tasks. Destroying the deployment deletes them (force_destroy):
# `experiment cloud pull` copies them home first.
resource "aws_s3_bucket" "runs" {
  #checkov:skip=CKV_AWS_18:Access logging would need a second bucket; the runner's role is the only writer.
  #checkov:skip=CKV_AWS_144:Run files are reproducible experiment output; cross-region replication would double storage for no recovery need.
  #checkov:skip=CKV2_AWS_62:Nothing consumes bucket events; the CLI pulls run files on request.
  #checkov:skip=CKV_AWS_145:S3-managed encryption (SSE-S3), as the GCP bucket uses Google-managed keys; access is scoped by IAM to the runner.
  bucket        = local.names.bucket
  force_destroy = true
}

resource "aws_s3_bucket_versioning" "runs" {
  bucket = aws_s3_bucket.runs.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_public_access_block" "runs" {
  bucket = aws_s3_bucket.runs.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "runs" {
  bucket = aws_s3_bucket.runs.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "runs" {
  bucket = aws_s3_bucket.runs.id

  rule {
    id     = "expire-old-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.run_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Versioning must be on before a noncurrent-version rule means anything.
  depends_on = [aws_s3_bucket_versioning.runs]
}

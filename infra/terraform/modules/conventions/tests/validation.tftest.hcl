# Every validation rule rejects a bad input with its own message.

variables {
  project_id = "my-project-1"
}

run "bad_name" {
  command = plan

  variables {
    name = "Regenlab_"
  }

  expect_failures = [var.name]
}

run "name_too_short" {
  command = plan

  variables {
    name = "ab"
  }

  expect_failures = [var.name]
}

run "name_too_long_for_a_gcp_service_account" {
  command = plan

  variables {
    name        = "abcdefghijklmnop"
    environment = "staging"
  }

  expect_failures = [var.name]
}

run "long_name_is_fine_on_aws" {
  command = plan

  variables {
    cloud       = "aws"
    region      = "us-east-1"
    project_id  = ""
    name        = "abcdefghijklmnopqrst"
    environment = "staging"
  }

  assert {
    condition     = output.prefix == "abcdefghijklmnopqrst-staging"
    error_message = "AWS has no 30-character service account limit"
  }
}

run "bad_environment" {
  command = plan

  variables {
    environment = "qa"
  }

  expect_failures = [var.environment]
}

run "bad_cloud" {
  command = plan

  variables {
    cloud = "azure"
  }

  expect_failures = [var.cloud]
}

run "unknown_gcp_region" {
  command = plan

  variables {
    region = "mars-north1"
  }

  expect_failures = [var.region]
}

run "aws_region_is_not_a_gcp_region" {
  command = plan

  variables {
    region = "us-east-1"
  }

  expect_failures = [var.region]
}

run "gcp_region_is_not_an_aws_region" {
  command = plan

  variables {
    cloud      = "aws"
    region     = "us-central1"
    project_id = ""
  }

  expect_failures = [var.region]
}

run "bad_project_id" {
  command = plan

  variables {
    project_id = "1-starts-with-a-digit"
  }

  expect_failures = [var.project_id]
}

run "project_id_too_short" {
  command = plan

  variables {
    project_id = "abc"
  }

  expect_failures = [var.project_id]
}

run "missing_project_id_on_gcp" {
  command = plan

  variables {
    project_id = ""
  }

  expect_failures = [var.project_id]
}

run "no_project_id_needed_on_aws" {
  command = plan

  variables {
    cloud      = "aws"
    region     = "us-west-2"
    project_id = ""
  }

  assert {
    condition     = output.names.bucket == "regenlab-dev-runs-us-west-2"
    error_message = "AWS needs no project id"
  }
}

run "bad_extra_label" {
  command = plan

  variables {
    extra_labels = { Team = "Evals" }
  }

  expect_failures = [var.extra_labels]
}

run "bad_runner" {
  command = plan

  variables {
    runner = "lambda"
  }

  expect_failures = [var.runner]
}

run "gke_runner_is_gcp_only" {
  command = plan

  variables {
    cloud      = "aws"
    region     = "us-east-1"
    project_id = ""
    runner     = "gke"
  }

  expect_failures = [var.runner]
}

run "bad_model_serving" {
  command = plan

  variables {
    model_serving = "sagemaker"
  }

  expect_failures = [var.model_serving]
}

run "model_serving_is_gcp_only" {
  command = plan

  variables {
    cloud         = "aws"
    region        = "us-east-1"
    project_id    = ""
    model_serving = "vertex"
  }

  expect_failures = [var.model_serving]
}

run "cloud_run_serving_needs_a_gpu_region" {
  command = plan

  variables {
    region        = "us-west1"
    model_serving = "cloud_run"
  }

  expect_failures = [var.model_serving]
}

run "vertex_serving_has_no_cloud_run_gpu_rule" {
  command = plan

  variables {
    region        = "us-west1"
    model_serving = "vertex"
    runner        = "gke"
  }

  assert {
    condition     = output.labels["model-serving"] == "vertex"
    error_message = "vertex serves from any region the deployment accepts"
  }
}

# Names, labels and role lists, computed offline: the module has no providers.

variables {
  project_id = "my-project-1"
}

run "gcp_defaults" {
  command = apply

  assert {
    condition     = output.prefix == "regenlab-dev"
    error_message = "prefix must be name-environment"
  }

  assert {
    condition     = output.names.bucket == "my-project-1-regenlab-dev-runs"
    error_message = "a GCP bucket is named project_id-prefix-runs"
  }

  assert {
    condition = (
      output.names.repository == "regenlab-dev-runner"
      && output.names.service_account == "regenlab-dev-runner"
      && output.names.job == "regenlab-dev-runner"
      && output.names.model_server == "regenlab-dev-vllm"
    )
    error_message = "repository, service account and job are prefix-runner; the model server is prefix-vllm"
  }

  assert {
    condition = output.names.secrets == tomap({
      ANTHROPIC_API_KEY = "regenlab-dev-anthropic-api-key"
      OPENAI_API_KEY    = "regenlab-dev-openai-api-key"
    })
    error_message = "each secret is named prefix-<env var in kebab case>"
  }

  assert {
    condition = output.labels == tomap({
      app         = "regenlab"
      component   = "experiment-runner"
      environment = "dev"
      managed-by  = "terraform"
    })
    error_message = "the standard labels are app, component, environment and managed-by"
  }
}

run "aws_bucket_carries_the_region" {
  command = plan

  variables {
    cloud       = "aws"
    region      = "eu-west-1"
    project_id  = ""
    environment = "prod"
  }

  assert {
    condition     = output.names.bucket == "regenlab-prod-runs-eu-west-1"
    error_message = "an AWS bucket is named prefix-runs-region"
  }
}

run "extra_labels_merge_but_never_override" {
  command = plan

  variables {
    name         = "lab-a"
    environment  = "staging"
    extra_labels = { team = "evals", app = "hijacked" }
  }

  assert {
    condition     = output.labels["team"] == "evals" && output.labels["app"] == "regenlab"
    error_message = "extra labels are added, standard labels win"
  }

  assert {
    condition     = output.labels["environment"] == "staging" && output.prefix == "lab-a-staging"
    error_message = "environment flows into the labels and the prefix"
  }
}

run "roles_are_per_resource_and_never_primitive" {
  command = plan

  assert {
    condition = output.runner_roles == tomap({
      bucket       = "roles/storage.objectAdmin"
      secrets      = "roles/secretmanager.secretAccessor"
      repository   = "roles/artifactregistry.reader"
      model_server = "roles/run.invoker"
    })
    error_message = "the runner's roles must be exactly the four per-resource roles"
  }

  assert {
    condition = length(setintersection(
      toset(values(output.runner_roles)), ["roles/owner", "roles/editor", "roles/viewer"]
    )) == 0
    error_message = "no primitive role may be granted"
  }

  assert {
    condition = output.services == tolist([
      "artifactregistry.googleapis.com",
      "iam.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "storage.googleapis.com",
    ])
    error_message = "the enabled APIs are exactly the five the deployment uses"
  }

  assert {
    condition     = output.secret_env == tolist(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"])
    error_message = "the runner reads the Anthropic and OpenAI keys"
  }
}

run "longest_valid_gcp_name" {
  command = plan

  variables {
    name        = "abcdefghijklmno"
    environment = "staging"
    project_id  = "a-thirty-character-project-id1"
  }

  assert {
    condition     = length(output.names.service_account) == 30
    error_message = "the longest allowed prefix gives a 30-character service account id"
  }

  assert {
    condition     = length(output.names.bucket) <= 63
    error_message = "a bucket name holds at most 63 characters"
  }
}

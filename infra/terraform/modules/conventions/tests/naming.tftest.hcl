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
    condition = (
      output.names.cluster == "regenlab-dev-runner"
      && output.names.network == "regenlab-dev-net"
      && output.names.router == "regenlab-dev-router"
      && output.names.nat == "regenlab-dev-nat"
      && output.names.nodes_service_account == "regenlab-dev-nodes"
      && output.names.namespace == "regenlab-dev"
      && output.names.kubernetes_service_account == "runner"
    )
    error_message = "the GKE runner's names derive from the prefix"
  }

  assert {
    condition     = output.names.vertex_predictor_role == "regenlab_dev_vertex_predictor"
    error_message = "a custom role id has no hyphens"
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
      app           = "regenlab"
      component     = "experiment-runner"
      environment   = "dev"
      managed-by    = "terraform"
      runner        = "cloud-run"
      model-serving = "none"
    })
    error_message = "the standard GCP labels are app, component, environment, managed-by, runner and model-serving"
  }
}

run "gke_and_vertex_label_and_enable_their_apis" {
  command = plan

  variables {
    runner        = "gke"
    model_serving = "vertex"
  }

  assert {
    condition     = output.labels["runner"] == "gke" && output.labels["model-serving"] == "vertex"
    error_message = "the runner and the model serving are labels"
  }

  assert {
    condition = output.services == tolist([
      "aiplatform.googleapis.com",
      "artifactregistry.googleapis.com",
      "compute.googleapis.com",
      "container.googleapis.com",
      "iam.googleapis.com",
      "run.googleapis.com",
      "secretmanager.googleapis.com",
      "storage.googleapis.com",
    ])
    error_message = "GKE adds the compute and container APIs, Vertex AI the aiplatform API"
  }

  assert {
    condition     = output.vertex_predictor_permissions == tolist(["aiplatform.endpoints.predict"])
    error_message = "the runner may call predict on the endpoint and nothing else"
  }

  assert {
    condition     = output.vertex_machines["g2-standard-12"].accelerator_type == "NVIDIA_L4"
    error_message = "g2-standard-12 carries an L4"
  }
}

run "aws_tags_carry_no_gcp_runner_labels" {
  command = plan

  variables {
    cloud      = "aws"
    region     = "us-east-1"
    project_id = ""
  }

  assert {
    condition     = !contains(keys(output.labels), "runner") && !contains(keys(output.labels), "model-serving")
    error_message = "runner and model-serving are GCP labels only"
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
      bucket            = "roles/storage.objectAdmin"
      secrets           = "roles/secretmanager.secretAccessor"
      repository        = "roles/artifactregistry.reader"
      model_server      = "roles/run.invoker"
      workload_identity = "roles/iam.workloadIdentityUser"
    })
    error_message = "the runner's roles must be exactly the five per-resource roles"
  }

  assert {
    condition     = output.nodes_project_role == "roles/container.defaultNodeServiceAccount"
    error_message = "the only project-level role is GKE's node role"
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

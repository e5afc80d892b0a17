terraform {
  # 1.9: the conventions module's validations refer to more than one variable.
  required_version = ">= 1.9"

  # `experiment cloud up` passes -backend-config=path=<state dir>/terraform.tfstate.
  backend "local" {}

  required_providers {
    google = {
      source = "hashicorp/google"
      # 7.x has every Cloud Run v2 field used here as GA: GCS volumes, the GPU node selector,
      # gpu_zonal_redundancy_disabled and deletion_protection.
      version = "~> 7.0"
    }
    # google_vertex_ai_endpoint_iam_member is a beta resource.
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 7.0"
    }
  }
}

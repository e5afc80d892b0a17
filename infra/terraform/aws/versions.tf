terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Exact pin: the provider is installed from an offline mirror that holds this one version.
      version = "5.100.0"
    }
  }

  # The state lives wherever `experiment cloud up` points -backend-config=path=... .
  backend "local" {}
}

"""regenlab's cloud companion: deploy the experiment runner to GCP (or AWS) with one command.

- `infra/terraform/`: the Terraform modules (GCP: Cloud Run or GKE runner, Cloud Run or Vertex AI
  model serving; the AWS parity module; provider-free conventions);
- `infra/pulumi/`: the same GCP deployment in Pulumi Python;
- `infra/cdk/`: the AWS parity module in AWS CDK (Python);
- `experiment cloud …` (infra.cli): plan, up, down, run, pull — and `task`, which the runner image
  executes on each Cloud Run task or GKE Job pod.
"""

from __future__ import annotations

from pathlib import Path

from infra._errors import InfraError

TERRAFORM_DIR = Path(__file__).parent / "terraform"
"""The Terraform modules shipped with the package."""

__all__ = ["TERRAFORM_DIR", "InfraError"]

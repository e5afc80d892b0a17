"""regenlab's cloud companion: deploy the experiment runner to GCP (or AWS) with one command.

- `infra/terraform/`: the Terraform modules (GCP, the AWS parity module, provider-free conventions);
- `infra/pulumi/`: the same GCP deployment in Pulumi Python;
- `experiment cloud …` (infra.cli): plan, up, down, run, pull — and `task`, which the runner image
  executes on each Cloud Run Job task.
"""

from __future__ import annotations

from pathlib import Path

from infra._errors import InfraError

TERRAFORM_DIR = Path(__file__).parent / "terraform"
"""The Terraform modules shipped with the package."""

__all__ = ["TERRAFORM_DIR", "InfraError"]

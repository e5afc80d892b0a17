"""The GCP deployment in Pulumi Python: `cd infra/pulumi && pulumi up` (see Pulumi.yaml)."""

from __future__ import annotations

from infra.pulumi.regenlab_gcp import Deployment, Settings, deploy

__all__ = ["Deployment", "Settings", "deploy"]

"""What every resource function of the Pulumi program needs: where, names, labels, protection."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from infra.conventions import Names


@dataclass(frozen=True)
class Context:
    """The deployment's place and conventions, as each resource function reads them."""

    project: str
    """The Google Cloud project of every resource."""
    region: str
    """The region of every regional resource."""
    environment: str
    """dev, staging or prod."""
    name: str
    """The application name, the start of every resource name."""
    names: Names
    """The name of every resource (infra.conventions)."""
    labels: dict[str, str]
    """The labels every labelled resource carries."""
    protected: bool
    """Whether deletion protection is on (the cluster, the job, the model server, the bucket)."""

    @property
    def prefix(self) -> str:
        """`<name>-<environment>`."""
        return f"{self.name}-{self.environment}"

    def account_member(self, email: pulumi.Output[str]) -> pulumi.Output[str]:
        """The IAM member of a service account, from its email."""
        return email.apply(lambda address: f"serviceAccount:{address}")

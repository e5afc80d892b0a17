"""Naming, labels, validation and IAM roles shared by every regenlab deployment.

This is the Python twin of the Terraform module `infra/terraform/modules/conventions`: the Pulumi
program and the `experiment cloud` commands use it, and a test applies the Terraform module and
compares its outputs with this one, so the two cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, TypedDict

__all__ = [
    "AWS_REGIONS",
    "CLOUDS",
    "CLOUD_RUN_GPU_REGIONS",
    "ENVIRONMENTS",
    "GCP_REGIONS",
    "GKE_IP_RANGES",
    "MODEL_SERVINGS",
    "NODES_PROJECT_ROLE",
    "RUNNERS",
    "RUNNER_ROLES",
    "SECRET_ENV",
    "SERVICES",
    "VERTEX_MACHINES",
    "VERTEX_PREDICTOR_PERMISSIONS",
    "Conventions",
    "Names",
    "VertexMachine",
]

CLOUDS: Final = ("gcp", "aws")
"""The clouds regenlab deploys to."""

ENVIRONMENTS: Final = ("dev", "staging", "prod")
"""The allowed values of `environment`."""

RUNNERS: Final = ("cloud_run", "gke")
"""Where experiment tasks run on GCP: a Cloud Run job, or an indexed Job on GKE Autopilot."""

MODEL_SERVINGS: Final = ("none", "cloud_run", "vertex")
"""How an open model is served on GCP: not at all, vLLM on a Cloud Run GPU, or Vertex AI."""

CLOUD_RUN_GPU_REGIONS: Final = (
    "asia-south1",
    "asia-southeast1",
    "europe-west1",
    "europe-west4",
    "us-central1",
    "us-east4",
)
"""Regions where Cloud Run offers the NVIDIA L4 GPU the cloud_run model server needs."""

GCP_REGIONS: Final = (
    "africa-south1",
    "asia-east1",
    "asia-east2",
    "asia-northeast1",
    "asia-northeast2",
    "asia-northeast3",
    "asia-south1",
    "asia-south2",
    "asia-southeast1",
    "asia-southeast2",
    "australia-southeast1",
    "australia-southeast2",
    "europe-central2",
    "europe-north1",
    "europe-north2",
    "europe-southwest1",
    "europe-west1",
    "europe-west10",
    "europe-west12",
    "europe-west2",
    "europe-west3",
    "europe-west4",
    "europe-west6",
    "europe-west8",
    "europe-west9",
    "me-central1",
    "me-central2",
    "me-west1",
    "northamerica-northeast1",
    "northamerica-northeast2",
    "northamerica-south1",
    "southamerica-east1",
    "southamerica-west1",
    "us-central1",
    "us-east1",
    "us-east4",
    "us-east5",
    "us-south1",
    "us-west1",
    "us-west2",
    "us-west3",
    "us-west4",
)
"""Google Cloud regions that run Cloud Run jobs (sorted)."""

AWS_REGIONS: Final = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
"""AWS commercial regions (sorted)."""

RUNNER_ROLES: Final[Mapping[str, str]] = {
    "bucket": "roles/storage.objectAdmin",
    "secrets": "roles/secretmanager.secretAccessor",
    "repository": "roles/artifactregistry.reader",
    "model_server": "roles/run.invoker",
    "workload_identity": "roles/iam.workloadIdentityUser",
}
"""The one role the runner's service account gets on each kind of resource (never project-wide);
`workload_identity` is granted on the runner's own account, to the GKE Job's Kubernetes account."""

VERTEX_PREDICTOR_PERMISSIONS: Final = ("aiplatform.endpoints.predict",)
"""The permissions of the custom role the runner holds on the Vertex AI endpoint."""

NODES_PROJECT_ROLE: Final = "roles/container.defaultNodeServiceAccount"
"""The only project-level role a deployment grants: GKE's least-privilege node role (write logs
and metrics), to the GKE nodes' service account, never to the runner."""

GKE_IP_RANGES: Final[Mapping[str, str]] = {
    "nodes": "10.10.0.0/20",
    "pods": "10.16.0.0/14",
    "services": "10.20.0.0/20",
}
"""The GKE runner's subnet (nodes) and its secondary ranges (pods, services)."""


class VertexMachine(TypedDict):
    """The GPUs of a Vertex AI machine type."""

    accelerator_type: str
    accelerator_count: int


VERTEX_MACHINES: Final[Mapping[str, VertexMachine]] = {
    "g2-standard-12": VertexMachine(accelerator_type="NVIDIA_L4", accelerator_count=1),
    "g2-standard-24": VertexMachine(accelerator_type="NVIDIA_L4", accelerator_count=2),
    "a2-highgpu-1g": VertexMachine(accelerator_type="NVIDIA_TESLA_A100", accelerator_count=1),
    "a2-ultragpu-1g": VertexMachine(accelerator_type="NVIDIA_A100_80GB", accelerator_count=1),
}
"""The machine types the vertex model server may use, with the GPUs each carries."""

SERVICES: Final = (
    "artifactregistry.googleapis.com",
    "iam.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
)
"""The Google APIs every GCP deployment enables (`Conventions.services` adds the optional ones)."""

GKE_SERVICES: Final = ("compute.googleapis.com", "container.googleapis.com")
VERTEX_SERVICES: Final = ("aiplatform.googleapis.com",)

SECRET_ENV: Final = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
"""Environment variables the runner reads from the cloud's secret store."""

NAME_PATTERN: Final = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
PROJECT_ID_PATTERN: Final = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
# GCP's label rules; AWS tags accept a superset, so one rule serves both clouds.
LABEL_KEY_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE_PATTERN: Final = re.compile(r"^[a-z0-9_-]{0,63}$")
# A GCP service account id holds at most 30 characters and the longest is "<prefix>-runner".
MAX_GCP_PREFIX: Final = 30 - len("-runner")


class Names(TypedDict):
    """The name of every resource of a deployment."""

    bucket: str
    repository: str
    service_account: str
    job: str
    model_server: str
    cluster: str
    network: str
    router: str
    nat: str
    nodes_service_account: str
    namespace: str
    kubernetes_service_account: str
    vertex_predictor_role: str
    secrets: dict[str, str]


@dataclass(frozen=True)
class Conventions:
    """The inputs of a deployment and the names and labels derived from them."""

    name: str = "regenlab"
    """Application name: 3-20 lowercase letters, digits or hyphens, starting with a letter."""
    environment: str = "dev"
    """One of `ENVIRONMENTS`."""
    cloud: str = "gcp"
    """One of `CLOUDS`."""
    region: str = "us-central1"
    """A region of `cloud` (see `GCP_REGIONS`, `AWS_REGIONS`)."""
    project_id: str = ""
    """The Google Cloud project id; empty on AWS."""
    runner: str = "cloud_run"
    """One of `RUNNERS`; gke on GCP only."""
    model_serving: str = "none"
    """One of `MODEL_SERVINGS`; none on AWS, cloud_run only in `CLOUD_RUN_GPU_REGIONS`."""
    extra_labels: Mapping[str, str] = field(default_factory=dict)
    """Labels added to every resource; the standard labels win on a clash."""

    @property
    def prefix(self) -> str:
        """`<name>-<environment>`, the start of every resource name."""
        return f"{self.name}-{self.environment}"

    @property
    def names(self) -> Names:
        """The name of every resource, as the Terraform module's `names` output."""
        prefix = self.prefix
        if self.cloud == "gcp":
            bucket = f"{self.project_id}-{prefix}-runs"
        else:
            bucket = f"{prefix}-runs-{self.region}"
        secrets = {env: f"{prefix}-{env.lower().replace('_', '-')}" for env in SECRET_ENV}
        return Names(
            bucket=bucket,
            repository=f"{prefix}-runner",
            service_account=f"{prefix}-runner",
            job=f"{prefix}-runner",
            model_server=f"{prefix}-vllm",
            cluster=f"{prefix}-runner",
            network=f"{prefix}-net",
            router=f"{prefix}-router",
            nat=f"{prefix}-nat",
            nodes_service_account=f"{prefix}-nodes",
            namespace=prefix,
            kubernetes_service_account="runner",
            # A custom role id allows letters, digits, '_' and '.' only.
            vertex_predictor_role=f"{prefix.replace('-', '_')}_vertex_predictor",
            secrets=secrets,
        )

    @property
    def services(self) -> tuple[str, ...]:
        """The Google APIs this deployment enables, sorted."""
        optional = (GKE_SERVICES if self.runner == "gke" else ()) + (
            VERTEX_SERVICES if self.model_serving == "vertex" else ()
        )
        return tuple(sorted(SERVICES + optional))

    def labels(self, managed_by: str = "terraform") -> dict[str, str]:
        """The labels (GCP) or tags (AWS) every resource carries."""
        standard = {
            "app": "regenlab",
            "component": "experiment-runner",
            "environment": self.environment,
            "managed-by": managed_by,
        }
        if self.cloud == "gcp":
            # The runner and the model serving are labels too, so that billing splits by them.
            standard["runner"] = self.runner.replace("_", "-")
            standard["model-serving"] = self.model_serving.replace("_", "-")
        return {**self.extra_labels, **standard}

    def validate(self) -> Conventions:
        """Return self, or raise ValueError naming the first bad field and how to fix it."""
        for check in (
            self._check_name,
            self._check_environment,
            self._check_cloud,
            self._check_region,
            self._check_project_id,
            self._check_runner,
            self._check_model_serving,
            self._check_labels,
        ):
            check()
        return self

    def _check_name(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(
                f"name: {self.name!r} is invalid; use 3-20 lowercase letters, digits or hyphens, "
                "starting with a letter and not ending with a hyphen"
            )
        if self.cloud == "gcp" and len(self.prefix) > MAX_GCP_PREFIX:
            raise ValueError(
                f"name: {self.prefix!r} is too long for a GCP service account id; shorten name "
                f"so that name-environment has at most {MAX_GCP_PREFIX} characters"
            )

    def _check_environment(self) -> None:
        if self.environment not in ENVIRONMENTS:
            raise ValueError(
                f"environment: {self.environment!r} is invalid; "
                f"use one of {', '.join(ENVIRONMENTS)}"
            )

    def _check_cloud(self) -> None:
        if self.cloud not in CLOUDS:
            raise ValueError(f"cloud: {self.cloud!r} is invalid; use one of {', '.join(CLOUDS)}")

    def _check_region(self) -> None:
        known, example = (
            (GCP_REGIONS, "us-central1") if self.cloud == "gcp" else (AWS_REGIONS, "us-east-1")
        )
        if self.region not in known:
            raise ValueError(
                f"region: {self.region!r} is not a known {self.cloud} region; "
                f"use one such as {example} (the list is in infra/conventions.py)"
            )

    def _check_project_id(self) -> None:
        if self.cloud == "gcp" and not self.project_id:
            raise ValueError("project_id: required when cloud is gcp; pass your project's id")
        if self.project_id and not PROJECT_ID_PATTERN.match(self.project_id):
            raise ValueError(
                f"project_id: {self.project_id!r} is invalid; use 6-30 lowercase letters, digits "
                "or hyphens, starting with a letter and not ending with a hyphen"
            )

    def _check_runner(self) -> None:
        if self.runner not in RUNNERS:
            raise ValueError(f"runner: {self.runner!r} is invalid; use one of {', '.join(RUNNERS)}")
        if self.runner == "gke" and self.cloud != "gcp":
            raise ValueError(
                "runner: gke runs on GCP only; leave runner at cloud_run on aws (it runs on ECS "
                "there)"
            )

    def _check_model_serving(self) -> None:
        if self.model_serving not in MODEL_SERVINGS:
            raise ValueError(
                f"model_serving: {self.model_serving!r} is invalid; use one of "
                f"{', '.join(MODEL_SERVINGS)}"
            )
        if self.model_serving != "none" and self.cloud != "gcp":
            raise ValueError("model_serving: only GCP serves models; leave it none on aws")
        if self.model_serving == "cloud_run" and self.region not in CLOUD_RUN_GPU_REGIONS:
            raise ValueError(
                f"model_serving: cloud_run needs a region with Cloud Run L4 GPUs, not "
                f"{self.region!r}; use one of {', '.join(CLOUD_RUN_GPU_REGIONS)}"
            )

    def _check_labels(self) -> None:
        for key, value in self.extra_labels.items():
            if not LABEL_KEY_PATTERN.match(key) or not LABEL_VALUE_PATTERN.match(value):
                raise ValueError(
                    f"extra_labels: {key!r}={value!r} is invalid; use lowercase letters, digits, "
                    "'_' or '-' (keys start with a letter, both at most 63 characters)"
                )

"""regenlab's experiment runner on Google Cloud, in Pulumi Python.

The twin of the Terraform module `infra/terraform/gcp`: the same resources, names, labels and
grants, all derived from `infra.conventions` (a parity test compares the two for every runner and
model serving). `deploy(settings)` declares everything and returns the created resources;
`__main__.py` feeds it the stack's config. The GKE runner is in `_gke.py`, the Vertex AI endpoint
in `_vertex.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Final

import pulumi
import pulumi_gcp as gcp
from pulumi_gcp import cloudrunv2 as run

from infra._errors import InfraError
from infra.conventions import RUNNER_ROLES, SECRET_ENV, VERTEX_MACHINES, Conventions
from infra.pulumi._context import Context
from infra.pulumi._gke import GkeRunner, gke_runner
from infra.pulumi._vertex import VertexServer, vertex_server

__all__ = ["DEFAULT_MODEL", "DEFAULT_MODEL_SERVER_IMAGE", "Deployment", "Settings", "deploy"]

DEFAULT_MODEL: Final = "Qwen/Qwen2.5-Coder-7B-Instruct"
"""The model the optional vLLM server serves (fits one L4's 24 GB)."""

DEFAULT_MODEL_SERVER_IMAGE: Final = "vllm/vllm-openai:v0.9.2"
"""vLLM's OpenAI-compatible server image, pinned to a release."""

RUNS_MOUNT: Final = "/mnt/runs"
"""Where the runs bucket is mounted in every task."""

DEFAULT_EXPERIMENT: Final = f"{RUNS_MOUNT}/experiments/experiment.yaml"
"""The experiment a plain execution runs; `gcloud run jobs execute --args` picks another."""

MODEL_SERVER_PORT: Final = 8000
CPUS: Final = ("1", "2", "4", "6", "8")
RELEASE_CHANNELS: Final = ("RAPID", "REGULAR", "STABLE")
MEMORY_PATTERN: Final = re.compile(r"^[0-9]+(Mi|Gi)$")
TIMEOUT_PATTERN: Final = re.compile(r"^[0-9]+s$")


@dataclass(frozen=True)
class Settings:
    """The inputs of a deployment: the Terraform GCP module's variables, read from stack config.

    Each field's config key is in `CONFIG_KEYS` (e.g. `task_count` is `regenlab:taskCount`).
    """

    project_id: str = ""
    """The Google Cloud project to deploy into (required)."""
    region: str = "us-central1"
    """The region of every resource (a Cloud Run region)."""
    image: str = ""
    """The runner image; empty means `<repository_url>/runner:latest`."""
    name: str = "regenlab"
    """Application name, the start of every resource name."""
    environment: str = "dev"
    """dev, staging or prod."""
    task_count: int = 1
    """Tasks per execution; `gcloud run jobs execute --tasks` overrides it per execution."""
    parallelism: int = 1
    """Tasks that run at once (0 means as many as Cloud Run allows)."""
    cpu: str = "2"
    """vCPUs per task: 1, 2, 4, 6 or 8."""
    memory: str = "4Gi"
    """Memory per task, such as 4Gi."""
    task_timeout: str = "3600s"
    """Longest a task may run, in whole seconds with an s suffix."""
    max_retries: int = 1
    """Retries of a failed task before the execution fails (0 to 10)."""
    run_retention_days: int = 90
    """Days an object stays in the runs bucket before it is deleted."""
    runner: str = "cloud_run"
    """Where tasks run: cloud_run (a Cloud Run job) or gke (an indexed Job on GKE Autopilot)."""
    model_serving: str = "none"
    """none, cloud_run (vLLM on a Cloud Run L4 GPU) or vertex (a Vertex AI endpoint)."""
    deletion_protection: bool | None = None
    """Protect the cluster, job, model server and a non-empty bucket; None: only in prod."""
    model_server_model: str = DEFAULT_MODEL
    """The Hugging Face model either model server serves."""
    model_server_image: str = DEFAULT_MODEL_SERVER_IMAGE
    """The vLLM server image (model_serving = cloud_run)."""
    vertex_machine_type: str = "g2-standard-12"
    """The Vertex AI machine type of each replica (see `VERTEX_MACHINES`)."""
    vertex_min_replicas: int = 1
    """Replicas the Vertex AI endpoint always keeps (at least 1)."""
    vertex_max_replicas: int = 1
    """Replicas the Vertex AI endpoint may scale up to."""
    vertex_accept_eula: bool = False
    """Accept the model's end user license agreement (Model Garden models that have one)."""
    gke_release_channel: str = "REGULAR"
    """The GKE release channel: RAPID, REGULAR or STABLE."""
    gke_node_logging: bool = True
    """Give the GKE nodes' account GKE's node role on the project (logs and metrics)."""
    gke_authorized_networks: tuple[str, ...] = ()
    """CIDR blocks allowed to reach the cluster's IP control-plane endpoint."""
    labels: Mapping[str, str] = field(default_factory=dict)
    """Labels added to every resource; the standard labels win on a clash."""

    @classmethod
    def from_config(cls) -> Settings:
        """The settings of the current stack; a key that is not set keeps its default."""
        getters: dict[str, Callable[[pulumi.Config, str], Any]] = {
            "str": pulumi.Config.get,
            "int": pulumi.Config.get_int,
            "bool": pulumi.Config.get_bool,
            "map": pulumi.Config.get_object,
            "list": pulumi.Config.get_object,
        }
        values: dict[str, Any] = {}
        for item in fields(cls):
            namespace, key = CONFIG_KEYS[item.name].split(":")
            value = getters[CONFIG_KINDS.get(item.name, "str")](pulumi.Config(namespace), key)
            if value is not None:
                values[item.name] = tuple(value) if isinstance(value, list) else value
        return cls(**values)

    @property
    def protected(self) -> bool:
        """Whether deletion protection is on: as set, else in prod only."""
        if self.deletion_protection is None:
            return self.environment == "prod"
        return self.deletion_protection

    def conventions(self) -> Conventions:
        """The names, labels and roles of this deployment."""
        return Conventions(
            name=self.name,
            environment=self.environment,
            cloud="gcp",
            region=self.region,
            project_id=self.project_id,
            runner=self.runner,
            model_serving=self.model_serving,
            extra_labels=dict(self.labels),
        )

    def validate(self) -> Conventions:
        """The conventions, or InfraError naming the first bad config key and the fix."""
        try:
            conventions = self.conventions().validate()
        except ValueError as exc:
            field_name, _, reason = str(exc).partition(":")
            field_name = "labels" if field_name == "extra_labels" else field_name
            raise InfraError(f"{CONFIG_KEYS.get(field_name, field_name)}:{reason}") from None
        problems = self._problems()
        if problems:
            key, problem = problems[0]
            raise InfraError(f"{CONFIG_KEYS[key]}: {problem}")
        return conventions

    def _problems(self) -> list[tuple[str, str]]:
        """(field, message) for each value the Terraform module's validations would refuse."""
        checks = [
            ("task_count", 1 <= self.task_count <= 10000, "use a whole number from 1 to 10000"),
            ("parallelism", self.parallelism >= 0, "use a whole number, 0 or more"),
            ("cpu", self.cpu in CPUS, f"use one of {', '.join(CPUS)}"),
            ("memory", bool(MEMORY_PATTERN.match(self.memory)), "use e.g. 4Gi or 512Mi"),
            ("task_timeout", bool(TIMEOUT_PATTERN.match(self.task_timeout)), "use e.g. 3600s"),
            ("max_retries", 0 <= self.max_retries <= 10, "use a whole number from 0 to 10"),
            ("run_retention_days", self.run_retention_days >= 1, "use 1 or more days"),
            (
                "vertex_machine_type",
                self.vertex_machine_type in VERTEX_MACHINES,
                f"use one of {', '.join(VERTEX_MACHINES)}",
            ),
            ("vertex_min_replicas", self.vertex_min_replicas >= 1, "use a whole number, 1 or more"),
            (
                "vertex_max_replicas",
                self.vertex_max_replicas >= self.vertex_min_replicas,
                "use a whole number no smaller than vertexMinReplicas",
            ),
            (
                "gke_release_channel",
                self.gke_release_channel in RELEASE_CHANNELS,
                f"use one of {', '.join(RELEASE_CHANNELS)}",
            ),
        ]
        return [
            (key, f"{getattr(self, key)!r} is invalid; {fix}") for key, ok, fix in checks if not ok
        ]


CONFIG_KEYS: Final[Mapping[str, str]] = {
    "project_id": "gcp:project",
    "region": "gcp:region",
    "image": "regenlab:image",
    "name": "regenlab:name",
    "environment": "regenlab:environment",
    "task_count": "regenlab:taskCount",
    "parallelism": "regenlab:parallelism",
    "cpu": "regenlab:cpu",
    "memory": "regenlab:memory",
    "task_timeout": "regenlab:taskTimeout",
    "max_retries": "regenlab:maxRetries",
    "run_retention_days": "regenlab:runRetentionDays",
    "runner": "regenlab:runner",
    "model_serving": "regenlab:modelServing",
    "deletion_protection": "regenlab:deletionProtection",
    "model_server_model": "regenlab:modelServerModel",
    "model_server_image": "regenlab:modelServerImage",
    "vertex_machine_type": "regenlab:vertexMachineType",
    "vertex_min_replicas": "regenlab:vertexMinReplicas",
    "vertex_max_replicas": "regenlab:vertexMaxReplicas",
    "vertex_accept_eula": "regenlab:vertexAcceptEula",
    "gke_release_channel": "regenlab:gkeReleaseChannel",
    "gke_node_logging": "regenlab:gkeNodeLogging",
    "gke_authorized_networks": "regenlab:gkeAuthorizedNetworks",
    "labels": "regenlab:labels",
}
"""The stack config key of each `Settings` field (gcp:* are the provider's own keys)."""

CONFIG_KINDS: Final[Mapping[str, str]] = {
    "task_count": "int",
    "parallelism": "int",
    "max_retries": "int",
    "run_retention_days": "int",
    "deletion_protection": "bool",
    "vertex_min_replicas": "int",
    "vertex_max_replicas": "int",
    "vertex_accept_eula": "bool",
    "gke_node_logging": "bool",
    "gke_authorized_networks": "list",
    "labels": "map",
}


@dataclass(frozen=True)
class ModelServer:
    """The optional vLLM server, its identity and the runner's permission to call it."""

    service: run.Service
    account: gcp.serviceaccount.Account
    invoker: run.ServiceIamMember


@dataclass(frozen=True)
class Deployment:
    """Everything `deploy` declared, and the stack outputs (the Terraform module's outputs)."""

    services: list[gcp.projects.Service]
    bucket: gcp.storage.Bucket
    repository: gcp.artifactregistry.Repository
    secrets: dict[str, gcp.secretmanager.Secret]
    """Secret Manager secrets by the environment variable they fill."""
    runner: gcp.serviceaccount.Account
    grants: list[pulumi.CustomResource]
    """The runner's role on the bucket, each secret and the repository."""
    job: run.Job | None
    """The Cloud Run job (runner = cloud_run)."""
    gke: GkeRunner | None
    """The GKE Autopilot cluster and its network and identities (runner = gke)."""
    model_server: ModelServer | None
    """vLLM on a Cloud Run GPU (model_serving = cloud_run)."""
    vertex: VertexServer | None
    """The Vertex AI endpoint (model_serving = vertex)."""
    outputs: dict[str, pulumi.Input[Any] | None]


def deploy(settings: Settings) -> Deployment:
    """Declare the runner's resources, its runner and its model server in the current stack."""
    conventions = settings.validate()
    ctx = Context(
        project=settings.project_id,
        region=settings.region,
        environment=settings.environment,
        name=settings.name,
        names=conventions.names,
        labels=conventions.labels(managed_by="pulumi"),
        protected=settings.protected,
    )
    services = _services(ctx, conventions.services)
    after_services = pulumi.ResourceOptions(depends_on=services)
    runner = _account(
        ctx,
        "runner",
        ctx.names["service_account"],
        (
            "regenlab experiment runner",
            "Runs regenlab experiment tasks (a Cloud Run job, or GKE Job pods through Workload "
            "Identity).",
        ),
        after_services,
    )
    member = runner.email.apply(lambda email: f"serviceAccount:{email}")
    bucket = _bucket(ctx, settings.run_retention_days, after_services)
    repository = _repository(ctx, after_services)
    secrets = _secrets(ctx, after_services)
    grants = _grants(ctx, member, bucket, repository, secrets)
    model_server = (
        _model_server(ctx, settings, member, after_services)
        if settings.model_serving == "cloud_run"
        else None
    )
    vertex = (
        vertex_server(ctx, settings.model_server_model, _vertex_shape(settings), member, services)
        if settings.model_serving == "vertex"
        else None
    )
    base_url = _model_base_url(ctx, model_server, vertex)
    repository_url = pulumi.Output.concat(
        ctx.region, "-docker.pkg.dev/", ctx.project, "/", repository.repository_id
    )
    image = settings.image or repository_url.apply(lambda url: f"{url}/runner:latest")
    job = (
        _job(ctx, settings, image, runner, bucket, secrets, base_url, grants)
        if settings.runner == "cloud_run"
        else None
    )
    gke = (
        gke_runner(ctx, runner, repository, settings.gke_release_channel, _gke_options(settings))
        if settings.runner == "gke"
        else None
    )
    outputs = _outputs(ctx, settings, bucket, repository_url, image, runner, secrets)
    outputs |= _runner_outputs(ctx, settings, job, gke, base_url)
    return Deployment(
        services,
        bucket,
        repository,
        secrets,
        runner,
        grants,
        job,
        gke,
        model_server,
        vertex,
        outputs,
    )


def _vertex_shape(settings: Settings) -> tuple[str, int, int, bool]:
    return (
        settings.vertex_machine_type,
        settings.vertex_min_replicas,
        settings.vertex_max_replicas,
        settings.vertex_accept_eula,
    )


def _gke_options(settings: Settings) -> tuple[bool, tuple[str, ...]]:
    return settings.gke_node_logging, settings.gke_authorized_networks


def _model_base_url(
    ctx: Context, model_server: ModelServer | None, vertex: VertexServer | None
) -> pulumi.Output[str] | None:
    """The OpenAI-compatible base URL the runner is given, as the Terraform module's local."""
    if model_server is not None:
        return model_server.service.uri.apply(lambda uri: f"{uri}/v1")
    if vertex is not None:
        api = (
            f"https://{ctx.region}-aiplatform.googleapis.com/v1/projects/{ctx.project}"
            f"/locations/{ctx.region}"
        )
        return vertex.deployment.endpoint.apply(lambda endpoint: f"{api}/endpoints/{endpoint}")
    return None


def _services(ctx: Context, services: tuple[str, ...]) -> list[gcp.projects.Service]:
    # Other workloads in the project may use these APIs too: destroying regenlab leaves them on.
    return [
        gcp.projects.Service(
            f"enabled-{service.split('.')[0]}",
            project=ctx.project,
            service=service,
            disable_on_destroy=False,
        )
        for service in services
    ]


def _account(
    ctx: Context,
    resource_name: str,
    account_id: str,
    about: tuple[str, str],
    opts: pulumi.ResourceOptions,
) -> gcp.serviceaccount.Account:
    """A service account; `about` is its display name (less the prefix) and its description."""
    display, description = about
    return gcp.serviceaccount.Account(
        resource_name,
        project=ctx.project,
        account_id=account_id,
        display_name=f"{display} ({ctx.name}-{ctx.environment})",
        description=description,
        opts=opts,
    )


def _bucket(ctx: Context, retention_days: int, opts: pulumi.ResourceOptions) -> gcp.storage.Bucket:
    def delete_when(
        condition: gcp.storage.BucketLifecycleRuleConditionArgs,
    ) -> gcp.storage.BucketLifecycleRuleArgs:
        action = gcp.storage.BucketLifecycleRuleActionArgs(type="Delete")
        return gcp.storage.BucketLifecycleRuleArgs(action=action, condition=condition)

    return gcp.storage.Bucket(
        "runs",
        name=ctx.names["bucket"],
        project=ctx.project,
        location=ctx.region,
        labels=ctx.labels,
        # Runs are reproducible outputs, not records to keep: `pulumi destroy` empties the bucket,
        # unless the deployment is protected (prod by default), when a bucket with runs stays.
        force_destroy=not ctx.protected,
        uniform_bucket_level_access=True,
        public_access_prevention="enforced",
        versioning=gcp.storage.BucketVersioningArgs(enabled=True),
        lifecycle_rules=[
            delete_when(gcp.storage.BucketLifecycleRuleConditionArgs(age=retention_days)),
            # Versioning guards against a task overwriting a run; old versions go after a week.
            delete_when(gcp.storage.BucketLifecycleRuleConditionArgs(days_since_noncurrent_time=7)),
        ],
        opts=opts,
    )


def _repository(ctx: Context, opts: pulumi.ResourceOptions) -> gcp.artifactregistry.Repository:
    return gcp.artifactregistry.Repository(
        "runner",
        project=ctx.project,
        location=ctx.region,
        repository_id=ctx.names["repository"],
        format="DOCKER",
        description="regenlab experiment runner images",
        labels=ctx.labels,
        opts=opts,
    )


def _secrets(ctx: Context, opts: pulumi.ResourceOptions) -> dict[str, gcp.secretmanager.Secret]:
    # Only the secrets, never their values: those stay out of the state and the repository. Add
    # each with `gcloud secrets versions add <secret id> --data-file=-`.
    return {
        env: gcp.secretmanager.Secret(
            f"api-key-{env.lower().replace('_', '-')}",
            project=ctx.project,
            secret_id=ctx.names["secrets"][env],
            labels=ctx.labels,
            replication=gcp.secretmanager.SecretReplicationArgs(
                auto=gcp.secretmanager.SecretReplicationAutoArgs()
            ),
            opts=opts,
        )
        for env in SECRET_ENV
    }


def _grants(
    ctx: Context,
    member: pulumi.Output[str],
    bucket: gcp.storage.Bucket,
    repository: gcp.artifactregistry.Repository,
    secrets: Mapping[str, gcp.secretmanager.Secret],
) -> list[pulumi.CustomResource]:
    """The runner's one role on each resource it uses; never a project-wide grant."""
    grants: list[pulumi.CustomResource] = [
        gcp.storage.BucketIAMMember(
            "runner-object-admin", bucket=bucket.name, role=RUNNER_ROLES["bucket"], member=member
        ),
        gcp.artifactregistry.RepositoryIamMember(
            "runner-reader",
            project=ctx.project,
            location=repository.location,
            repository=repository.name,
            role=RUNNER_ROLES["repository"],
            member=member,
        ),
    ]
    for env, secret in secrets.items():
        grants.append(
            gcp.secretmanager.SecretIamMember(
                f"runner-accessor-{env.lower().replace('_', '-')}",
                project=ctx.project,
                secret_id=secret.secret_id,
                role=RUNNER_ROLES["secrets"],
                member=member,
            )
        )
    return grants


def _model_server(
    ctx: Context,
    settings: Settings,
    runner_member: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
) -> ModelServer:
    """vLLM on one L4; open ingress, but every request needs the runner's ID token."""
    account = _account(
        ctx,
        "model-server",
        ctx.names["model_server"],
        ("regenlab vLLM model server", "Serves an open model to the regenlab runner."),
        opts,
    )
    service = run.Service(
        "model-server",
        project=ctx.project,
        name=ctx.names["model_server"],
        location=ctx.region,
        labels=ctx.labels,
        ingress="INGRESS_TRAFFIC_ALL",
        deletion_protection=ctx.protected,
        template=run.ServiceTemplateArgs(
            service_account=account.email,
            labels=ctx.labels,
            # Zonal redundancy doubles the GPU quota a service reserves; an experiment can retry.
            gpu_zonal_redundancy_disabled=True,
            scaling=run.ServiceTemplateScalingArgs(min_instance_count=0, max_instance_count=1),
            node_selector=run.ServiceTemplateNodeSelectorArgs(accelerator="nvidia-l4"),
            containers=[_vllm_container(settings)],
        ),
        opts=opts,
    )
    invoker = run.ServiceIamMember(
        "runner-invoker",
        project=ctx.project,
        location=service.location,
        name=service.name,
        role=RUNNER_ROLES["model_server"],
        member=runner_member,
    )
    return ModelServer(service, account, invoker)


def _vllm_container(settings: Settings) -> run.ServiceTemplateContainerArgs:
    port = MODEL_SERVER_PORT
    return run.ServiceTemplateContainerArgs(
        image=settings.model_server_image,
        # The image's entrypoint is vLLM's OpenAI-compatible API server.
        args=["--model", settings.model_server_model, "--host", "0.0.0.0", "--port", str(port)],
        ports=run.ServiceTemplateContainerPortsArgs(container_port=port),
        resources=run.ServiceTemplateContainerResourcesArgs(
            limits={"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1"},
            # Cloud Run GPUs need CPU allocated for the whole life of an instance.
            cpu_idle=False,
        ),
        # Downloading and loading the weights takes minutes.
        startup_probe=run.ServiceTemplateContainerStartupProbeArgs(
            initial_delay_seconds=240,
            timeout_seconds=240,
            period_seconds=240,
            failure_threshold=1,
            tcp_socket=run.ServiceTemplateContainerStartupProbeTcpSocketArgs(port=port),
        ),
    )


def _job(  # the job ties together most of the deployment
    ctx: Context,
    settings: Settings,
    image: pulumi.Input[str],
    runner: gcp.serviceaccount.Account,
    bucket: gcp.storage.Bucket,
    secrets: Mapping[str, gcp.secretmanager.Secret],
    base_url: pulumi.Output[str] | None,
    grants: list[pulumi.CustomResource],
) -> run.Job:
    container = run.JobTemplateTemplateContainerArgs(
        image=image,
        # `gcloud run jobs execute --args` replaces these for one execution (see run_command).
        args=["experiment", "cloud", "task", DEFAULT_EXPERIMENT],
        envs=_job_env(secrets, base_url),
        resources=run.JobTemplateTemplateContainerResourcesArgs(
            limits={"cpu": settings.cpu, "memory": settings.memory}
        ),
        volume_mounts=[
            run.JobTemplateTemplateContainerVolumeMountArgs(name="runs", mount_path=RUNS_MOUNT)
        ],
    )
    task = run.JobTemplateTemplateArgs(
        service_account=runner.email,
        timeout=settings.task_timeout,
        max_retries=settings.max_retries,
        # Cloud Storage volumes need the second generation execution environment.
        execution_environment="EXECUTION_ENVIRONMENT_GEN2",
        containers=[container],
        volumes=[
            run.JobTemplateTemplateVolumeArgs(
                name="runs",
                gcs=run.JobTemplateTemplateVolumeGcsArgs(bucket=bucket.name, read_only=False),
            )
        ],
    )
    return run.Job(
        "runner",
        project=ctx.project,
        name=ctx.names["job"],
        location=ctx.region,
        labels=ctx.labels,
        deletion_protection=ctx.protected,
        template=run.JobTemplateArgs(
            task_count=settings.task_count,
            parallelism=settings.parallelism,
            labels=ctx.labels,
            template=task,
        ),
        # A task must be able to read its secrets and write its runs from its first execution.
        opts=pulumi.ResourceOptions(depends_on=grants),
    )


def _job_env(
    secrets: Mapping[str, gcp.secretmanager.Secret], base_url: pulumi.Output[str] | None
) -> list[run.JobTemplateTemplateContainerEnvArgs]:
    env = [run.JobTemplateTemplateContainerEnvArgs(name="REGENLAB_RUNS_DIR", value=RUNS_MOUNT)]
    for name, secret in secrets.items():
        ref = run.JobTemplateTemplateContainerEnvValueSourceSecretKeyRefArgs(
            secret=secret.secret_id, version="latest"
        )
        source = run.JobTemplateTemplateContainerEnvValueSourceArgs(secret_key_ref=ref)
        env.append(run.JobTemplateTemplateContainerEnvArgs(name=name, value_source=source))
    if base_url is not None:
        # With a model server, experiments reach it as `openai-compatible/<model>`.
        env.append(
            run.JobTemplateTemplateContainerEnvArgs(
                name="OPENAI_COMPATIBLE_BASE_URL", value=base_url
            )
        )
    return env


def _outputs(
    ctx: Context,
    settings: Settings,
    bucket: gcp.storage.Bucket,
    repository_url: pulumi.Output[str],
    image: pulumi.Input[str],
    runner: gcp.serviceaccount.Account,
    secrets: Mapping[str, gcp.secretmanager.Secret],
) -> dict[str, pulumi.Input[Any] | None]:
    """The Terraform module's outputs that do not depend on the runner."""
    return {
        "bucket": bucket.name,
        "repository_url": repository_url,
        "image": image,
        "service_account_email": runner.email,
        "region": ctx.region,
        "project_id": ctx.project,
        "runner": settings.runner,
        "model_serving": settings.model_serving,
        "namespace": ctx.names["namespace"],
        "kubernetes_service_account": ctx.names["kubernetes_service_account"],
        "secrets": pulumi.Output.all(**{env: secret.id for env, secret in secrets.items()}),
        "deletion_protection": ctx.protected,
        "pull_command": bucket.name.apply(
            lambda name: f"gcloud storage rsync --recursive gs://{name}/runs runs"
        ),
    }


def _runner_outputs(
    ctx: Context,
    settings: Settings,
    job: run.Job | None,
    gke: GkeRunner | None,
    base_url: pulumi.Output[str] | None,
) -> dict[str, pulumi.Input[Any] | None]:
    """The job or the cluster, the command that runs the job, and the model's base URL."""
    run_command = None
    if job is not None:
        run_command = pulumi.Output.concat(
            "gcloud run jobs execute ",
            job.name,
            f" --region {ctx.region} --project {ctx.project} --wait",
            f" --args=experiment,cloud,task,{DEFAULT_EXPERIMENT}",
        )
    return {
        "job": job.name if job else None,
        "cluster": gke.cluster.name if gke else None,
        "run_command": run_command,
        "model_base_url": base_url,
    }

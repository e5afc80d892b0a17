"""regenlab's AWS parity module in AWS CDK: the runner's bucket, secrets, roles and ECS task.

Resource for resource the twin of `infra/terraform/aws` (tests/infra/test_cdk.py compares the
synthesized CloudFormation with it). L1 (Cfn*) constructs are used where the L2 ones would add
what the Terraform module does not have: ecs.Cluster creates a VPC, the L2 task definition and
container grant their own policies, and secretsmanager.Secret always generates a value (a CfnSecret
without one is created empty, as Terraform creates it). checkov's skips ride on each resource's
metadata, each with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Final

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra._errors import InfraError
from infra.conventions import SECRET_ENV, Conventions

__all__ = ["RUNS_DIR", "RegenlabAwsStack", "Settings", "build"]

RUNS_DIR: Final = "/mnt/runs"
"""Where the runner writes; the task definition mounts a scratch volume here."""

FARGATE_CPU: Final = (256, 512, 1024, 2048, 4096, 8192, 16384)

SKIP_REASONS: Final = {
    "CKV_AWS_18": (
        "Access logging would need a second bucket; the runner's role is the only writer."
    ),
    "CKV_AWS_149": (
        "Encrypted with the AWS-managed Secrets Manager key, as GCP uses Google-managed "
        "keys; access is scoped by IAM to the runner."
    ),
    "CKV_AWS_51": (
        "The runner is pushed as :latest and re-pushed on every release, so tags must stay mutable."
    ),
    "CKV_AWS_136": (
        "AES256 (ECR-managed keys), as GCP's Artifact Registry uses Google-managed keys; "
        "pulls are scoped by IAM."
    ),
    "CKV_AWS_158": (
        "CloudWatch Logs encrypts with service-managed keys; the logs hold run progress, "
        "not secrets."
    ),
    "CKV_AWS_336": (
        "The runner builds git workspaces and runs generated code's tests, which write to "
        "HOME and tool caches."
    ),
}
"""Why each checkov check skipped on the template does not apply (as in the Terraform module)."""


@dataclass(frozen=True)
class Settings:
    """The Terraform AWS module's variables, read from the CDK context (`-c name=value`)."""

    region: str = "us-east-1"
    """AWS region to deploy to (one of the conventions' AWS regions)."""
    name: str = "regenlab"
    """Application name, the start of every resource name."""
    environment: str = "dev"
    """dev, staging or prod."""
    image: str = ""
    """Runner image; empty means `<repository_uri>:latest`."""
    cpu: int = 2048
    """Fargate task CPU units (1024 = 1 vCPU)."""
    memory: int = 4096
    """Fargate task memory in MiB."""
    run_retention_days: int = 90
    """Days an overwritten or deleted run file stays recoverable before S3 removes it."""
    log_retention_days: int = 365
    """Days CloudWatch keeps the runner's logs."""

    @classmethod
    def from_context(cls, scope: Construct) -> Settings:
        """The settings given as context (cdk.json or `-c`); a key not given keeps its default."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            value = scope.node.try_get_context(item.name)
            if value is not None:
                values[item.name] = int(value) if item.type == "int" else str(value)
        return cls(**values)

    def conventions(self) -> Conventions:
        """Names and tags, validated; InfraError naming the context key and the fix."""
        conventions = Conventions(
            name=self.name, environment=self.environment, cloud="aws", region=self.region
        )
        try:
            conventions.validate()
        except ValueError as exc:
            problem, _, fix = str(exc).partition("; ")
            raise InfraError(f"cdk context {problem}; fix: {fix} (-c key=value)") from None
        if self.cpu not in FARGATE_CPU:
            sizes = ", ".join(map(str, FARGATE_CPU))
            raise InfraError(f"cdk context cpu: {self.cpu} is invalid; fix: use one of {sizes}")
        return conventions


def _skip(resource: cdk.CfnResource, *checks: str) -> None:
    """checkov skips on a resource's metadata, each with its reason from SKIP_REASONS."""
    skips = [{"id": check, "comment": SKIP_REASONS[check]} for check in checks]
    resource.add_metadata("checkov", {"skip": skips})


class RegenlabAwsStack(cdk.Stack):
    """The runner's AWS resources, as `infra/terraform/aws` declares them."""

    def __init__(self, scope: Construct, settings: Settings) -> None:
        conventions = settings.conventions()
        self.names = conventions.names
        super().__init__(
            scope,
            f"{conventions.prefix}-runner",
            env=cdk.Environment(region=settings.region),
            # No assets, so no bootstrap stack is needed: the template deploys anywhere as is.
            synthesizer=cdk.BootstraplessSynthesizer(),
            description="regenlab experiment runner (the twin of infra/terraform/aws)",
        )
        for key, value in conventions.labels(managed_by="cdk").items():
            cdk.Tags.of(self).add(key, value)
        self.bucket = self._bucket(settings.run_retention_days)
        self.secrets = self._secrets()
        self.repository = self._repository()
        self.log_group = self._log_group(settings.log_retention_days)
        self.cluster = self._cluster()
        self.task_role = self._task_role()
        self.execution_role = self._execution_role()
        self.task_definition = self._task_definition(settings)
        self._outputs()

    def _bucket(self, retention_days: int) -> s3.Bucket:
        # Run directories synced from the tasks; `cdk destroy` deletes an empty bucket only.
        bucket = s3.Bucket(
            self,
            "Runs",
            bucket_name=self.names["bucket"],
            versioned=True,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(retention_days),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(7),
                )
            ],
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        _skip(
            bucket.node.default_child,  # type: ignore[arg-type]  # an s3.CfnBucket
            "CKV_AWS_18",
        )
        return bucket

    def _secrets(self) -> dict[str, secretsmanager.CfnSecret]:
        # One secret per API key, created empty: the user adds the value with
        # `aws secretsmanager put-secret-value`, so no key passes through the template.
        found = {}
        for env in sorted(SECRET_ENV):
            secret = secretsmanager.CfnSecret(
                self,
                env.title().replace("_", ""),
                name=self.names["secrets"][env],
                description=f"{env} for the regenlab runner",
            )
            _skip(
                secret,
                "CKV_AWS_149",
            )
            found[env] = secret
        return found

    def _repository(self) -> ecr.Repository:
        repository = ecr.Repository(
            self,
            "Runner",
            repository_name=self.names["repository"],
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.MUTABLE,
            encryption=ecr.RepositoryEncryption.AES_256,
            removal_policy=cdk.RemovalPolicy.DESTROY,
            empty_on_delete=True,
        )
        _skip(
            repository.node.default_child,  # type: ignore[arg-type]  # an ecr.CfnRepository
            "CKV_AWS_51",
            "CKV_AWS_136",
        )
        return repository

    def _log_group(self, retention_days: int) -> logs.CfnLogGroup:
        # L1: the L2 LogGroup takes its retention from an enum of named periods.
        group = logs.CfnLogGroup(
            self,
            "RunnerLogs",
            log_group_name=f"/ecs/{self.names['job']}",
            retention_in_days=retention_days,
        )
        group.apply_removal_policy(cdk.RemovalPolicy.DESTROY)
        _skip(group, "CKV_AWS_158")
        return group

    def _cluster(self) -> ecs.CfnCluster:
        # L1: the L2 ecs.Cluster would create a VPC, which the Terraform module does not.
        return ecs.CfnCluster(
            self,
            "Cluster",
            cluster_name=self.names["job"],
            cluster_settings=[
                ecs.CfnCluster.ClusterSettingsProperty(name="containerInsights", value="enabled")
            ],
        )

    def _assumed_by_tasks(self) -> iam.IPrincipal:
        # Only tasks of this account may assume the roles (confused-deputy protection).
        return iam.ServicePrincipal(
            "ecs-tasks.amazonaws.com",
            conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
        )

    def _secret_arns(self) -> list[str]:
        return [self.secrets[env].ref for env in sorted(SECRET_ENV)]

    def _task_role(self) -> iam.Role:
        statements = [
            _allow("ListRuns", ["s3:ListBucket"], [self.bucket.bucket_arn]),
            _allow(
                "ReadWriteRuns", ["s3:GetObject", "s3:PutObject"], [f"{self.bucket.bucket_arn}/*"]
            ),
            _allow("ReadApiKeys", ["secretsmanager:GetSecretValue"], self._secret_arns()),
        ]
        return iam.Role(
            self,
            "TaskRole",
            role_name=self.names["service_account"],
            description="The regenlab runner's tasks: read and write run files, read the API keys.",
            assumed_by=self._assumed_by_tasks(),
            inline_policies={"runner": iam.PolicyDocument(statements=statements)},
        )

    def _execution_role(self) -> iam.Role:
        pulls = [
            "ecr:BatchCheckLayerAvailability",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
        ]
        statements = [
            # ecr:GetAuthorizationToken is only ever allowed on "*".
            _allow("EcrLogin", ["ecr:GetAuthorizationToken"], ["*"]),
            _allow("PullRunnerImage", pulls, [self.repository.repository_arn]),
            _allow(
                "WriteLogs",
                ["logs:CreateLogStream", "logs:PutLogEvents"],
                # CloudFormation's Arn of a log group already ends with ":*" (its streams).
                [self.log_group.attr_arn],
            ),
            # ECS resolves the container's `secrets` with this role, before the runner starts.
            _allow("InjectApiKeys", ["secretsmanager:GetSecretValue"], self._secret_arns()),
        ]
        return iam.Role(
            self,
            "ExecutionRole",
            role_name=f"{self.names['service_account']}-execution",
            description=(
                "ECS starting the regenlab runner: pull its image, write its logs, inject its "
                "API keys."
            ),
            assumed_by=self._assumed_by_tasks(),
            inline_policies={"ecs-execution": iam.PolicyDocument(statements=statements)},
        )

    def _task_definition(self, settings: Settings) -> ecs.CfnTaskDefinition:
        # L1: the L2 task definition and container would add their own grants to the roles.
        image = settings.image or f"{self.repository.repository_uri}:latest"
        container = ecs.CfnTaskDefinition.ContainerDefinitionProperty(
            name="runner",
            image=image,
            essential=True,
            environment=[
                ecs.CfnTaskDefinition.KeyValuePairProperty(name="REGENLAB_RUNS_DIR", value=RUNS_DIR)
            ],
            secrets=[
                ecs.CfnTaskDefinition.SecretProperty(name=env, value_from=self.secrets[env].ref)
                for env in sorted(SECRET_ENV)
            ],
            mount_points=[
                ecs.CfnTaskDefinition.MountPointProperty(
                    source_volume="runs", container_path=RUNS_DIR, read_only=False
                )
            ],
            log_configuration=ecs.CfnTaskDefinition.LogConfigurationProperty(
                log_driver="awslogs",
                options={
                    "awslogs-group": self.log_group.ref,
                    "awslogs-region": settings.region,
                    "awslogs-stream-prefix": "runner",
                },
            ),
        )
        task = ecs.CfnTaskDefinition(
            self,
            "RunnerTask",
            family=self.names["job"],
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(settings.cpu),
            memory=str(settings.memory),
            execution_role_arn=self.execution_role.role_arn,
            task_role_arn=self.task_role.role_arn,
            runtime_platform=ecs.CfnTaskDefinition.RuntimePlatformProperty(
                operating_system_family="LINUX", cpu_architecture="X86_64"
            ),
            # Fargate cannot mount S3: the runs folder is task-local scratch space.
            volumes=[ecs.CfnTaskDefinition.VolumeProperty(name="runs")],
            container_definitions=[container],
        )
        _skip(
            task,
            "CKV_AWS_336",
        )
        return task

    def _outputs(self) -> None:
        """The Terraform module's outputs, as stack outputs of the same names."""
        values: Mapping[str, str] = {
            "bucket": self.bucket.bucket_name,
            "repository_url": self.repository.repository_uri,
            "cluster": self.cluster.ref,
            "task_definition_arn": self.task_definition.ref,
            "task_role_arn": self.task_role.role_arn,
            "execution_role_arn": self.execution_role.role_arn,
            "log_group": self.log_group.ref,
            "region": self.region,
        }
        for key, value in values.items():
            cdk.CfnOutput(
                self, key.replace("_", "-"), key=key.title().replace("_", ""), value=value
            )


def _allow(sid: str, actions: Sequence[str], resources: Sequence[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=list(actions), resources=list(resources))


def build(app: cdk.App, settings: Settings) -> RegenlabAwsStack:
    """The stack of `settings` in `app`."""
    return RegenlabAwsStack(app, settings)

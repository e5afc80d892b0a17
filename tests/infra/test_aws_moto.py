"""The AWS module, applied for real by the one-command CLI against moto on 127.0.0.1.

`experiment cloud up` creates every resource (checked through boto3 against moto), a second
`plan --detailed-exitcode` finds nothing to change, and `experiment cloud down` leaves nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.conventions import Conventions
from tests.infra.conftest import REGION

CONVENTIONS = Conventions(name="rlmoto", environment="staging", cloud="aws", region=REGION)
NAMES = CONVENTIONS.names
TASK_ROLE = NAMES["service_account"]
EXECUTION_ROLE = f"{NAMES['service_account']}-execution"
LOG_GROUP = f"/ecs/{NAMES['job']}"
CLI_TIMEOUT_S = 600


def cloud(*args: str) -> subprocess.CompletedProcess[str]:
    """`experiment cloud ARGS`, as a user runs it."""
    command = [str(Path(sys.executable).parent / "experiment"), "cloud", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False
    )


def ok(done: subprocess.CompletedProcess[str], *codes: int) -> None:
    """Assert the command exited with one of `codes` (default 0), showing its output if not."""
    assert done.returncode in (codes or (0,)), (
        f"{' '.join(done.args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    )


class Aws:
    """boto3 clients on moto."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.clients: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service not in self.clients:
            self.clients[service] = boto3.client(
                service, endpoint_url=self.endpoint, region_name=REGION
            )
        return self.clients[service]


def tags(pairs: list[dict[str, str]]) -> dict[str, str]:
    """AWS's tag lists ({Key, Value} or {key, value}) as a dict."""
    return {
        pair.get("Key", pair.get("key", "")): pair.get("Value", pair.get("value", ""))
        for pair in pairs
    }


def assert_labelled(found: dict[str, str], what: str) -> None:
    """The conventions' labels are among the resource's tags."""
    expected = CONVENTIONS.labels()
    assert found.items() >= expected.items(), f"{what}: tags {found}, want {expected}"


def check_bucket(aws: Aws) -> str:
    """The runs bucket: versioned, never public, encrypted, expiring old versions; its ARN."""
    s3, bucket = aws.s3, NAMES["bucket"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle and all(rule["Status"] == "Enabled" for rule in lifecycle)
    assert_labelled(tags(s3.get_bucket_tagging(Bucket=bucket)["TagSet"]), "bucket")
    return f"arn:aws:s3:::{bucket}"


def check_secrets(aws: Aws) -> list[str]:
    """One empty secret per API key (values are added by the user); their ARNs."""
    client, arns = aws.secretsmanager, []
    for env, name in NAMES["secrets"].items():
        secret = client.describe_secret(SecretId=name)
        assert client.list_secret_version_ids(SecretId=name)["Versions"] == [], f"{env} has a value"
        assert_labelled(tags(secret.get("Tags", [])), f"secret {name}")
        arns.append(secret["ARN"])
    return arns


def check_repository(aws: Aws) -> None:
    """The ECR repository, scanning each pushed image."""
    ecr = aws.ecr
    (repo,) = ecr.describe_repositories(repositoryNames=[NAMES["repository"]])["repositories"]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    found = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    assert_labelled(tags(found), "repository")


def statements(aws: Aws, role: str) -> list[dict[str, Any]]:
    """The statements of a role's inline policies."""
    iam = aws.iam
    found: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        found += document["Statement"]
    return found


def as_list(value: str | list[str]) -> list[str]:
    """A policy field that is one string or a list of them, as a list."""
    return [value] if isinstance(value, str) else value


def check_task_role(aws: Aws, bucket_arn: str, secret_arns: list[str]) -> str:
    """The runner's role reaches the bucket and the two secrets, nothing else; its ARN."""
    iam = aws.iam
    role = iam.get_role(RoleName=TASK_ROLE)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert_labelled(tags(iam.list_role_tags(RoleName=TASK_ROLE)["Tags"]), "task role")
    granted = statements(aws, TASK_ROLE)
    resources = {arn for s in granted for arn in as_list(s["Resource"])}
    assert resources == {bucket_arn, f"{bucket_arn}/*", *secret_arns}
    actions = {action for s in granted for action in as_list(s["Action"])}
    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "secretsmanager:GetSecretValue",
    }
    assert iam.get_role(RoleName=EXECUTION_ROLE)["Role"]["Arn"] != role["Arn"]
    return str(role["Arn"])


def check_ecs(aws: Aws, task_role_arn: str, secret_arns: list[str]) -> None:
    """The cluster and the runner's Fargate task definition, logging to its log group."""
    ecs = aws.ecs
    (cluster,) = ecs.describe_clusters(clusters=[NAMES["job"]], include=["TAGS"])["clusters"]
    assert cluster["status"] == "ACTIVE"
    assert_labelled(tags(cluster.get("tags", [])), "cluster")
    found = ecs.describe_task_definition(taskDefinition=NAMES["job"], include=["TAGS"])
    task = found["taskDefinition"]
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["taskRoleArn"] == task_role_arn
    (container,) = task["containerDefinitions"]
    assert {s["valueFrom"] for s in container["secrets"]} == set(secret_arns)
    assert container["logConfiguration"]["options"]["awslogs-group"] == LOG_GROUP
    assert_labelled(tags(found.get("tags", [])), "task definition")


def check_log_group(aws: Aws) -> None:
    """The runner's log group, with a retention."""
    logs = aws.logs
    (group,) = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    assert group.get("retentionInDays", 0) > 0
    arn = group["arn"].removesuffix(":*")
    assert_labelled(logs.list_tags_for_resource(resourceArn=arn)["tags"], "log group")


def check_deployed(aws: Aws) -> None:
    """Every resource of the module exists as the module says."""
    bucket_arn = check_bucket(aws)
    secret_arns = check_secrets(aws)
    check_repository(aws)
    task_role_arn = check_task_role(aws, bucket_arn, secret_arns)
    check_ecs(aws, task_role_arn, secret_arns)
    check_log_group(aws)


def leftovers(aws: Aws) -> list[str]:
    """What of the deployment still exists."""
    found = [b["Name"] for b in aws.s3.list_buckets()["Buckets"] if b["Name"] == NAMES["bucket"]]
    found += [s["Name"] for s in aws.secretsmanager.list_secrets()["SecretList"]]
    found += [r["repositoryName"] for r in aws.ecr.describe_repositories()["repositories"]]
    roles = {TASK_ROLE, EXECUTION_ROLE}
    found += [r["RoleName"] for r in aws.iam.list_roles()["Roles"] if r["RoleName"] in roles]
    found += aws.ecs.list_task_definitions(familyPrefix=NAMES["job"], status="ACTIVE")[
        "taskDefinitionArns"
    ]
    # A deleted cluster stays describable as INACTIVE for a while, on AWS as on moto.
    clusters = aws.ecs.describe_clusters(clusters=[NAMES["job"]])["clusters"]
    found += [c["clusterArn"] for c in clusters if c["status"] == "ACTIVE"]
    groups = aws.logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
    return found + [g["logGroupName"] for g in groups]


@pytest.mark.slow
@pytest.mark.usefixtures("aws_env", "terraform_cli_config")
def test_up_creates_everything_a_second_plan_changes_nothing_and_down_leaves_nothing(
    moto_server: str, tmp_path: Path
) -> None:
    aws = Aws(moto_server)
    state = str(tmp_path / "deployment")
    target = ["--cloud", "aws", "--region", REGION, "--endpoint", moto_server, "--state-dir", state]
    names = ["--name", CONVENTIONS.name, "--environment", CONVENTIONS.environment]

    ok(cloud("up", *target, *names))
    check_deployed(aws)

    ok(cloud("plan", *target, *names, "--detailed-exitcode"))

    ok(cloud("down", "--cloud", "aws", "--state-dir", state))
    assert leftovers(aws) == []

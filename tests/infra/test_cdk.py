"""The AWS CDK twin: `cdk synth` offline, compared with the Terraform AWS module, deployed on moto.

`cdk synth` runs the project-local CDK CLI (.tools/bin/cdk, Node 22; scripts/setup installs both)
on infra/cdk. The synthesized CloudFormation is compared with infra/terraform/aws resource by
resource (the table is printed); checkov checks the template; and the template is deployed on
moto's CloudFormation on 127.0.0.1, each resource then checked through boto3.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import boto3
import hcl2
import pytest
from hcl2 import SerializationOptions

from infra.conventions import SECRET_ENV, Conventions
from tests.infra.conftest import REGION, missing_tool

ROOT = Path(__file__).resolve().parents[2]
CDK_APP = ROOT / "infra" / "cdk"
CDK = ROOT / ".tools" / "bin" / "cdk"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
AWS_MODULE = ROOT / "infra" / "terraform" / "aws"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
CONVENTIONS = Conventions(cloud="aws", region=REGION)
NAMES = CONVENTIONS.names
STACK = f"{CONVENTIONS.prefix}-runner"
TIMEOUT_S = 300

pytestmark = pytest.mark.slow

Template = dict[str, Any]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """The stack's CloudFormation, from `cdk synth` with the app's default settings."""
    if not CDK.is_file():
        missing_tool(f"{CDK} is missing (scripts/setup installs Node 22 and the CDK CLI)")
    out = tmp_path_factory.mktemp("cdk")
    venv = str(Path(sys.executable).parent)
    # The user's CDK files and caches stay out of it: HOME is a fresh folder.
    env = os.environ | {"HOME": str(out / "home"), "PATH": f"{venv}:{os.environ['PATH']}"}
    command = [str(CDK), "synth", "--output", str(out / "cdk.out"), "--quiet"]
    command += ["--app", f"{sys.executable} app.py"]
    done = subprocess.run(
        command, cwd=CDK_APP, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (CDK_APP / "cdk.out").exists(), "synth wrote into the repository"
    found: Template = json.loads((out / "cdk.out" / f"{STACK}.template.json").read_text())
    return found


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    """The template's resources of one CloudFormation type, by logical id."""
    return {
        logical: resource
        for logical, resource in template["Resources"].items()
        if resource["Type"] == kind
    }


def one(template: Template, kind: str) -> dict[str, Any]:
    """The properties of the template's only resource of a type."""
    (resource,) = resources(template, kind).values()
    properties: dict[str, Any] = resource["Properties"]
    return properties


# --- the Terraform side, read from the HCL, names resolved through the conventions ---


@dataclass(frozen=True)
class TerraformModule:
    """The AWS module's resources, data sources and variable defaults."""

    resources: dict[str, dict[str, Any]]
    """Resource bodies by address (type.name)."""
    data: dict[str, dict[str, Any]]
    """Data source bodies by address."""
    defaults: dict[str, Any]
    """Variable defaults by name (region set to REGION)."""

    def value(self, text: Any) -> Any:
        """A string with its local.names, var and local.runs_dir references substituted."""
        if not isinstance(text, str):
            return text
        named: dict[str, Any] = dict(NAMES)
        text = re.sub(r"\$\{local\.names\.(\w+)\}", lambda m: str(named[m.group(1)]), text)
        text = re.sub(r"\$\{var\.(\w+)\}", lambda m: str(self.defaults[m.group(1)]), text)
        return text.replace("${local.runs_dir}", "/mnt/runs")

    def statements(self, document: str) -> dict[str, list[str]]:
        """A policy document data source's statements: sid => sorted actions."""
        body = self.data[f"aws_iam_policy_document.{document}"]
        return {s["sid"]: sorted(s["actions"]) for s in body["statement"] if "sid" in s}


def terraform_module() -> TerraformModule:
    found: dict[str, dict[str, dict[str, Any]]] = {"resource": {}, "data": {}}
    defaults: dict[str, Any] = {"region": REGION}
    for tf_file in sorted(AWS_MODULE.glob("*.tf")):
        with tf_file.open() as stream:
            document = hcl2.load(stream, serialization_options=OPTIONS)
        for kind in ("resource", "data"):
            for block in document.get(kind, []):
                for type_, named in block.items():
                    for name, body in named.items():
                        found[kind][f"{type_}.{name}"] = body
        for block in document.get("variable", []):
            for name, body in block.items():
                defaults.setdefault(name, body.get("default"))
    return TerraformModule(found["resource"], found["data"], defaults)


def _first(block: Any) -> dict[str, Any]:
    if isinstance(block, list):
        return block[0] if block else {}
    return block if isinstance(block, dict) else {}


# --- the comparison, resource by resource ---


@dataclass(frozen=True)
class Row:
    """One compared property of one resource pair."""

    terraform: str
    cloudformation: str
    what: str
    terraform_value: Any
    cdk_value: Any

    @property
    def same(self) -> bool:
        return bool(self.terraform_value == self.cdk_value)


# The differences the two tools cannot avoid, each with its reason; every other row must match.
EXPECTED_DIFFERENCES: Final = {
    ("aws_s3_bucket.runs", "delete with objects in it"): (
        "Terraform's force_destroy empties the bucket; CloudFormation deletes only an empty one "
        "(CDK's autoDeleteObjects would add a Lambda custom resource)"
    ),
    ("aws_secretsmanager_secret.api_keys", "recovery window on delete"): (
        "AWS::SecretsManager::Secret has no recovery-window property"
    ),
    ("tags", "managed-by"): "each tool names itself",
}


def _role_rows(
    module: TerraformModule, template: Template, role: str, policy: str, name: str
) -> list[Row]:
    roles = {
        r["Properties"]["RoleName"]: r["Properties"]
        for r in resources(template, "AWS::IAM::Role").values()
    }
    cfn = roles.get(name, {})
    address = f"aws_iam_role.{role}"
    statements = {
        s["Sid"]: sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        for p in cfn.get("Policies", [])
        for s in p["PolicyDocument"]["Statement"]
    }
    trust = cfn.get("AssumeRolePolicyDocument", {}).get("Statement", [{}])[0]
    tf_trust = _first(module.data["aws_iam_policy_document.ecs_tasks_assume"]["statement"])
    return [
        Row(
            address,
            "AWS::IAM::Role",
            "name",
            module.value(module.resources[address]["name"]),
            cfn.get("RoleName"),
        ),
        Row(
            address,
            "AWS::IAM::Role",
            "trusted service",
            _first(tf_trust["principals"])["identifiers"],
            [trust.get("Principal", {}).get("Service")],
        ),
        Row(
            address,
            "AWS::IAM::Role",
            "trust condition",
            _first(tf_trust["condition"])["variable"],
            next(iter(trust.get("Condition", {}).get("StringEquals", {})), None),
        ),
        Row(
            f"aws_iam_role_policy.{role}",
            "AWS::IAM::Role Policies",
            "inline policy name",
            module.resources[f"aws_iam_role_policy.{role}"]["name"],
            next((p["PolicyName"] for p in cfn.get("Policies", [])), None),
        ),
        Row(
            f"aws_iam_role_policy.{role}",
            "AWS::IAM::Role Policies",
            "statements (sid: actions)",
            module.statements(policy),
            statements,
        ),
    ]


def comparison(module: TerraformModule, template: Template) -> list[Row]:
    """Every compared property of every Terraform resource and its CloudFormation twin."""
    rows: list[Row] = []
    for build in (_bucket_rows, _secret_rows, _repository_rows, _log_rows, _ecs_rows, _tag_rows):
        rows += build(module, template)
    rows += _role_rows(module, template, "task", "task", NAMES["service_account"])
    rows += _role_rows(
        module, template, "execution", "execution", f"{NAMES['service_account']}-execution"
    )
    return rows


def _bucket_rows(module: TerraformModule, template: Template) -> list[Row]:
    bucket = one(template, "AWS::S3::Bucket")
    (resource,) = resources(template, "AWS::S3::Bucket").values()
    rule = bucket["LifecycleConfiguration"]["Rules"][0]
    tf_rule = _first(module.resources["aws_s3_bucket_lifecycle_configuration.runs"]["rule"])
    sse = _first(
        module.resources["aws_s3_bucket_server_side_encryption_configuration.runs"]["rule"]
    )
    block = module.resources["aws_s3_bucket_public_access_block.runs"]
    flags = (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    )
    cfn_flags = bucket["PublicAccessBlockConfiguration"]
    b = "aws_s3_bucket.runs"
    return [
        Row(
            b,
            "AWS::S3::Bucket",
            "name",
            module.value(module.resources[b]["bucket"]),
            bucket["BucketName"],
        ),
        Row(
            "aws_s3_bucket_versioning.runs",
            "AWS::S3::Bucket VersioningConfiguration",
            "versioning",
            _first(module.resources["aws_s3_bucket_versioning.runs"]["versioning_configuration"])[
                "status"
            ],
            bucket["VersioningConfiguration"]["Status"],
        ),
        Row(
            "aws_s3_bucket_public_access_block.runs",
            "AWS::S3::Bucket PublicAccessBlockConfiguration",
            "all four public-access flags",
            [block[flag] for flag in flags],
            [
                cfn_flags[name]
                for name in (
                    "BlockPublicAcls",
                    "BlockPublicPolicy",
                    "IgnorePublicAcls",
                    "RestrictPublicBuckets",
                )
            ],
        ),
        Row(
            "aws_s3_bucket_server_side_encryption_configuration.runs",
            "AWS::S3::Bucket BucketEncryption",
            "encryption",
            _first(sse["apply_server_side_encryption_by_default"])["sse_algorithm"],
            bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
                "ServerSideEncryptionByDefault"
            ]["SSEAlgorithm"],
        ),
        Row(
            "aws_s3_bucket_lifecycle_configuration.runs",
            "AWS::S3::Bucket LifecycleConfiguration",
            "noncurrent versions expire (days)",
            module.value(_first(tf_rule["noncurrent_version_expiration"])["noncurrent_days"]),
            str(rule["NoncurrentVersionExpiration"]["NoncurrentDays"]),
        ),
        Row(
            "aws_s3_bucket_lifecycle_configuration.runs",
            "AWS::S3::Bucket LifecycleConfiguration",
            "incomplete uploads aborted (days)",
            _first(tf_rule["abort_incomplete_multipart_upload"])["days_after_initiation"],
            rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"],
        ),
        # CloudFormation's DeletionPolicy Delete removes an empty bucket only.
        Row(
            b,
            "AWS::S3::Bucket",
            "deleted by `down`",
            True,
            resource.get("DeletionPolicy") == "Delete",
        ),
        Row(
            b,
            "AWS::S3::Bucket",
            "delete with objects in it",
            module.resources[b]["force_destroy"],
            False,
        ),
    ]


def _secret_rows(module: TerraformModule, template: Template) -> list[Row]:
    secrets = {
        s["Properties"]["Name"]: s["Properties"]
        for s in resources(template, "AWS::SecretsManager::Secret").values()
    }
    tf = module.resources["aws_secretsmanager_secret.api_keys"]
    address = "aws_secretsmanager_secret.api_keys"
    kind = "AWS::SecretsManager::Secret"
    return [
        Row(address, kind, "names", sorted(NAMES["secrets"].values()), sorted(secrets)),
        Row(
            address,
            kind,
            "created without a value",
            True,
            all(
                "SecretString" not in s and "GenerateSecretString" not in s
                for s in secrets.values()
            ),
        ),
        Row(address, kind, "count", len(SECRET_ENV), len(secrets)),
        Row(address, kind, "recovery window on delete", tf["recovery_window_in_days"], None),
    ]


def _repository_rows(module: TerraformModule, template: Template) -> list[Row]:
    repo = one(template, "AWS::ECR::Repository")
    tf = module.resources["aws_ecr_repository.runner"]
    address, kind = "aws_ecr_repository.runner", "AWS::ECR::Repository"
    return [
        Row(address, kind, "name", module.value(tf["name"]), repo["RepositoryName"]),
        Row(
            address,
            kind,
            "scan on push",
            _first(tf["image_scanning_configuration"])["scan_on_push"],
            repo["ImageScanningConfiguration"]["ScanOnPush"],
        ),
        Row(
            address, kind, "tag mutability", tf["image_tag_mutability"], repo["ImageTagMutability"]
        ),
        Row(address, kind, "delete with images in it", tf["force_delete"], repo["EmptyOnDelete"]),
        Row(
            address,
            kind,
            "encryption",
            _first(tf["encryption_configuration"])["encryption_type"],
            repo.get("EncryptionConfiguration", {}).get("EncryptionType", "AES256"),
        ),
    ]


def _log_rows(module: TerraformModule, template: Template) -> list[Row]:
    group = one(template, "AWS::Logs::LogGroup")
    tf = module.resources["aws_cloudwatch_log_group.runner"]
    address, kind = "aws_cloudwatch_log_group.runner", "AWS::Logs::LogGroup"
    return [
        Row(address, kind, "name", module.value(tf["name"]), group["LogGroupName"]),
        Row(
            address,
            kind,
            "retention (days)",
            int(module.value(tf["retention_in_days"])),
            group["RetentionInDays"],
        ),
    ]


def _ecs_rows(module: TerraformModule, template: Template) -> list[Row]:
    cluster = one(template, "AWS::ECS::Cluster")
    tf_cluster = module.resources["aws_ecs_cluster.runner"]
    task = one(template, "AWS::ECS::TaskDefinition")
    tf_task = module.resources["aws_ecs_task_definition.runner"]
    (container,) = task["ContainerDefinitions"]
    tf_container = tf_task["container_definitions"]
    c, t = "aws_ecs_cluster.runner", "aws_ecs_task_definition.runner"
    k = "AWS::ECS::TaskDefinition"
    return [
        Row(
            c, "AWS::ECS::Cluster", "name", module.value(tf_cluster["name"]), cluster["ClusterName"]
        ),
        Row(
            c,
            "AWS::ECS::Cluster",
            "container insights",
            _first(tf_cluster["setting"])["value"],
            cluster["ClusterSettings"][0]["Value"],
        ),
        Row(t, k, "family", module.value(tf_task["family"]), task["Family"]),
        Row(
            t,
            k,
            "launch type, network mode",
            [tf_task["requires_compatibilities"], tf_task["network_mode"]],
            [task["RequiresCompatibilities"], task["NetworkMode"]],
        ),
        Row(
            t,
            k,
            "cpu, memory",
            [module.value(s) for s in ("${var.cpu}", "${var.memory}")],
            [task["Cpu"], task["Memory"]],
        ),
        Row(
            t,
            k,
            "platform",
            list(_first(tf_task["runtime_platform"]).values()),
            [
                task["RuntimePlatform"]["OperatingSystemFamily"],
                task["RuntimePlatform"]["CpuArchitecture"],
            ],
        ),
        Row(t, k, "scratch volume", _first(tf_task["volume"])["name"], task["Volumes"][0]["Name"]),
        Row(t, k, "container name", _field(tf_container, "name"), container["Name"]),
        Row(
            t,
            k,
            "container env",
            dict(
                ENV_ENTRY.findall(
                    module.value(tf_container.replace("local.runs_dir", '"${local.runs_dir}"'))
                )
            ),
            {e["Name"]: e["Value"] for e in container["Environment"]},
        ),
        Row(
            t,
            k,
            "secrets injected",
            sorted(SECRET_ENV) if "for env in sort(local.secret_env)" in tf_container else None,
            sorted(s["Name"] for s in container["Secrets"]),
        ),
        Row(
            t,
            k,
            "log driver",
            _field(tf_container, "logDriver"),
            container["LogConfiguration"]["LogDriver"],
        ),
        Row(
            t,
            k,
            "runs mounted at",
            module.value(
                tf_container.split("containerPath = ")[1]
                .split(",")[0]
                .replace("local.runs_dir", "${local.runs_dir}")
            ),
            container["MountPoints"][0]["ContainerPath"],
        ),
    ]


ENV_ENTRY: Final = re.compile(r'\{name = "(\w+)", value = "([^"]*)"\}')


def _field(hcl: str, key: str) -> str | None:
    """The first `key = "value"` of an HCL expression (the container's jsonencode)."""
    match = re.search(rf'\b{key} = "([^"]*)"', hcl)
    return match.group(1) if match else None


def _tag_rows(module: TerraformModule, template: Template) -> list[Row]:
    labels = CONVENTIONS.labels(managed_by="terraform")
    tagged = [r["Properties"].get("Tags", []) for r in template["Resources"].values()]
    cdk_tags = [{t["Key"]: t["Value"] for t in tags} for tags in tagged if tags]
    common = {key: value for key, value in labels.items() if key != "managed-by"}
    every = all(tags.items() >= common.items() for tags in cdk_tags) and len(cdk_tags) == len(
        tagged
    )
    return [
        Row("tags", "Tags", "conventions tags on every resource", True, every),
        Row("tags", "Tags", "managed-by", labels["managed-by"], cdk_tags[0].get("managed-by")),
    ]


def render(rows: list[Row]) -> str:
    """The comparison as a Markdown table, with the reason for each expected difference."""
    lines = [
        "| Terraform | CloudFormation (CDK) | property | Terraform | CDK | |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        reason = EXPECTED_DIFFERENCES.get((row.terraform, row.what))
        verdict = "same" if row.same else f"differs: {reason}" if reason else "DIFFERS"
        lines.append(
            f"| {row.terraform} | {row.cloudformation} | {row.what} | "
            f"{json.dumps(row.terraform_value)} | {json.dumps(row.cdk_value)} | {verdict} |"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def rows(template: Template) -> list[Row]:
    return comparison(terraform_module(), template)


def test_the_cdk_stack_matches_the_terraform_module_resource_by_resource(
    rows: list[Row], template: Template, capsys: pytest.CaptureFixture[str]
) -> None:
    table = render(rows)
    with capsys.disabled():
        print(f"\n\nCDK (synthesized CloudFormation) vs infra/terraform/aws:\n{table}\n")
    unexpected = [
        r for r in rows if not r.same and (r.terraform, r.what) not in EXPECTED_DIFFERENCES
    ]
    assert not unexpected, table
    stale = [
        key
        for key in EXPECTED_DIFFERENCES
        if not any((r.terraform, r.what) == key and not r.same for r in rows)
    ]
    assert not stale, f"expected differences that are gone: {stale}"
    kinds = sorted({resource["Type"] for resource in template["Resources"].values()})
    assert kinds == [
        "AWS::ECR::Repository",
        "AWS::ECS::Cluster",
        "AWS::ECS::TaskDefinition",
        "AWS::IAM::Role",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::SecretsManager::Secret",
    ], "nothing the Terraform module lacks (no VPC, no custom-resource Lambda, no metadata)"


def test_every_terraform_resource_has_its_twin_in_the_table(rows: list[Row]) -> None:
    module = terraform_module()
    compared = {row.terraform for row in rows}
    assert set(module.resources) <= compared, set(module.resources) - compared


def test_a_difference_shows_in_the_table() -> None:
    row = Row("aws_ecr_repository.runner", "AWS::ECR::Repository", "name", "a", "b")
    assert not row.same
    assert render([row]).splitlines()[-1].endswith("| DIFFERS |")


def test_checkov_finds_no_failed_check_on_the_template(template: Template, tmp_path: Path) -> None:
    if not CHECKOV.is_file():
        missing_tool(f"{CHECKOV} is missing (scripts/setup makes .venv-checkov)")
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    command = [str(CHECKOV), "--file", str(path), "--framework", "cloudformation"]
    command += ["--skip-download", "--output", "json", "--compact"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    assert done.returncode in (0, 1), done.stderr
    report = json.loads(done.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert report["summary"]["passed"] > 0, "checkov checked nothing"
    skipped = report["results"]["skipped_checks"]
    assert skipped and all(
        (s.get("check_result", {}).get("suppress_comment") or "").strip() for s in skipped
    )


def test_a_bad_context_value_is_one_line_with_the_fix(tmp_path: Path) -> None:
    if not CDK.is_file():
        missing_tool(f"{CDK} is missing (scripts/setup installs Node 22 and the CDK CLI)")
    # The app's jsii runtime runs on the project's Node 22, as under .tools/bin/cdk.
    env = os.environ | {"HOME": str(tmp_path), "PATH": f"{CDK.parent}:{os.environ['PATH']}"}
    done = subprocess.run(
        [sys.executable, "app.py"],
        cwd=CDK_APP,
        env=env
        | {"CDK_CONTEXT_JSON": json.dumps({"environment": "qa"}), "CDK_OUTDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == (
        "error: cdk context environment: 'qa' is invalid; fix: use one of dev, staging, prod "
        "(-c key=value)"
    )


# --- the template on moto's CloudFormation ---


@dataclass(frozen=True)
class Check:
    """One thing the template asks for, and how to see through boto3 whether moto made it."""

    kind: str
    what: str
    made: Callable[[Aws], bool]


class Aws:
    """boto3 clients on moto."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint

    def __getattr__(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION)


def _try(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception:  # a missing resource or setting reads as "not made"
        return None


def _made(check: Check, aws: Aws) -> bool:
    return bool(_try(lambda: check.made(aws)))


def _tags(pairs: list[dict[str, str]] | None) -> dict[str, str]:
    return {p.get("Key", p.get("key", "")): p.get("Value", p.get("value", "")) for p in pairs or []}


def _tagged(pairs: list[dict[str, str]] | None) -> bool:
    return _tags(pairs).get("managed-by") == "cdk"


def _secrets(aws: Aws) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = aws.secretsmanager.list_secrets()["SecretList"]
    return [s for s in listed if s["Name"] in NAMES["secrets"].values()]


def _task(aws: Aws) -> dict[str, Any]:
    found: dict[str, Any] = aws.ecs.describe_task_definition(
        taskDefinition=NAMES["job"], include=["TAGS"]
    )
    return found


def _role(aws: Aws, name: str) -> dict[str, Any]:
    role: dict[str, Any] = aws.iam.get_role(RoleName=name)["Role"]
    return role


def _statements(aws: Aws, name: str) -> list[dict[str, Any]]:
    iam = aws.iam
    found: list[dict[str, Any]] = []
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):
            # With a null in it (the secrets' Refs on moto), moto returns the document as
            # Python's repr of it, not JSON.
            document = (
                ast.literal_eval(document) if document.startswith("{'") else json.loads(document)
            )
        found += document["Statement"]
    return found


def _resources_of(statement: dict[str, Any]) -> list[Any]:
    resource = statement["Resource"]
    return resource if isinstance(resource, list) else [resource]


BUCKET, LOG_GROUP = NAMES["bucket"], f"/ecs/{NAMES['job']}"
TASK_ROLE, EXECUTION_ROLE = NAMES["service_account"], f"{NAMES['service_account']}-execution"
CHECKS: Final = [
    Check(
        "AWS::S3::Bucket",
        "created",
        lambda aws: _try(lambda: aws.s3.head_bucket(Bucket=BUCKET)) is not None,
    ),
    Check(
        "AWS::S3::Bucket",
        "Tags",
        lambda aws: _tagged(_try(lambda: aws.s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"])),
    ),
    Check(
        "AWS::S3::Bucket",
        "BucketEncryption",
        lambda aws: (
            "AES256" in json.dumps(_try(lambda: aws.s3.get_bucket_encryption(Bucket=BUCKET)))
        ),
    ),
    Check(
        "AWS::S3::Bucket",
        "VersioningConfiguration",
        lambda aws: (
            _try(lambda: aws.s3.get_bucket_versioning(Bucket=BUCKET).get("Status")) == "Enabled"
        ),
    ),
    Check(
        "AWS::S3::Bucket",
        "PublicAccessBlockConfiguration",
        lambda aws: _try(lambda: aws.s3.get_public_access_block(Bucket=BUCKET)) is not None,
    ),
    Check(
        "AWS::S3::Bucket",
        "LifecycleConfiguration",
        lambda aws: (
            _try(lambda: aws.s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)) is not None
        ),
    ),
    Check(
        "AWS::SecretsManager::Secret", "created", lambda aws: len(_secrets(aws)) == len(SECRET_ENV)
    ),
    Check(
        "AWS::ECR::Repository",
        "created",
        lambda aws: (
            _try(lambda: aws.ecr.describe_repositories(repositoryNames=[NAMES["repository"]]))
            is not None
        ),
    ),
    Check(
        "AWS::ECR::Repository",
        "ImageScanningConfiguration",
        lambda aws: (
            aws.ecr.describe_repositories(repositoryNames=[NAMES["repository"]])["repositories"][0]
            .get("imageScanningConfiguration", {})
            .get("scanOnPush")
            is True
        ),
    ),
    Check(
        "AWS::Logs::LogGroup",
        "created, RetentionInDays",
        lambda aws: (
            [
                g.get("retentionInDays")
                for g in aws.logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
            ]
            == [365]
        ),
    ),
    Check(
        "AWS::ECS::Cluster",
        "created",
        lambda aws: (
            [c["status"] for c in aws.ecs.describe_clusters(clusters=[NAMES["job"]])["clusters"]]
            == ["ACTIVE"]
        ),
    ),
    Check(
        "AWS::ECS::Cluster",
        "ClusterSettings",
        lambda aws: (
            {"name": "containerInsights", "value": "enabled"}
            in aws.ecs.describe_clusters(clusters=[NAMES["job"]], include=["SETTINGS"])["clusters"][
                0
            ].get("settings", [])
        ),
    ),
    Check("AWS::ECS::TaskDefinition", "created", lambda aws: _try(lambda: _task(aws)) is not None),
    Check(
        "AWS::ECS::TaskDefinition",
        "RequiresCompatibilities, NetworkMode, Cpu",
        lambda aws: (
            (lambda t: (t.get("requiresCompatibilities"), t.get("networkMode"), t.get("cpu")))(
                _task(aws)["taskDefinition"]
            )
            == (["FARGATE"], "awsvpc", "2048")
        ),
    ),
    Check(
        "AWS::ECS::TaskDefinition",
        "TaskRoleArn, ExecutionRoleArn",
        lambda aws: (
            bool(_task(aws)["taskDefinition"].get("taskRoleArn"))
            and bool(_task(aws)["taskDefinition"].get("executionRoleArn"))
        ),
    ),
    Check(
        "AWS::ECS::TaskDefinition",
        "container Secrets (valueFrom)",
        lambda aws: all(
            s.get("valueFrom")
            for s in _task(aws)["taskDefinition"]["containerDefinitions"][0]["secrets"]
        ),
    ),
    Check("AWS::ECS::TaskDefinition", "Tags", lambda aws: _tagged(_task(aws).get("tags"))),
    Check(
        "AWS::IAM::Role",
        "created, Tags",
        lambda aws: all(
            _tagged(_role(aws, name).get("Tags")) for name in (TASK_ROLE, EXECUTION_ROLE)
        ),
    ),
    Check(
        "AWS::IAM::Role",
        "Policies (inline, by sid)",
        lambda aws: (
            {s["Sid"] for s in _statements(aws, TASK_ROLE)}
            == {"ListRuns", "ReadWriteRuns", "ReadApiKeys"}
        ),
    ),
    Check(
        "AWS::IAM::Role",
        "Policies: the secrets' ARNs",
        lambda aws: all(
            str(r).startswith("arn:aws:secretsmanager:")
            for s in _statements(aws, TASK_ROLE)
            if s["Sid"] == "ReadApiKeys"
            for r in _resources_of(s)
        ),
    ),
]

MOTO_GAPS: Final = {
    ("AWS::SecretsManager::Secret", "created"): (
        "moto's CloudFormation has no model of this type: the stack reports it created, no "
        "secret exists, and its Ref resolves to null"
    ),
    ("AWS::IAM::Role", "Policies: the secrets' ARNs"): (
        "follows: the secrets' Refs are null (and moto then stores the document as a Python repr)"
    ),
    ("AWS::ECS::TaskDefinition", "container Secrets (valueFrom)"): (
        "follows: the secrets' Refs are null"
    ),
    ("AWS::S3::Bucket", "VersioningConfiguration"): "moto's bucket model ignores the property",
    ("AWS::S3::Bucket", "PublicAccessBlockConfiguration"): "moto's bucket model ignores it",
    ("AWS::S3::Bucket", "LifecycleConfiguration"): "moto's bucket model ignores the property",
    ("AWS::ECR::Repository", "ImageScanningConfiguration"): "moto's repository model drops it",
    ("AWS::ECS::Cluster", "ClusterSettings"): "moto's cluster model ignores the property",
    ("AWS::ECS::TaskDefinition", "RequiresCompatibilities, NetworkMode, Cpu"): (
        "moto's task definition model registers an EC2 / bridge definition without them"
    ),
    ("AWS::ECS::TaskDefinition", "TaskRoleArn, ExecutionRoleArn"): (
        "moto's task definition model ignores the roles"
    ),
    ("AWS::ECS::TaskDefinition", "Tags"): "moto's task definition model ignores the tags",
}
"""What moto 5.2 cannot make of the template, and why; every other check must pass on moto."""

# What moto's stack deletion leaves behind (on AWS, DeletionPolicy Delete removes them all).
MOTO_DELETE_GAPS: Final = {
    "AWS::ECS::Cluster": "moto's stack deletion leaves the cluster ACTIVE",
    "AWS::ECS::TaskDefinition": "moto's stack deletion leaves the task definition ACTIVE",
}


def leftovers(aws: Aws) -> dict[str, bool]:
    """Whether each kind of the stack's resources still exists."""
    return {
        "AWS::S3::Bucket": any(b["Name"] == BUCKET for b in aws.s3.list_buckets()["Buckets"]),
        "AWS::SecretsManager::Secret": bool(_secrets(aws)),
        "AWS::ECR::Repository": bool(aws.ecr.describe_repositories()["repositories"]),
        "AWS::Logs::LogGroup": bool(
            aws.logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP)["logGroups"]
        ),
        "AWS::IAM::Role": any(
            r["RoleName"] in (TASK_ROLE, EXECUTION_ROLE) for r in aws.iam.list_roles()["Roles"]
        ),
        "AWS::ECS::Cluster": any(
            c["status"] == "ACTIVE"
            for c in aws.ecs.describe_clusters(clusters=[NAMES["job"]])["clusters"]
        ),
        "AWS::ECS::TaskDefinition": bool(
            aws.ecs.list_task_definitions(familyPrefix=NAMES["job"], status="ACTIVE")[
                "taskDefinitionArns"
            ]
        ),
    }


@pytest.mark.usefixtures("aws_env")
def test_the_template_deploys_on_moto_and_moto_gaps_are_named(
    template: Template, moto_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    aws = Aws(moto_server)
    cloudformation = aws.cloudformation
    cloudformation.create_stack(
        StackName=STACK, TemplateBody=json.dumps(template), Capabilities=["CAPABILITY_NAMED_IAM"]
    )
    (stack,) = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    assert outputs["Bucket"] == BUCKET and outputs["Cluster"] == NAMES["job"]
    results = {(check.kind, check.what): _made(check, aws) for check in CHECKS}
    cloudformation.delete_stack(StackName=STACK)
    left = leftovers(aws)
    report = moto_report(results, left)
    with capsys.disabled():
        print(
            f"\n\nThe CDK template on moto's CloudFormation (moto {_moto_version()}):\n{report}\n"
        )
    assert {key for key, made in results.items() if not made} == set(MOTO_GAPS), report
    assert {kind for kind, there in left.items() if there} == set(MOTO_DELETE_GAPS), report


def moto_report(results: dict[tuple[str, str], bool], left: dict[str, bool]) -> str:
    """What moto made of the template and what its stack deletion left, with the reasons."""
    lines = ["| resource | what the template asks for | on moto |", "|---|---|---|"]
    for (kind, what), made in results.items():
        verdict = "made" if made else f"NOT MADE: {MOTO_GAPS.get((kind, what), '?')}"
        lines.append(f"| {kind} | {what} | {verdict} |")
    for kind, there in left.items():
        verdict = f"NOT DELETED: {MOTO_DELETE_GAPS.get(kind, '?')}" if there else "deleted"
        lines.append(f"| {kind} | deleted with the stack | {verdict} |")
    return "\n".join(lines)


def _moto_version() -> str:
    from importlib.metadata import version

    return version("moto")

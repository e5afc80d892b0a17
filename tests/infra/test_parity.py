"""Parity: the Pulumi program and the Terraform GCP module declare the same deployment.

Both sides are reduced to an inventory: how many resources of each kind, and the set of IAM
grants as (kind of the resource granted on, role). Terraform's side comes from parsing
infra/terraform/gcp/*.tf with python-hcl2 (the google provider is not available offline, so no
plan); Pulumi's from running the program under Pulumi's mocks. Kinds are compared as Pulumi type
tokens through the explicit table `TERRAFORM_TO_PULUMI`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import hcl2
import pytest
from hcl2 import SerializationOptions

from infra.conventions import RUNNER_ROLES, SECRET_ENV, SERVICES
from infra.pulumi.mocks import record
from infra.pulumi.regenlab_gcp import Settings

GCP_MODULE = Path(__file__).resolve().parents[2] / "infra" / "terraform" / "gcp"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

TERRAFORM_TO_PULUMI: Final = {
    "google_project_service": "gcp:projects/service:Service",
    "google_artifact_registry_repository": "gcp:artifactregistry/repository:Repository",
    "google_artifact_registry_repository_iam_member": (
        "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember"
    ),
    "google_storage_bucket": "gcp:storage/bucket:Bucket",
    "google_storage_bucket_iam_member": "gcp:storage/bucketIAMMember:BucketIAMMember",
    "google_secret_manager_secret": "gcp:secretmanager/secret:Secret",
    "google_secret_manager_secret_iam_member": "gcp:secretmanager/secretIamMember:SecretIamMember",
    "google_service_account": "gcp:serviceaccount/account:Account",
    "google_cloud_run_v2_job": "gcp:cloudrunv2/job:Job",
    "google_cloud_run_v2_service": "gcp:cloudrunv2/service:Service",
    "google_cloud_run_v2_service_iam_member": "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
}
"""Each Terraform resource type of the GCP module and the Pulumi class that is its twin."""

GRANTED_ON: Final = {
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (
        "gcp:artifactregistry/repository:Repository"
    ),
    "gcp:storage/bucketIAMMember:BucketIAMMember": "gcp:storage/bucket:Bucket",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "gcp:secretmanager/secret:Secret",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "gcp:cloudrunv2/service:Service",
}
"""Each IAM member kind and the kind of resource it grants a role on."""

PULUMI_TO_TERRAFORM: Final = {token: kind for kind, token in TERRAFORM_TO_PULUMI.items()}

# The collections a `for_each` iterates, by the reference it names, and their sizes.
FOR_EACH_SIZES: Final = {
    "module.conventions.services": len(SERVICES),
    "module.conventions.secret_env": len(SECRET_ENV),
    "module.conventions.names.secrets": len(SECRET_ENV),
    "local.names.secrets": len(SECRET_ENV),
}
CONDITIONAL_COUNT: Final = re.compile(r"\$\{var\.enable_model_server \? (\d+) : (\d+)\}")
RESOURCE_REF: Final = re.compile(r"(google_\w+)\.(\w+)")
ROLE_REF: Final = re.compile(r'\$\{([\w.]+?)(?:\.(\w+)|\["(\w+)"\])\}')

Grant = tuple[str, str]


@dataclass(frozen=True)
class Inventory:
    """A deployment reduced to what the two tools must agree on."""

    kinds: Counter[str]
    """Resources per Pulumi type token."""
    grants: frozenset[Grant]
    """(kind of the resource granted on, role) for every IAM member."""


def _label(token: str) -> str:
    terraform = PULUMI_TO_TERRAFORM.get(token, "no Terraform twin in TERRAFORM_TO_PULUMI")
    return f"{token} ({terraform})"


def differences(terraform: Inventory, pulumi: Inventory) -> list[str]:
    """One readable line per disagreement; empty when the two inventories match."""
    lines: list[str] = []
    for side, ours, theirs in (("Terraform", terraform, pulumi), ("Pulumi", pulumi, terraform)):
        kinds = sorted(set(ours.kinds) - set(theirs.kinds))
        if kinds:
            lines.append(f"kinds only in {side}: " + ", ".join(map(_label, kinds)))
        grants = sorted(ours.grants - theirs.grants)
        if grants:
            lines.append(f"grants only in {side}: " + ", ".join(f"{k} {r}" for k, r in grants))
    for kind in sorted(set(terraform.kinds) & set(pulumi.kinds)):
        if terraform.kinds[kind] != pulumi.kinds[kind]:
            lines.append(
                f"{_label(kind)}: {terraform.kinds[kind]} in Terraform, "
                f"{pulumi.kinds[kind]} in Pulumi"
            )
    return lines


# --- Terraform's side ---


@dataclass(frozen=True)
class TerraformResource:
    """One `resource` block of the module."""

    type: str
    name: str
    body: dict[str, Any]


def _documents(path: Path) -> list[dict[str, Any]]:
    documents = []
    for tf_file in sorted(path.glob("*.tf")):
        with tf_file.open() as file:
            documents.append(hcl2.load(file, serialization_options=OPTIONS))
    return documents


def parse_module(path: Path) -> tuple[list[TerraformResource], dict[str, Any]]:
    """The resource blocks and the locals of every .tf file in `path`."""
    resources: list[TerraformResource] = []
    local_values: dict[str, Any] = {}
    for document in _documents(path):
        for block in document.get("locals", []):
            local_values.update(block)
        for block in document.get("resource", []):
            for type_, named in block.items():
                resources.extend(TerraformResource(type_, n, body) for n, body in named.items())
    return resources, local_values


def _instances(
    resource: TerraformResource, by_address: Mapping[str, TerraformResource], model_server: bool
) -> int:
    """How many instances `count` or `for_each` makes, for the known forms of the module."""
    if "count" in resource.body:
        count = resource.body["count"]
        if isinstance(count, int):
            return count
        conditional = CONDITIONAL_COUNT.fullmatch(str(count))
        assert conditional, f"{resource.type}.{resource.name}: cannot evaluate count {count!r}"
        return int(conditional.group(1 if model_server else 2))
    if "for_each" not in resource.body:
        return 1
    expression = str(resource.body["for_each"]).removeprefix("${").removesuffix("}")
    expression = expression.removeprefix("toset(").removesuffix(")")
    if expression in FOR_EACH_SIZES:
        return FOR_EACH_SIZES[expression]
    reference = RESOURCE_REF.fullmatch(expression)
    assert reference, f"{resource.type}.{resource.name}: cannot evaluate for_each {expression!r}"
    return _instances(by_address[expression], by_address, model_server)


def _role_aliases(local_values: Mapping[str, Any]) -> set[str]:
    """References that mean the conventions module's runner_roles (itself, or a local of it)."""
    source = "module.conventions.runner_roles"
    aliases = {f"local.{name}" for name, value in local_values.items() if value == f"${{{source}}}"}
    return aliases | {source}


def resolve_role(expression: str, local_values: Mapping[str, Any]) -> str:
    """A role literal, or a reference to the conventions module's `runner_roles`.

    Terraform's roles are references such as `local.roles.bucket` (where local.roles is
    module.conventions.runner_roles) or `module.conventions.runner_roles["bucket"]`; the module
    cannot be applied here (no google provider offline), so they are resolved through its Python
    twin's RUNNER_ROLES, which tests/infra/test_conventions.py proves equal to the module's output.
    """
    if expression.startswith("roles/"):
        return expression
    reference = ROLE_REF.fullmatch(expression)
    assert reference, f"cannot resolve the role {expression!r}"
    source, key = reference.group(1), reference.group(2) or reference.group(3)
    assert source in _role_aliases(local_values), f"{expression!r} is not a conventions role"
    return RUNNER_ROLES[key]


def terraform_inventory(model_server: bool) -> Inventory:
    """The Terraform GCP module's inventory with `enable_model_server` set as given."""
    resources, local_values = parse_module(GCP_MODULE)
    by_address = {f"{r.type}.{r.name}": r for r in resources}
    kinds: Counter[str] = Counter()
    grants: set[Grant] = set()
    for resource in resources:
        instances = _instances(resource, by_address, model_server)
        if not instances:
            continue
        token = TERRAFORM_TO_PULUMI.get(resource.type, f"terraform:{resource.type}")
        kinds[token] += instances
        if "role" in resource.body:
            grants.add(
                (GRANTED_ON.get(token, token), resolve_role(resource.body["role"], local_values))
            )
    return Inventory(kinds, frozenset(grants))


# --- Pulumi's side ---


def pulumi_inventory(model_server: bool) -> Inventory:
    """The Pulumi program's inventory, run under mocks with the model server on or off."""
    recorded = record(Settings(project_id="my-project-1", enable_model_server=model_server))
    kinds = Counter(resource.token for resource in recorded.resources)
    grants = {
        (GRANTED_ON.get(r.token, r.token), str(r.inputs["role"]))
        for r in recorded.resources
        if "role" in r.inputs
    }
    return Inventory(kinds, frozenset(grants))


@pytest.fixture(scope="module", params=[False, True], ids=["model-server-off", "model-server-on"])
def inventories(request: pytest.FixtureRequest) -> tuple[Inventory, Inventory]:
    model_server: bool = request.param
    return terraform_inventory(model_server), pulumi_inventory(model_server)


def test_terraform_and_pulumi_declare_the_same_resources_and_grants(
    inventories: tuple[Inventory, Inventory],
) -> None:
    terraform, pulumi = inventories
    assert not differences(terraform, pulumi), "\n".join(differences(terraform, pulumi))


def test_both_inventories_hold_the_whole_deployment(
    inventories: tuple[Inventory, Inventory],
) -> None:
    for inventory in inventories:
        assert inventory.kinds["gcp:cloudrunv2/job:Job"] == 1
        assert inventory.kinds["gcp:projects/service:Service"] == len(SERVICES)
        assert {role for _, role in inventory.grants} >= {
            RUNNER_ROLES["bucket"],
            RUNNER_ROLES["secrets"],
            RUNNER_ROLES["repository"],
        }


def test_both_export_the_same_outputs() -> None:
    terraform = {
        name for doc in _documents(GCP_MODULE) for block in doc.get("output", []) for name in block
    }
    pulumi = set(record(Settings(project_id="my-project-1")).outputs)
    assert terraform == pulumi, (
        f"only in Terraform: {terraform - pulumi}; only in Pulumi: {pulumi - terraform}"
    )


def test_the_model_server_switch_changes_both_sides_alike() -> None:
    service = "gcp:cloudrunv2/service:Service"
    invoker = ("gcp:cloudrunv2/service:Service", RUNNER_ROLES["model_server"])
    for inventory in (terraform_inventory, pulumi_inventory):
        off, on = inventory(False), inventory(True)
        assert (off.kinds[service], on.kinds[service]) == (0, 1)
        assert invoker not in off.grants
        assert invoker in on.grants


def test_a_deliberate_difference_is_reported_readably() -> None:
    terraform = terraform_inventory(model_server=False)
    kinds = Counter(terraform.kinds)
    del kinds["gcp:cloudrunv2/job:Job"]
    kinds["gcp:storage/bucketIAMBinding:BucketIAMBinding"] += 1
    kinds["gcp:secretmanager/secret:Secret"] += 1
    grants = (terraform.grants - {("gcp:storage/bucket:Bucket", RUNNER_ROLES["bucket"])}) | {
        ("gcp:storage/bucket:Bucket", "roles/storage.admin")
    }
    altered = replace(terraform, kinds=kinds, grants=frozenset(grants))
    assert differences(terraform, altered) == [
        "kinds only in Terraform: gcp:cloudrunv2/job:Job (google_cloud_run_v2_job)",
        "grants only in Terraform: gcp:storage/bucket:Bucket roles/storage.objectAdmin",
        "kinds only in Pulumi: gcp:storage/bucketIAMBinding:BucketIAMBinding "
        "(no Terraform twin in TERRAFORM_TO_PULUMI)",
        "grants only in Pulumi: gcp:storage/bucket:Bucket roles/storage.admin",
        "gcp:secretmanager/secret:Secret (google_secret_manager_secret): "
        f"{len(SECRET_ENV)} in Terraform, {len(SECRET_ENV) + 1} in Pulumi",
    ]


def test_roles_resolve_through_the_conventions_twin() -> None:
    local_values = {"roles": "${module.conventions.runner_roles}"}
    assert resolve_role("${local.roles.bucket}", local_values) == RUNNER_ROLES["bucket"]
    quoted = '${module.conventions.runner_roles["secrets"]}'
    assert resolve_role(quoted, local_values) == RUNNER_ROLES["secrets"]
    assert resolve_role("roles/run.invoker", local_values) == "roles/run.invoker"
    with pytest.raises(AssertionError, match="not a conventions role"):
        resolve_role("${local.other.bucket}", local_values)

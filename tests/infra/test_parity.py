"""Parity: the Pulumi program and the Terraform GCP module declare the same deployment.

Both sides are reduced to an inventory: how many resources of each kind, and the set of IAM
grants as (kind of the resource granted on, role, member). Terraform's side comes from parsing
infra/terraform/gcp/*.tf with python-hcl2 (the google provider is not available offline, so no
plan); Pulumi's from running the program under Pulumi's mocks. Kinds are compared as Pulumi type
tokens through the explicit table `TERRAFORM_TO_PULUMI`. Every runner and model serving combination
is compared.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import hcl2
import pytest
from hcl2 import SerializationOptions

from infra.conventions import (
    MODEL_SERVINGS,
    NODES_PROJECT_ROLE,
    RUNNER_ROLES,
    RUNNERS,
    SECRET_ENV,
    Conventions,
)
from infra.pulumi.mocks import record
from infra.pulumi.regenlab_gcp import Settings

GCP_MODULE = Path(__file__).resolve().parents[2] / "infra" / "terraform" / "gcp"
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
PROJECT = "my-project-1"

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
    "google_service_account_iam_member": "gcp:serviceaccount/iAMMember:IAMMember",
    "google_cloud_run_v2_job": "gcp:cloudrunv2/job:Job",
    "google_cloud_run_v2_service": "gcp:cloudrunv2/service:Service",
    "google_cloud_run_v2_service_iam_member": "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    "google_compute_network": "gcp:compute/network:Network",
    "google_compute_subnetwork": "gcp:compute/subnetwork:Subnetwork",
    "google_compute_router": "gcp:compute/router:Router",
    "google_compute_router_nat": "gcp:compute/routerNat:RouterNat",
    "google_container_cluster": "gcp:container/cluster:Cluster",
    "google_project_iam_member": "gcp:projects/iAMMember:IAMMember",
    "google_project_iam_custom_role": "gcp:projects/iAMCustomRole:IAMCustomRole",
    "google_vertex_ai_endpoint_with_model_garden_deployment": (
        "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
    ),
    "google_vertex_ai_endpoint_iam_member": "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember",
}
"""Each Terraform resource type of the GCP module and the Pulumi class that is its twin."""

GRANTED_ON: Final = {
    "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember": (
        "gcp:artifactregistry/repository:Repository"
    ),
    "gcp:storage/bucketIAMMember:BucketIAMMember": "gcp:storage/bucket:Bucket",
    "gcp:secretmanager/secretIamMember:SecretIamMember": "gcp:secretmanager/secret:Secret",
    "gcp:cloudrunv2/serviceIamMember:ServiceIamMember": "gcp:cloudrunv2/service:Service",
    "gcp:serviceaccount/iAMMember:IAMMember": "gcp:serviceaccount/account:Account",
    "gcp:projects/iAMMember:IAMMember": "project",
    "gcp:vertex/aiEndpointIamMember:AiEndpointIamMember": (
        "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
    ),
}
"""Each IAM member kind and the kind of resource it grants a role on."""

PULUMI_TO_TERRAFORM: Final = {token: kind for kind, token in TERRAFORM_TO_PULUMI.items()}

COMBINATIONS: Final = list(itertools.product(RUNNERS, MODEL_SERVINGS))
"""Every (runner, model_serving) the module and the program accept."""

CONDITIONAL_COUNT: Final = re.compile(r"\$\{(?P<condition>.+) \? (?P<on>\d+) : (?P<off>\d+)\}")
RESOURCE_REF: Final = re.compile(r"(google_\w+)\.(\w+)")
ROLE_REF: Final = re.compile(r'\$\{([\w.]+?)(?:\.(\w+)|\["(\w+)"\])\}')
ACCOUNT_EMAIL_REF: Final = re.compile(r"\$\{google_service_account\.(\w+)(?:\[0\])?\.email\}")
CUSTOM_ROLE_REF: Final = re.compile(r"\$\{google_project_iam_custom_role\.(\w+)\[0\]\.name\}")

Grant = tuple[str, str, str]


@dataclass(frozen=True)
class Combination:
    """One runner and one model serving, and the conventions of that deployment."""

    runner: str
    model_serving: str

    @property
    def conventions(self) -> Conventions:
        return Conventions(project_id=PROJECT, runner=self.runner, model_serving=self.model_serving)

    @property
    def flags(self) -> dict[str, bool]:
        """The module's switches (locals and bool variables at their defaults)."""
        return {
            "local.cloud_run_runner": self.runner == "cloud_run",
            "local.gke": self.runner == "gke",
            "local.serve_cloud_run": self.model_serving == "cloud_run",
            "local.serve_vertex": self.model_serving == "vertex",
            "var.gke_node_logging": True,
        }

    def __str__(self) -> str:
        return f"runner={self.runner},model_serving={self.model_serving}"


@dataclass(frozen=True)
class Inventory:
    """A deployment reduced to what the two tools must agree on."""

    kinds: Counter[str]
    """Resources per Pulumi type token."""
    grants: frozenset[Grant]
    """(kind of the resource granted on, role, member) for every IAM member."""


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
            lines.append(f"grants only in {side}: " + ", ".join(" ".join(g) for g in grants))
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


def _count(expression: str, combination: Combination) -> int:
    conditional = CONDITIONAL_COUNT.fullmatch(expression)
    assert conditional, f"cannot evaluate count {expression!r}"
    flags = combination.flags
    parts = conditional.group("condition").split(" && ")
    assert all(part in flags for part in parts), f"unknown switch in {expression!r}"
    return int(conditional.group("on" if all(flags[p] for p in parts) else "off"))


def _instances(
    resource: TerraformResource,
    by_address: Mapping[str, TerraformResource],
    combination: Combination,
) -> int:
    """How many instances `count` or `for_each` makes, for the known forms of the module."""
    if "count" in resource.body:
        count = resource.body["count"]
        return count if isinstance(count, int) else _count(str(count), combination)
    if "for_each" not in resource.body:
        return 1
    expression = str(resource.body["for_each"]).removeprefix("${").removesuffix("}")
    expression = expression.removeprefix("toset(").removesuffix(")")
    sizes = {
        "module.conventions.services": len(combination.conventions.services),
        "module.conventions.secret_env": len(SECRET_ENV),
        "module.conventions.names.secrets": len(SECRET_ENV),
        "local.names.secrets": len(SECRET_ENV),
    }
    if expression in sizes:
        return sizes[expression]
    reference = RESOURCE_REF.fullmatch(expression)
    assert reference, f"{resource.type}.{resource.name}: cannot evaluate for_each {expression!r}"
    return _instances(by_address[expression], by_address, combination)


def _role_aliases(local_values: Mapping[str, Any]) -> set[str]:
    """References that mean the conventions module's runner_roles (itself, or a local of it)."""
    source = "module.conventions.runner_roles"
    aliases = {f"local.{name}" for name, value in local_values.items() if value == f"${{{source}}}"}
    return aliases | {source}


def resolve_role(
    expression: str, local_values: Mapping[str, Any], conventions: Conventions | None = None
) -> str:
    """A role literal, a reference to the conventions module's roles, or the custom role.

    Terraform's roles are references such as `local.roles.bucket` (where local.roles is
    module.conventions.runner_roles), `module.conventions.nodes_project_role`, or the name of the
    module's custom role; the module cannot be applied here (no google provider offline), so they
    are resolved through its Python twin, which tests/infra/test_conventions.py proves equal to the
    module's outputs.
    """
    if expression.startswith("roles/"):
        return expression
    if expression == "${module.conventions.nodes_project_role}":
        return NODES_PROJECT_ROLE
    if CUSTOM_ROLE_REF.fullmatch(expression):
        conv = conventions or Conventions(project_id=PROJECT)
        return f"projects/{conv.project_id}/roles/{conv.names['vertex_predictor_role']}"
    reference = ROLE_REF.fullmatch(expression)
    assert reference, f"cannot resolve the role {expression!r}"
    source, key = reference.group(1), reference.group(2) or reference.group(3)
    assert source in _role_aliases(local_values), f"{expression!r} is not a conventions role"
    return RUNNER_ROLES[key]


def resolve_member(
    expression: str, accounts: Mapping[str, TerraformResource], conventions: Conventions
) -> str:
    """A member expression of the module as the string Google gets (names from the conventions)."""
    names = conventions.names
    project = conventions.project_id

    def email(account_id: str) -> str:
        return f"{account_id}@{project}.iam.gserviceaccount.com"

    named: Mapping[str, Any] = names

    def account(match: re.Match[str]) -> str:
        account_id = str(accounts[match.group(1)].body["account_id"])
        return email(named[account_id.removeprefix("${local.names.").removesuffix("}")])

    runner = f"serviceAccount:{email(names['service_account'])}"
    text = expression.replace("${local.runner_member}", runner)
    text = ACCOUNT_EMAIL_REF.sub(account, text)
    text = text.replace("${var.project_id}", project)
    text = re.sub(r"\$\{local\.names\.(\w+)\}", lambda m: str(named[m.group(1)]), text)
    assert "${" not in text, f"cannot resolve the member {expression!r}"
    return text


def terraform_inventory(combination: Combination) -> Inventory:
    """The Terraform GCP module's inventory for one runner and model serving."""
    resources, local_values = parse_module(GCP_MODULE)
    by_address = {f"{r.type}.{r.name}": r for r in resources}
    accounts = {r.name: r for r in resources if r.type == "google_service_account"}
    conventions = combination.conventions
    kinds: Counter[str] = Counter()
    grants: set[Grant] = set()
    for resource in resources:
        instances = _instances(resource, by_address, combination)
        if not instances:
            continue
        token = TERRAFORM_TO_PULUMI.get(resource.type, f"terraform:{resource.type}")
        kinds[token] += instances
        if "member" in resource.body:
            role = resolve_role(resource.body["role"], local_values, conventions)
            member = resolve_member(str(resource.body["member"]), accounts, conventions)
            grants.add((GRANTED_ON.get(token, token), role, member))
    return Inventory(kinds, frozenset(grants))


# --- Pulumi's side ---


def pulumi_inventory(combination: Combination) -> Inventory:
    """The Pulumi program's inventory, run under mocks for one runner and model serving."""
    settings = Settings(
        project_id=PROJECT, runner=combination.runner, model_serving=combination.model_serving
    )
    recorded = record(settings)
    kinds = Counter(resource.token for resource in recorded.resources)
    grants = {
        (GRANTED_ON.get(r.token, r.token), str(r.inputs["role"]), str(r.inputs["member"]))
        for r in recorded.resources
        if "member" in r.inputs
    }
    return Inventory(kinds, frozenset(grants))


@pytest.fixture(scope="module", params=COMBINATIONS, ids=lambda c: f"{c[0]}-runner-{c[1]}-serving")
def combination(request: pytest.FixtureRequest) -> Combination:
    runner, model_serving = request.param
    return Combination(runner, model_serving)


@pytest.fixture(scope="module")
def inventories(combination: Combination) -> tuple[Inventory, Inventory]:
    return terraform_inventory(combination), pulumi_inventory(combination)


def test_terraform_and_pulumi_declare_the_same_resources_and_grants(
    inventories: tuple[Inventory, Inventory],
) -> None:
    terraform, pulumi = inventories
    assert not differences(terraform, pulumi), "\n".join(differences(terraform, pulumi))


RUNNER_KINDS: Final = {
    "cloud_run": {"gcp:cloudrunv2/job:Job": 1},
    "gke": {
        "gcp:container/cluster:Cluster": 1,
        "gcp:compute/network:Network": 1,
        "gcp:compute/subnetwork:Subnetwork": 1,
        "gcp:compute/routerNat:RouterNat": 1,
    },
}
SERVING_KINDS: Final = {
    "none": {},
    "cloud_run": {"gcp:cloudrunv2/service:Service": 1},
    "vertex": {
        "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment": 1,
        "gcp:projects/iAMCustomRole:IAMCustomRole": 1,
    },
}


def test_both_inventories_hold_the_whole_deployment_of_each_combination(
    combination: Combination, inventories: tuple[Inventory, Inventory]
) -> None:
    expected = {**RUNNER_KINDS[combination.runner], **SERVING_KINDS[combination.model_serving]}
    absent = {
        kind
        for table in (RUNNER_KINDS, SERVING_KINDS)
        for kinds in table.values()
        for kind in kinds
    } - set(expected)
    runner = f"serviceAccount:regenlab-dev-runner@{PROJECT}.iam.gserviceaccount.com"
    for inventory in inventories:
        assert {kind: inventory.kinds[kind] for kind in expected} == expected, combination
        assert not [kind for kind in absent if inventory.kinds[kind]], combination
        services = inventory.kinds["gcp:projects/service:Service"]
        assert services == len(combination.conventions.services)
        runner_roles = {role for _, role, member in inventory.grants if member == runner}
        assert runner_roles >= {
            RUNNER_ROLES["bucket"],
            RUNNER_ROLES["secrets"],
            RUNNER_ROLES["repository"],
        }


def test_the_runner_is_granted_the_model_server_only_where_there_is_one(
    combination: Combination, inventories: tuple[Inventory, Inventory]
) -> None:
    runner = f"serviceAccount:regenlab-dev-runner@{PROJECT}.iam.gserviceaccount.com"
    invoker = ("gcp:cloudrunv2/service:Service", RUNNER_ROLES["model_server"], runner)
    predictor_role = f"projects/{PROJECT}/roles/regenlab_dev_vertex_predictor"
    endpoint = "gcp:vertex/aiEndpointWithModelGardenDeployment:AiEndpointWithModelGardenDeployment"
    for inventory in inventories:
        assert (invoker in inventory.grants) == (combination.model_serving == "cloud_run")
        predictors = {g for g in inventory.grants if g[0] == endpoint}
        vertex = combination.model_serving == "vertex"
        assert predictors == ({(endpoint, predictor_role, runner)} if vertex else set())


def test_both_export_the_same_outputs(combination: Combination) -> None:
    terraform = {
        name for doc in _documents(GCP_MODULE) for block in doc.get("output", []) for name in block
    }
    settings = Settings(
        project_id=PROJECT, runner=combination.runner, model_serving=combination.model_serving
    )
    pulumi = set(record(settings).outputs)
    assert terraform == pulumi, (
        f"only in Terraform: {terraform - pulumi}; only in Pulumi: {pulumi - terraform}"
    )


def test_a_deliberate_difference_is_reported_readably() -> None:
    terraform = terraform_inventory(Combination("cloud_run", "none"))
    kinds = Counter(terraform.kinds)
    del kinds["gcp:cloudrunv2/job:Job"]
    kinds["gcp:storage/bucketIAMBinding:BucketIAMBinding"] += 1
    kinds["gcp:secretmanager/secret:Secret"] += 1
    runner = f"serviceAccount:regenlab-dev-runner@{PROJECT}.iam.gserviceaccount.com"
    bucket_grant = ("gcp:storage/bucket:Bucket", RUNNER_ROLES["bucket"], runner)
    grants = (terraform.grants - {bucket_grant}) | {
        ("gcp:storage/bucket:Bucket", "roles/storage.admin", runner)
    }
    altered = replace(terraform, kinds=kinds, grants=frozenset(grants))
    assert differences(terraform, altered) == [
        "kinds only in Terraform: gcp:cloudrunv2/job:Job (google_cloud_run_v2_job)",
        f"grants only in Terraform: gcp:storage/bucket:Bucket roles/storage.objectAdmin {runner}",
        "kinds only in Pulumi: gcp:storage/bucketIAMBinding:BucketIAMBinding "
        "(no Terraform twin in TERRAFORM_TO_PULUMI)",
        f"grants only in Pulumi: gcp:storage/bucket:Bucket roles/storage.admin {runner}",
        "gcp:secretmanager/secret:Secret (google_secret_manager_secret): "
        f"{len(SECRET_ENV)} in Terraform, {len(SECRET_ENV) + 1} in Pulumi",
    ]


def test_roles_and_members_resolve_through_the_conventions_twin() -> None:
    local_values = {"roles": "${module.conventions.runner_roles}"}
    assert resolve_role("${local.roles.bucket}", local_values) == RUNNER_ROLES["bucket"]
    quoted = '${module.conventions.runner_roles["secrets"]}'
    assert resolve_role(quoted, local_values) == RUNNER_ROLES["secrets"]
    assert resolve_role("roles/run.invoker", local_values) == "roles/run.invoker"
    custom = "${google_project_iam_custom_role.vertex_predictor[0].name}"
    assert resolve_role(custom, local_values) == (
        f"projects/{PROJECT}/roles/regenlab_dev_vertex_predictor"
    )
    with pytest.raises(AssertionError, match="not a conventions role"):
        resolve_role("${local.other.bucket}", local_values)
    conventions = Conventions(project_id=PROJECT)
    workload = "serviceAccount:${var.project_id}.svc.id.goog[${local.names.namespace}/runner]"
    assert resolve_member(workload, {}, conventions) == (
        f"serviceAccount:{PROJECT}.svc.id.goog[regenlab-dev/runner]"
    )
    with pytest.raises(AssertionError, match="cannot resolve the member"):
        resolve_member("${var.somebody}", {}, conventions)

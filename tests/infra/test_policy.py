"""Policy over the Terraform of both clouds, read from the HCL itself (no provider needed).

No primitive roles and no project-wide grants (but the one named in ALLOWED_PROJECT_GRANTS); no
public bucket or endpoint; no secret values; every resource that takes labels (GCP) or tags (AWS)
carries the conventions' labels. Each checker returns the violations it finds, and is shown to find
them in a deliberately bad module. The GCP module's contract for every runner and model serving
(least-privilege service accounts, deletion protection, the Vertex AI endpoint's one grant) is read
the same way, since the google provider cannot be had offline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions

TERRAFORM = Path(__file__).resolve().parents[2] / "infra" / "terraform"
MODULES = [TERRAFORM / "gcp", TERRAFORM / "aws", TERRAFORM / "modules" / "conventions"]
OPTIONS = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)

PRIMITIVE_ROLE = re.compile(
    r"roles/(owner|editor|viewer)\b|arn:aws:iam::aws:policy/(AdministratorAccess|PowerUserAccess)\b"
)
# Grants on a whole project, folder or organization: the runner's grants are each on one resource.
# (A custom role is a definition, not a grant.)
WIDE_GRANT = re.compile(r"^google_(project|folder|organization)_iam_(?!custom_role$)")
# The one project-level grant allowed, by address: GKE's node role to the nodes' own account (logs
# and metrics can only be written to a project). It must name exactly that role and member.
ALLOWED_PROJECT_GRANTS = {
    "google_project_iam_member.gke_nodes_default": (
        "${module.conventions.nodes_project_role}",
        "serviceAccount:${google_service_account.gke_nodes[0].email}",
    )
}
PUBLIC_MEMBER = re.compile(r"\ball(Authenticated)?Users\b")
PUBLIC_ACL = {"public-read", "public-read-write", "authenticated-read"}
SECRET_VERSIONS = {"google_secret_manager_secret_version", "aws_secretsmanager_secret_version"}
SECRET_VALUE = re.compile(
    r"sk-(ant-)?[A-Za-z0-9_-]{20,}"  # Anthropic, OpenAI
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|gh[pousr]_[A-Za-z0-9]{36}"  # GitHub token
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)
SECRET_NAME = re.compile(r"(^|_)(api_key|secret|token|password|credentials?)(_|$)")
BLOCK_PUBLIC = (
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
)

# Every resource type used must be listed here, so that a new one is a decision, not an oversight.
GCP_LABELLED = {
    "google_artifact_registry_repository",
    "google_cloud_run_v2_job",
    "google_cloud_run_v2_service",
    "google_container_cluster",
    "google_secret_manager_secret",
    "google_storage_bucket",
}
# The argument that holds a resource's labels, where it is not `labels`.
LABELS_ARGUMENT = {"google_container_cluster": "resource_labels"}
AWS_TAGGED = {
    "aws_cloudwatch_log_group",
    "aws_ecr_repository",
    "aws_ecs_cluster",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_kms_key",
    "aws_s3_bucket",
    "aws_secretsmanager_secret",
}
UNLABELLABLE = {
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_iam_role_policy",
    "aws_iam_role_policy_attachment",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_versioning",
    "google_artifact_registry_repository_iam_member",
    "google_cloud_run_v2_job_iam_member",
    "google_cloud_run_v2_service_iam_member",
    # Networks, subnets, routers and NAT gateways take no labels in the google provider.
    "google_compute_network",
    "google_compute_router",
    "google_compute_router_nat",
    "google_compute_subnetwork",
    "google_project_iam_custom_role",
    "google_project_iam_member",
    "google_project_service",
    "google_secret_manager_secret_iam_member",
    "google_service_account",
    "google_service_account_iam_member",
    "google_storage_bucket_iam_member",
    "google_vertex_ai_endpoint_iam_member",
    # Model Garden's deploy API takes no labels (only Google-managed system labels).
    "google_vertex_ai_endpoint_with_model_garden_deployment",
}
CONVENTIONS_LABELS = "${module.conventions.labels}"


@dataclass(frozen=True)
class Resource:
    """One `resource` block."""

    type: str
    name: str
    body: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.type}.{self.name}"


@dataclass(frozen=True)
class Module:
    """The parsed .tf files of one directory."""

    path: Path
    documents: list[dict[str, Any]]

    def blocks(self, kind: str) -> Iterator[dict[str, Any]]:
        for document in self.documents:
            yield from document.get(kind, [])

    @property
    def resources(self) -> list[Resource]:
        return [
            Resource(type_, name, body)
            for block in self.blocks("resource")
            for type_, named in block.items()
            for name, body in named.items()
        ]

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return {name: body for block in self.blocks("variable") for name, body in block.items()}

    @property
    def locals(self) -> dict[str, Any]:
        return {key: value for block in self.blocks("locals") for key, value in block.items()}

    def provider(self, name: str) -> dict[str, Any]:
        found = [block[name] for block in self.blocks("provider") if name in block]
        return found[0] if found else {}


def parse_module(path: Path) -> Module:
    """Parse every .tf file of a directory with python-hcl2."""
    documents = []
    for tf in sorted(path.glob("*.tf")):
        with tf.open() as file:
            documents.append(hcl2.load(file, serialization_options=OPTIONS))
    return Module(path, documents)


def _strings(value: Any) -> Iterator[str]:
    """Every string in a parsed value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _first(block: Any) -> dict[str, Any]:
    """A nested block, which python-hcl2 gives as a one-item list."""
    if isinstance(block, list):
        return block[0] if block else {}
    return block if isinstance(block, dict) else {}


# The checkers.


def iam_violations(module: Module) -> list[str]:
    """Primitive roles anywhere, and grants wider than one resource."""
    found = [
        f"primitive role {text!r}"
        for text in _strings(module.documents)
        if PRIMITIVE_ROLE.search(text)
    ]
    for r in module.resources:
        if not WIDE_GRANT.match(r.type):
            continue
        allowed = ALLOWED_PROJECT_GRANTS.get(str(r))
        if allowed is None or (r.body.get("role"), r.body.get("member")) != allowed:
            found.append(f"{r}: grants on a whole project")
    return found


def _s3_public_blocks(module: Module) -> dict[str, dict[str, Any]]:
    """Each public access block, by the text of the bucket it points at."""
    return {
        str(r.body.get("bucket", "")): r.body
        for r in module.resources
        if r.type == "aws_s3_bucket_public_access_block"
    }


def _s3_bucket_is_blocked(bucket: Resource, blocks: dict[str, dict[str, Any]]) -> bool:
    pattern = re.compile(rf"\baws_s3_bucket\.{re.escape(bucket.name)}\b")
    return any(
        pattern.search(ref) and all(body.get(flag) is True for flag in BLOCK_PUBLIC)
        for ref, body in blocks.items()
    )


def public_bucket_violations(module: Module) -> list[str]:
    """Public members or ACLs, and buckets without every public-access guard."""
    found = [f"public member {t!r}" for t in _strings(module.documents) if PUBLIC_MEMBER.search(t)]
    blocks = _s3_public_blocks(module)
    for r in module.resources:
        if r.type == "google_storage_bucket":
            if r.body.get("public_access_prevention") != "enforced":
                found.append(f"{r}: public_access_prevention must be enforced")
            if r.body.get("uniform_bucket_level_access") is not True:
                found.append(f"{r}: uniform_bucket_level_access must be true")
        elif r.type == "aws_s3_bucket" and not _s3_bucket_is_blocked(r, blocks):
            found.append(f"{r}: needs a public access block with all four flags true")
        elif r.type == "aws_s3_bucket_acl" and r.body.get("acl") in PUBLIC_ACL:
            found.append(f"{r}: public ACL {r.body['acl']!r}")
    return found


def secret_violations(module: Module) -> list[str]:
    """Secret values in the code or in variables' defaults, and secret-version resources."""
    found = [
        f"{r}: puts a secret value in the state"
        for r in module.resources
        if r.type in SECRET_VERSIONS
    ]
    found += [
        f"secret-looking value {t[:12]!r}..."
        for t in _strings(module.documents)
        if SECRET_VALUE.search(t)
    ]
    for name, body in module.variables.items():
        if SECRET_NAME.search(name) and body.get("default") not in (None, ""):
            found.append(f"variable {name}: a secret must have no default")
    return found


def _is_conventions_labels(value: Any, local_values: dict[str, Any]) -> bool:
    """True for module.conventions.labels, directly or through a local."""
    if value == CONVENTIONS_LABELS:
        return True
    match = re.fullmatch(r"\$\{local\.(\w+)\}", value) if isinstance(value, str) else None
    return match is not None and local_values.get(match.group(1)) == CONVENTIONS_LABELS


def label_violations(module: Module) -> list[str]:
    """Resources that take labels or tags but lack the conventions' labels."""
    local_values = module.locals
    aws_defaults = _first(module.provider("aws").get("default_tags")).get("tags")
    gcp_defaults = module.provider("google").get("default_labels")
    found = []
    for r in module.resources:
        if r.type in GCP_LABELLED:
            labels = r.body.get(LABELS_ARGUMENT.get(r.type, "labels"), gcp_defaults)
            if not _is_conventions_labels(labels, local_values):
                found.append(f"{r}: labels must be the conventions labels")
        elif r.type in AWS_TAGGED:
            tags = r.body.get("tags", aws_defaults)
            if not _is_conventions_labels(tags, local_values):
                found.append(f"{r}: tags (or the provider's default_tags) must be the labels")
        elif r.type not in UNLABELLABLE:
            found.append(f"{r}: unknown type; list it in GCP_LABELLED, AWS_TAGGED or UNLABELLABLE")
    return found


CHECKERS: list[Callable[[Module], list[str]]] = [
    iam_violations,
    public_bucket_violations,
    secret_violations,
    label_violations,
]


@pytest.fixture(scope="module", params=MODULES, ids=lambda path: path.name)
def module(request: pytest.FixtureRequest) -> Module:
    path: Path = request.param
    assert path.is_dir() and any(path.glob("*.tf")), f"{path} holds no Terraform"
    return parse_module(path)


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_module_passes_policy(module: Module, checker: Callable[[Module], list[str]]) -> None:
    assert checker(module) == []


def test_the_deployments_have_resources_to_check(module: Module) -> None:
    if module.path.name in ("gcp", "aws"):
        assert len(module.resources) >= 8
        assert any(r.type in GCP_LABELLED | AWS_TAGGED for r in module.resources)


# A module that breaks every rule: each checker must report its own violations in it.
FAKE_KEY = "sk-ant-" + "x" * 30
BAD_MODULE = f"""
variable "anthropic_api_key" {{
  default = "{FAKE_KEY}"
}}

resource "google_project_iam_member" "runner" {{
  project = "p"
  role    = "roles/editor"
  member  = "serviceAccount:runner@p.iam.gserviceaccount.com"
}}

resource "google_storage_bucket" "open" {{
  name     = "open"
  location = "US"
}}

resource "google_storage_bucket_iam_member" "world" {{
  bucket = google_storage_bucket.open.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}}

resource "google_secret_manager_secret_version" "key" {{
  secret      = "projects/p/secrets/key"
  secret_data = var.anthropic_api_key
}}

resource "aws_s3_bucket" "open" {{
  bucket = "open"
}}

resource "google_project_iam_member" "gke_nodes_default" {{
  project = "p"
  role    = "roles/container.admin"
  member  = "serviceAccount:${{google_service_account.gke_nodes[0].email}}"
}}

resource "aws_s3_bucket_public_access_block" "open" {{
  bucket                  = aws_s3_bucket.open.id
  block_public_acls       = true
  block_public_policy     = false
  ignore_public_acls      = true
  restrict_public_buckets = true
}}

resource "aws_iam_role_policy_attachment" "admin" {{
  role       = "runner"
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}}

resource "azurerm_storage_account" "elsewhere" {{
  name = "elsewhere"
}}
"""
EXPECTED: dict[str, list[str]] = {
    "iam_violations": [
        "primitive role 'roles/editor'",
        "google_project_iam_member.runner: grants on a whole project",
        "google_project_iam_member.gke_nodes_default: grants on a whole project",
        "primitive role 'arn:aws:iam::aws:policy/AdministratorAccess'",
    ],
    "public_bucket_violations": [
        "public member 'allUsers'",
        "google_storage_bucket.open: public_access_prevention must be enforced",
        "google_storage_bucket.open: uniform_bucket_level_access must be true",
        "aws_s3_bucket.open: needs a public access block with all four flags true",
    ],
    "secret_violations": [
        "google_secret_manager_secret_version.key: puts a secret value in the state",
        "secret-looking value 'sk-ant-xxxxx'...",
        "variable anthropic_api_key: a secret must have no default",
    ],
    "label_violations": [
        "google_storage_bucket.open: labels must be the conventions labels",
        "google_secret_manager_secret_version.key: unknown type; list it in GCP_LABELLED, "
        "AWS_TAGGED or UNLABELLABLE",
        "aws_s3_bucket.open: tags (or the provider's default_tags) must be the labels",
        "azurerm_storage_account.elsewhere: unknown type; list it in GCP_LABELLED, "
        "AWS_TAGGED or UNLABELLABLE",
    ],
}


@pytest.mark.parametrize("checker", CHECKERS, ids=lambda checker: checker.__name__)
def test_each_checker_catches_a_bad_module(
    tmp_path: Path, checker: Callable[[Module], list[str]]
) -> None:
    (tmp_path / "main.tf").write_text(BAD_MODULE)
    assert sorted(checker(parse_module(tmp_path))) == sorted(EXPECTED[checker.__name__])


def test_labels_through_a_local_or_default_tags_count(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        """
locals {
  labels = module.conventions.labels
}
provider "aws" {
  default_tags {
    tags = module.conventions.labels
  }
}
resource "google_storage_bucket" "runs" {
  labels = local.labels
}
resource "aws_s3_bucket" "runs" {
  bucket = "runs"
}
resource "google_cloud_run_v2_job" "runner" {
  labels = { app = "regenlab" }
}
"""
    )
    assert label_violations(parse_module(tmp_path)) == [
        "google_cloud_run_v2_job.runner: labels must be the conventions labels"
    ]


# The GCP module cannot be planned offline (no google provider here): its contract is read instead.

GCP_RESOURCE_TYPES = {
    "google_project_service",
    "google_artifact_registry_repository",
    "google_artifact_registry_repository_iam_member",
    "google_storage_bucket",
    "google_storage_bucket_iam_member",
    "google_secret_manager_secret",
    "google_secret_manager_secret_iam_member",
    "google_service_account",
    "google_service_account_iam_member",
    "google_cloud_run_v2_job",
    "google_cloud_run_v2_service",
    "google_cloud_run_v2_service_iam_member",
    "google_compute_network",
    "google_compute_subnetwork",
    "google_compute_router",
    "google_compute_router_nat",
    "google_container_cluster",
    "google_project_iam_member",
    "google_project_iam_custom_role",
    "google_vertex_ai_endpoint_with_model_garden_deployment",
    "google_vertex_ai_endpoint_iam_member",
}
GCP_OUTPUTS = {
    "bucket",
    "repository_url",
    "image",
    "runner",
    "model_serving",
    "job",
    "cluster",
    "namespace",
    "kubernetes_service_account",
    "secrets",
    "deletion_protection",
    "service_account_email",
    "region",
    "project_id",
    "run_command",
    "pull_command",
    "model_base_url",
}
GCP_DEFAULTS = {
    "region": "us-central1",
    "image": "",
    "name": "regenlab",
    "environment": "dev",
    "labels": {},
    "task_count": 1,
    "parallelism": 1,
    "cpu": "2",
    "memory": "4Gi",
    "task_timeout": "3600s",
    "max_retries": 1,
    "run_retention_days": 90,
    "runner": "cloud_run",
    "model_serving": "none",
    "deletion_protection": None,
    "model_server_model": "Qwen/Qwen2.5-Coder-7B-Instruct",
    "vertex_machine_type": "g2-standard-12",
    "vertex_min_replicas": 1,
    "vertex_max_replicas": 1,
    "vertex_accept_eula": False,
    "gke_release_channel": "REGULAR",
    "gke_node_logging": True,
    "gke_authorized_networks": [],
}
# Each optional resource and the switch that makes it (the count the module gives it).
OPTIONAL = {
    "local.cloud_run_runner": {"google_cloud_run_v2_job.runner"},
    "local.serve_cloud_run": {
        "google_cloud_run_v2_service.model_server",
        "google_cloud_run_v2_service_iam_member.runner_invoker",
        "google_service_account.model_server",
    },
    "local.serve_vertex": {
        "google_vertex_ai_endpoint_with_model_garden_deployment.model",
        "google_project_iam_custom_role.vertex_predictor",
        "google_vertex_ai_endpoint_iam_member.runner_predictor",
    },
    "local.gke": {
        "google_compute_network.gke",
        "google_compute_subnetwork.gke",
        "google_compute_router.gke",
        "google_compute_router_nat.gke",
        "google_service_account.gke_nodes",
        "google_artifact_registry_repository_iam_member.gke_nodes_reader",
        "google_container_cluster.runner",
        "google_service_account_iam_member.runner_workload_identity",
    },
    "local.gke && var.gke_node_logging": {"google_project_iam_member.gke_nodes_default"},
}
# Every service account of the module and the grants it may hold: (resource type, role).
ACCOUNT_GRANTS = {
    "runner": {
        ("google_storage_bucket_iam_member", "${local.roles.bucket}"),
        ("google_secret_manager_secret_iam_member", "${local.roles.secrets}"),
        ("google_artifact_registry_repository_iam_member", "${local.roles.repository}"),
        ("google_cloud_run_v2_service_iam_member", "${local.roles.model_server}"),
        (
            "google_vertex_ai_endpoint_iam_member",
            "${google_project_iam_custom_role.vertex_predictor[0].name}",
        ),
    },
    "gke_nodes": {
        ("google_artifact_registry_repository_iam_member", "${local.roles.repository}"),
        ("google_project_iam_member", "${module.conventions.nodes_project_role}"),
    },
    # The model server needs nothing: its image is public and its logs are stdout.
    "model_server": set(),
}
PROTECTION = "${local.deletion_protection}"
ENDPOINT = "google_vertex_ai_endpoint_with_model_garden_deployment.model"


@pytest.fixture(scope="module")
def gcp() -> Module:
    return parse_module(TERRAFORM / "gcp")


def _resolve(module: Module, text: str) -> str:
    """Substitute the module's plain string locals into a string."""
    local_values = module.locals
    return re.sub(
        r"\$\{local\.(\w+)\}",
        lambda match: _resolve(module, str(local_values[match.group(1)])),
        text,
    )


def _one(module: Module, type_: str) -> dict[str, Any]:
    (body,) = [r.body for r in module.resources if r.type == type_]
    return body


def _address(resource: Resource) -> str:
    return f"{resource.type}.{resource.name}"


def _member_account(member: str) -> str:
    """The module's service account a member expression names (runner, gke_nodes, ...)."""
    if member == "${local.runner_member}":
        return "runner"
    match = re.fullmatch(r"serviceAccount:\$\{google_service_account\.(\w+)\[0\]\.email\}", member)
    assert match, f"{member!r} is not one of the module's service accounts"
    return match.group(1)


def test_gcp_module_has_the_contracts_resources_inputs_and_outputs(gcp: Module) -> None:
    assert {r.type for r in gcp.resources} == GCP_RESOURCE_TYPES
    outputs = {name for block in gcp.blocks("output") for name in block}
    assert outputs == GCP_OUTPUTS
    variables = gcp.variables
    assert "default" not in variables["project_id"]
    assert {name: variables[name].get("default") for name in GCP_DEFAULTS} == GCP_DEFAULTS
    assert variables["model_server_image"]["default"].startswith("vllm/vllm-openai:v")
    (settings,) = gcp.blocks("terraform")
    assert _first(settings["backend"]) == {"local": {}}
    providers = _first(settings["required_providers"])
    assert providers["google"]["source"] == "hashicorp/google"
    assert providers["google-beta"]["source"] == "hashicorp/google-beta"


def test_gcp_runner_and_model_serving_reach_the_conventions(gcp: Module) -> None:
    (conventions,) = [block["conventions"] for block in gcp.blocks("module")]
    assert conventions["runner"] == "${var.runner}"
    assert conventions["model_serving"] == "${var.model_serving}"
    local_values = gcp.locals
    assert local_values["gke"] == '${var.runner == "gke"}'
    assert local_values["cloud_run_runner"] == '${var.runner == "cloud_run"}'
    assert local_values["serve_cloud_run"] == '${var.model_serving == "cloud_run"}'
    assert local_values["serve_vertex"] == '${var.model_serving == "vertex"}'


def test_gcp_each_optional_resource_exists_only_with_its_switch(gcp: Module) -> None:
    counted = {_address(r): r.body["count"] for r in gcp.resources if "count" in r.body}
    expected = {
        address: f"${{{switch} ? 1 : 0}}"
        for switch, addresses in OPTIONAL.items()
        for address in addresses
    }
    assert counted == expected


def test_gcp_no_service_account_holds_more_than_its_grants(gcp: Module) -> None:
    held: dict[str, set[tuple[str, str]]] = {account: set() for account in ACCOUNT_GRANTS}
    accounts = {r.name for r in gcp.resources if r.type == "google_service_account"}
    assert accounts == set(ACCOUNT_GRANTS), "every service account has its grants listed"
    for r in gcp.resources:
        member = r.body.get("member")
        if member is None or r.type == "google_service_account_iam_member":
            continue
        held[_member_account(str(member))].add((r.type, str(r.body["role"])))
    assert held == ACCOUNT_GRANTS


def test_gcp_only_the_gke_jobs_kubernetes_account_may_act_as_the_runner(gcp: Module) -> None:
    (grant,) = [r.body for r in gcp.resources if r.type == "google_service_account_iam_member"]
    assert grant["service_account_id"] == "${google_service_account.runner.name}"
    assert grant["role"] == "${local.roles.workload_identity}"
    assert grant["member"] == (
        "serviceAccount:${var.project_id}.svc.id.goog"
        "[${local.names.namespace}/${local.names.kubernetes_service_account}]"
    )


def test_gcp_deletion_protection_is_wired_to_everything_that_has_it(gcp: Module) -> None:
    local_values = gcp.locals
    assert local_values["deletion_protection"] == (
        '${var.deletion_protection == null ? var.environment == "prod" : var.deletion_protection}'
    )
    protected = {
        _address(r): r.body.get("deletion_protection")
        for r in gcp.resources
        if r.type
        in {"google_container_cluster", "google_cloud_run_v2_job"} | {"google_cloud_run_v2_service"}
    }
    assert protected == dict.fromkeys(
        [
            "google_container_cluster.runner",
            "google_cloud_run_v2_job.runner",
            "google_cloud_run_v2_service.model_server",
        ],
        PROTECTION,
    )
    assert _one(gcp, "google_storage_bucket")["force_destroy"] == "${!local.deletion_protection}"


def test_gcp_gke_cluster_is_private_autopilot_with_workload_identity(gcp: Module) -> None:
    cluster = _one(gcp, "google_container_cluster")
    assert cluster["enable_autopilot"] is True
    assert cluster["resource_labels"] == "${local.labels}"
    assert _first(cluster["release_channel"])["channel"] == "${var.gke_release_channel}"
    private = _first(cluster["private_cluster_config"])
    assert private["enable_private_nodes"] is True
    pool = _first(cluster["workload_identity_config"])["workload_pool"]
    assert pool == "${var.project_id}.svc.id.goog"
    assert _first(cluster["secret_manager_config"])["enabled"] is True
    fuse = _first(_first(cluster["addons_config"])["gcs_fuse_csi_driver_config"])
    assert fuse["enabled"] is True
    defaults = _first(_first(cluster["cluster_autoscaling"])["auto_provisioning_defaults"])
    assert defaults["service_account"] == "${google_service_account.gke_nodes[0].email}"
    authorized = _first(cluster["master_authorized_networks_config"])
    assert authorized["gcp_public_cidrs_access_enabled"] is False
    subnet = _one(gcp, "google_compute_subnetwork")
    assert subnet["private_ip_google_access"] is True


def test_gcp_vertex_endpoint_is_private_to_the_runner(gcp: Module) -> None:
    model = _one(gcp, "google_vertex_ai_endpoint_with_model_garden_deployment")
    assert model["hugging_face_model_id"] == "${var.model_server_model}"
    resources = _first(_first(model["deploy_config"])["dedicated_resources"])
    assert resources["min_replica_count"] == "${var.vertex_min_replicas}"
    assert resources["max_replica_count"] == "${var.vertex_max_replicas}"
    assert _first(resources["machine_spec"])["machine_type"] == "${var.vertex_machine_type}"
    role = _one(gcp, "google_project_iam_custom_role")
    assert role["permissions"] == "${module.conventions.vertex_predictor_permissions}"
    grants = [r.body for r in gcp.resources if r.type.startswith("google_vertex_ai_endpoint_iam")]
    assert grants == [
        {
            "count": "${local.serve_vertex ? 1 : 0}",
            "provider": "google-beta",
            "project": "${var.project_id}",
            "location": "${var.region}",
            "endpoint": f"${{{ENDPOINT}[0].endpoint}}",
            "role": "${google_project_iam_custom_role.vertex_predictor[0].name}",
            "member": "${local.runner_member}",
        }
    ], "one grant, of predict only, to the runner only"


def test_gcp_job_mounts_the_bucket_and_runs_the_experiment(gcp: Module) -> None:
    job = _one(gcp, "google_cloud_run_v2_job")
    assert job["deletion_protection"] == PROTECTION
    task = _first(_first(job["template"])["template"])
    assert task["service_account"] == "${google_service_account.runner.email}"
    container = _first(task["containers"])
    args = [_resolve(gcp, arg) for arg in container["args"]]
    assert args == ["experiment", "cloud", "task", "/mnt/runs/experiments/experiment.yaml"]
    assert _resolve(gcp, _first(container["volume_mounts"])["mount_path"]) == "/mnt/runs"
    env = {item["name"]: _resolve(gcp, item["value"]) for item in container["env"]}
    assert env == {"REGENLAB_RUNS_DIR": "/mnt/runs"}
    secrets, base_url = (item["env"] for item in container["dynamic"])
    assert secrets["for_each"] == "${google_secret_manager_secret.api_key}"
    ref = _first(_first(_first(secrets["content"])["value_source"])["secret_key_ref"])
    assert ref["version"] == "latest"
    assert base_url["for_each"] == '${var.model_serving == "none" ? [] : [local.model_base_url]}'
    assert _first(base_url["content"])["name"] == "OPENAI_COMPATIBLE_BASE_URL"
    gcs = _first(_first(task["volumes"])["gcs"])
    assert gcs == {"bucket": "${google_storage_bucket.runs.name}", "read_only": False}


def test_gcp_bucket_expires_runs(gcp: Module) -> None:
    bucket = _one(gcp, "google_storage_bucket")
    assert _first(bucket["versioning"])["enabled"] is True
    ages = [_first(rule["condition"]).get("age") for rule in bucket["lifecycle_rule"]]
    assert "${var.run_retention_days}" in ages


def test_gcp_model_server_on_cloud_run_takes_the_runners_token_only(gcp: Module) -> None:
    server = _one(gcp, "google_cloud_run_v2_service")
    assert server["deletion_protection"] == PROTECTION
    assert _first(_first(server["template"])["node_selector"])["accelerator"] == "nvidia-l4"
    invoker = _one(gcp, "google_cloud_run_v2_service_iam_member")
    assert (invoker["role"], invoker["member"]) == (
        "${local.roles.model_server}",
        "${local.runner_member}",
    )

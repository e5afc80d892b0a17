"""The conventions: the Python twin's rules, and that the Terraform module computes the same."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from infra.conventions import (
    AWS_REGIONS,
    CLOUD_RUN_GPU_REGIONS,
    GCP_REGIONS,
    GKE_IP_RANGES,
    NODES_PROJECT_ROLE,
    RUNNER_ROLES,
    SECRET_ENV,
    SERVICES,
    VERTEX_MACHINES,
    VERTEX_PREDICTOR_PERMISSIONS,
    Conventions,
)
from tests.infra.terraform_support import offline_terraform_env

MODULE = Path(__file__).resolve().parents[2] / "infra" / "terraform" / "modules" / "conventions"
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}

# Inputs the twins must agree on, valid ones first.
VALID = [
    Conventions(project_id="my-project-1"),
    Conventions(name="lab-7", environment="prod", region="europe-west4", project_id="p-123456"),
    Conventions(environment="staging", cloud="aws", region="eu-west-1"),
    Conventions(cloud="aws", region="ap-southeast-4", extra_labels={"team": "evals", "app": "x"}),
    Conventions(name="abcdefghijklmno", environment="staging", project_id="a" * 30),
    Conventions(project_id="my-project-1", runner="gke", model_serving="vertex"),
    Conventions(project_id="my-project-1", region="europe-west4", model_serving="cloud_run"),
    Conventions(project_id="my-project-1", region="us-west1", runner="gke"),
]
# Each bad input with the field its error must name.
INVALID = [
    (Conventions(name="Bad_Name", project_id="my-project-1"), "name"),
    (Conventions(name="abcdefghijklmnop", environment="staging", project_id="p-12345"), "name"),
    (Conventions(environment="qa", project_id="my-project-1"), "environment"),
    (Conventions(cloud="azure", project_id="my-project-1"), "cloud"),
    (Conventions(region="us-east-1", project_id="my-project-1"), "region"),
    (Conventions(cloud="aws", region="us-central1"), "region"),
    (Conventions(project_id="9-starts-with-a-digit"), "project_id"),
    (Conventions(project_id=""), "project_id"),
    (Conventions(project_id="my-project-1", extra_labels={"Team": "x"}), "extra_labels"),
    (Conventions(project_id="my-project-1", runner="lambda"), "runner"),
    (Conventions(cloud="aws", region="us-east-1", runner="gke"), "runner"),
    (Conventions(project_id="my-project-1", model_serving="sagemaker"), "model_serving"),
    (Conventions(cloud="aws", region="us-east-1", model_serving="vertex"), "model_serving"),
    (
        Conventions(project_id="my-project-1", region="us-west1", model_serving="cloud_run"),
        "model_serving",
    ),
]


def test_prefix_and_gcp_names() -> None:
    conv = Conventions(project_id="my-project-1")
    assert conv.prefix == "regenlab-dev"
    assert conv.names == {
        "bucket": "my-project-1-regenlab-dev-runs",
        "repository": "regenlab-dev-runner",
        "service_account": "regenlab-dev-runner",
        "job": "regenlab-dev-runner",
        "model_server": "regenlab-dev-vllm",
        "cluster": "regenlab-dev-runner",
        "network": "regenlab-dev-net",
        "router": "regenlab-dev-router",
        "nat": "regenlab-dev-nat",
        "nodes_service_account": "regenlab-dev-nodes",
        "namespace": "regenlab-dev",
        "kubernetes_service_account": "runner",
        "vertex_predictor_role": "regenlab_dev_vertex_predictor",
        "secrets": {
            "ANTHROPIC_API_KEY": "regenlab-dev-anthropic-api-key",
            "OPENAI_API_KEY": "regenlab-dev-openai-api-key",
        },
    }


def test_an_aws_bucket_is_named_after_its_region() -> None:
    conv = Conventions(environment="prod", cloud="aws", region="eu-west-1")
    assert conv.names["bucket"] == "regenlab-prod-runs-eu-west-1"


def test_labels_add_extra_labels_but_the_standard_ones_win() -> None:
    conv = Conventions(extra_labels={"team": "evals", "managed-by": "someone"})
    assert conv.labels() == {
        "team": "evals",
        "app": "regenlab",
        "component": "experiment-runner",
        "environment": "dev",
        "managed-by": "terraform",
        "runner": "cloud-run",
        "model-serving": "none",
    }
    assert conv.labels(managed_by="pulumi")["managed-by"] == "pulumi"
    aws = Conventions(cloud="aws", region="us-east-1")
    assert "runner" not in aws.labels() and "model-serving" not in aws.labels()


def test_the_runner_and_the_model_serving_add_their_apis_and_labels() -> None:
    conv = Conventions(project_id="my-project-1", runner="gke", model_serving="vertex")
    assert conv.services == tuple(
        sorted(
            (
                *SERVICES,
                "compute.googleapis.com",
                "container.googleapis.com",
                "aiplatform.googleapis.com",
            )
        )
    )
    assert Conventions(project_id="my-project-1").services == SERVICES
    assert conv.labels()["runner"] == "gke" and conv.labels()["model-serving"] == "vertex"


def test_roles_services_and_secrets() -> None:
    assert set(RUNNER_ROLES) == {
        "bucket",
        "secrets",
        "repository",
        "model_server",
        "workload_identity",
    }
    assert not PRIMITIVE_ROLES & set(RUNNER_ROLES.values())
    assert VERTEX_PREDICTOR_PERMISSIONS == ("aiplatform.endpoints.predict",)
    assert NODES_PROJECT_ROLE == "roles/container.defaultNodeServiceAccount"
    assert "run.googleapis.com" in SERVICES and list(SERVICES) == sorted(SERVICES)
    assert SECRET_ENV == ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")


def test_region_lists_are_sorted_and_disjoint() -> None:
    for regions in (GCP_REGIONS, AWS_REGIONS):
        assert list(regions) == sorted(set(regions))
    assert not set(GCP_REGIONS) & set(AWS_REGIONS)


@pytest.mark.parametrize("conv", VALID, ids=lambda c: f"{c.cloud}-{c.name}-{c.environment}")
def test_valid_inputs_pass(conv: Conventions) -> None:
    assert conv.validate() is conv


@pytest.mark.parametrize(("conv", "field"), INVALID, ids=[field for _, field in INVALID])
def test_each_bad_input_is_named_in_a_one_line_error(conv: Conventions, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: ") as caught:
        conv.validate()
    message = str(caught.value)
    assert "\n" not in message
    assert "; " in message, "the message must say how to fix the input"


# The Terraform module against its twin.


def _terraform_or_skip() -> str:
    """The terraform binary; in CI a missing one fails the test instead of skipping it."""
    path = shutil.which("terraform")
    if path is None:
        reason = "terraform is not installed (scripts/setup installs it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _module_inputs(conv: Conventions) -> dict[str, Any]:
    inputs = asdict(conv)
    inputs["extra_labels"] = dict(conv.extra_labels)
    return inputs


def _root_module(tmp_path: Path, cases: list[Conventions]) -> Path:
    """A root module that calls the conventions module once per case and outputs each call."""
    root = tmp_path / "root"
    root.mkdir()
    blocks = []
    for index, conv in enumerate(cases):
        args = "\n".join(
            f"  {key} = {json.dumps(value)}" for key, value in _module_inputs(conv).items()
        )
        blocks.append(
            f'module "case{index}" {{\n  source = "{MODULE.as_posix()}"\n{args}\n}}\n'
            f'output "case{index}" {{\n  value = module.case{index}\n}}\n'
        )
    (root / "main.tf").write_text("\n".join(blocks))
    return root


def _expected(conv: Conventions) -> dict[str, Any]:
    return {
        "prefix": conv.prefix,
        "names": conv.names,
        "labels": conv.labels(managed_by="terraform"),
        "runner_roles": dict(RUNNER_ROLES),
        "services": list(conv.services),
        "secret_env": list(SECRET_ENV),
        "regions": {"gcp": list(GCP_REGIONS), "aws": list(AWS_REGIONS)},
        "vertex_predictor_permissions": list(VERTEX_PREDICTOR_PERMISSIONS),
        "nodes_project_role": NODES_PROJECT_ROLE,
        "vertex_machines": {name: dict(spec) for name, spec in VERTEX_MACHINES.items()},
        "cloud_run_gpu_regions": list(CLOUD_RUN_GPU_REGIONS),
        "gke_ip_ranges": dict(GKE_IP_RANGES),
    }


def test_terraform_module_computes_what_the_twin_computes(tmp_path: Path) -> None:
    terraform = _terraform_or_skip()
    env = offline_terraform_env(tmp_path)
    root = _root_module(tmp_path, VALID)
    for command in (["init"], ["apply", "-auto-approve"]):
        done = _run([terraform, *command, "-no-color"], root, env)
        assert done.returncode == 0, done.stdout + done.stderr
    done = _run([terraform, "output", "-json"], root, env)
    assert done.returncode == 0, done.stderr
    outputs = json.loads(done.stdout)
    for index, conv in enumerate(VALID):
        assert outputs[f"case{index}"]["value"] == _expected(conv), f"case{index}: {conv}"


def test_terraform_module_rejects_what_the_twin_rejects(tmp_path: Path) -> None:
    terraform = _terraform_or_skip()
    env = offline_terraform_env(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    variables = "\n".join(f'variable "{key}" {{}}' for key in _module_inputs(Conventions()))
    passthrough = "\n".join(f"  {key} = var.{key}" for key in _module_inputs(Conventions()))
    module = f'module "conventions" {{\n  source = "{MODULE.as_posix()}"\n{passthrough}\n}}\n'
    (root / "main.tf").write_text(f"{variables}\n{module}")
    done = _run([terraform, "init", "-no-color"], root, env)
    assert done.returncode == 0, done.stderr
    for conv, field in INVALID:
        (root / "case.tfvars.json").write_text(json.dumps(_module_inputs(conv)))
        done = _run([terraform, "plan", "-no-color", "-var-file=case.tfvars.json"], root, env)
        assert done.returncode != 0, f"terraform accepted {conv}"
        assert f"{field}: " in done.stderr, f"{conv}: {done.stderr}"

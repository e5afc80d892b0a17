"""What `experiment cloud …` does: validate the inputs, then drive Terraform and gcloud.

Every check that can fail before a cloud is touched runs first, in the order a user fixes
them: the inputs (project, region, names), then the tools (terraform, gcloud), then the
credentials; each failure is one line with the fix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from infra import TERRAFORM_DIR
from infra._credentials import check_aws, check_gcp
from infra._errors import InfraError
from infra._task import BUCKET_MOUNT
from infra._terraform import Cloud, Deployment, Terraform, find_terraform
from infra.conventions import Conventions

DEFAULT_REGIONS: Mapping[str, str] = {"gcp": "us-central1", "aws": "us-east-1"}
PROJECT_ENV = ("GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT")
IMAGE_ROOT = "/app"
"""Where the runner image holds the project (the Dockerfile's WORKDIR)."""
GCLOUD_HINT = "install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install)"


def default_state_dir(cloud: str) -> Path:
    """`.regenlab/cloud/<cloud>` under the current folder."""
    return Path(".regenlab") / "cloud" / cloud


@dataclass
class Inputs:
    """The flags of `plan` and `up`; None means "as at the last `up`, else the default"."""

    cloud: Cloud = "gcp"
    project: str | None = None
    region: str | None = None
    name: str | None = None
    environment: str | None = None
    image: str | None = None
    endpoint: str | None = None
    runner: str | None = None
    model_serving: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def parse_vars(pairs: list[str]) -> dict[str, Any]:
    """`KEY=VALUE` pairs; a VALUE that reads as JSON (4, true, ["a"]) is that value."""
    found: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InfraError(f"--var {pair!r}: not KEY=VALUE; fix: write e.g. --var task_count=4")
        try:
            found[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            found[key.strip()] = value
    return found


def deployment_for(inputs: Inputs, state_dir: Path) -> Deployment:
    """The deployment these inputs describe, on top of what the state folder remembers."""
    saved: dict[str, Any] = {}
    if (state_dir / "deployment.json").is_file():
        previous = Deployment.load(state_dir)
        if previous.cloud != inputs.cloud:
            raise InfraError(
                f"{state_dir}: holds a {previous.cloud} deployment, not {inputs.cloud}; fix: "
                "pass another --state-dir"
            )
        saved = dict(previous.variables)
    variables = saved | _given(inputs)
    variables.setdefault("region", DEFAULT_REGIONS[inputs.cloud])
    if inputs.cloud == "gcp" and not variables.get("project_id"):
        env_project = next((os.environ[n] for n in PROJECT_ENV if os.environ.get(n)), None)
        if env_project is None:
            raise InfraError(
                "no GCP project id: --project is required for --cloud gcp; fix: pass "
                "--project YOUR_PROJECT_ID (or set GOOGLE_CLOUD_PROJECT)"
            )
        variables["project_id"] = env_project
    _validate(inputs.cloud, variables)
    return Deployment(inputs.cloud, state_dir, variables)


def _given(inputs: Inputs) -> dict[str, Any]:
    given = {
        "project_id": inputs.project,
        "region": inputs.region,
        "name": inputs.name,
        "environment": inputs.environment,
        "image": inputs.image,
        "endpoint": inputs.endpoint,
        "runner": inputs.runner,
        "model_serving": inputs.model_serving,
    }
    if inputs.cloud == "aws":
        for flag, value in (
            ("--project", inputs.project),
            ("--runner", inputs.runner),
            ("--model-serving", inputs.model_serving),
        ):
            if value:
                raise InfraError(f"{flag} is for --cloud gcp; fix: leave it out for aws")
    if inputs.cloud == "gcp" and inputs.endpoint:
        raise InfraError("--endpoint is for --cloud aws; fix: leave it out for gcp")
    if "enable_model_server" in inputs.extra:
        raise InfraError(
            "--var enable_model_server: replaced by --model-serving; fix: pass --model-serving "
            "cloud_run (vLLM on a Cloud Run GPU) or vertex (a Vertex AI endpoint)"
        )
    return {k: v for k, v in given.items() if v is not None} | inputs.extra


def _validate(cloud: str, variables: Mapping[str, Any]) -> None:
    conventions = Conventions(
        name=variables.get("name", "regenlab"),
        environment=variables.get("environment", "dev"),
        cloud=cloud,
        region=variables["region"],
        project_id=variables.get("project_id", "") if cloud == "gcp" else "",
        runner=variables.get("runner", "cloud_run"),
        model_serving=variables.get("model_serving", "none"),
    )
    try:
        conventions.validate()
    except ValueError as exc:
        # The twin names Terraform's variables; the user typed flags.
        field, _, rest = str(exc).partition(":")
        flag = field.replace("project_id", "project").replace("_", "-")
        problem, _, fix = rest.partition("; ")
        raise InfraError(f"--{flag}:{problem}; fix: {fix}") from None


def expect(deployment: Deployment, runner: str | None, model_serving: str | None) -> None:
    """InfraError when --runner or --model-serving names another than the deployment's."""
    for flag, key, given, default in (
        ("--runner", "runner", runner, "cloud_run"),
        ("--model-serving", "model_serving", model_serving, "none"),
    ):
        actual = deployment.variables.get(key, default)
        if given is not None and given != actual:
            raise InfraError(
                f"{flag} {given}: the deployment in {deployment.state_dir} has {key} {actual}; "
                f"fix: leave {flag} out, or change it with `experiment cloud up {flag} {given}`"
            )


def check_credentials(cloud: str) -> None:
    """One line and no Terraform run when the cloud's credentials are missing."""
    if cloud == "gcp":
        check_gcp()
    else:
        check_aws()


def terraform_for(deployment: Deployment) -> Terraform:
    """A Terraform runner on the deployment, once terraform and credentials are there."""
    binary = find_terraform()
    check_credentials(deployment.cloud)
    return Terraform(deployment, binary=binary)


def plan(deployment: Deployment, *, detailed_exitcode: bool, destroy: bool) -> int:
    """`terraform plan` of the deployment; returns Terraform's exit code (2: changes)."""
    terraform = terraform_for(deployment)
    terraform.init(TERRAFORM_DIR)
    return terraform.plan(detailed_exitcode=detailed_exitcode, destroy=destroy)


def up(deployment: Deployment) -> dict[str, Any]:
    """Create or update everything; returns the module's outputs."""
    terraform = terraform_for(deployment)
    deployment.save()
    terraform.init(TERRAFORM_DIR)
    terraform.apply()
    return terraform.outputs()


def next_steps(deployment: Deployment, found: Mapping[str, Any]) -> list[str]:
    """The commands that follow a GCP `up`: build the image, add the secrets, run, pull."""
    if deployment.cloud != "gcp":
        return []
    project = found["project_id"]
    variables = deployment.variables
    names = Conventions(
        name=variables.get("name", "regenlab"),
        environment=variables.get("environment", "dev"),
        project_id=project,
    ).names
    steps = [f"gcloud builds submit --tag {found['image']} --project {project}"]
    steps += [
        f'printf %s "${env}" | gcloud secrets versions add {secret} --data-file=- '
        f"--project {project}"
        for env, secret in names["secrets"].items()
    ]
    return [*steps, "experiment cloud run experiment.yaml --wait", "experiment cloud pull"]


def down(state_dir: Path, *, runner: str | None = None, model_serving: str | None = None) -> None:
    """Destroy everything the deployment in `state_dir` created."""
    deployment = Deployment.load(state_dir)
    expect(deployment, runner, model_serving)
    terraform = terraform_for(deployment)
    terraform.init(TERRAFORM_DIR)
    terraform.destroy()


def outputs(state_dir: Path) -> dict[str, Any]:
    """The outputs of the deployment in `state_dir` (bucket, job, commands, ...)."""
    return deployed_outputs(Deployment.load(state_dir))


def deployed_outputs(deployment: Deployment) -> dict[str, Any]:
    """The outputs of a deployment; InfraError when nothing is deployed yet."""
    found = Terraform(deployment).outputs()
    if not found:
        raise InfraError(
            f"{deployment.state_dir}: nothing deployed; fix: run `experiment cloud up`"
        )
    return found


# --- starting a run and fetching results (Cloud Run Jobs through gcloud, GKE through kubectl) ---


def find_gcloud() -> str:
    """The gcloud binary on PATH."""
    found = shutil.which("gcloud")
    if found is None:
        raise InfraError(f"gcloud not found on PATH; fix: {GCLOUD_HINT}")
    return found


def image_experiment(experiment: Path, context: Path) -> tuple[str, int]:
    """The experiment.yaml as the image sees it (task paths under /app) and its trial count."""
    from experiments import expand, load_experiment, task_files

    spec = load_experiment(experiment)
    tasks = []
    for task_file in task_files(spec, experiment.parent):
        try:
            relative = task_file.resolve().relative_to(context.resolve())
        except ValueError:
            raise InfraError(
                f"{experiment}: field 'tasks': {task_file} is outside {context}, the folder the "
                "image is built from; fix: move the task under it, or pass --context"
            ) from None
        tasks.append(f"{IMAGE_ROOT}/{relative.parent.as_posix()}")
    trials = len(expand(spec, experiment.parent))
    data = spec.model_dump(mode="json", exclude_none=True) | {"tasks": tasks}
    return yaml.safe_dump(data, sort_keys=False), trials


def upload_command(found: Mapping[str, Any], remote_name: str, local_file: Path) -> list[str]:
    """gcloud's upload of the experiment file to the bucket's experiments/ folder."""
    return [
        "storage",
        "cp",
        str(local_file),
        f"gs://{found['bucket']}/experiments/{remote_name}",
        f"--project={found['project_id']}",
    ]


def run_commands(
    found: Mapping[str, Any], remote_name: str, local_file: Path, tasks: int, *, wait: bool
) -> list[list[str]]:
    """The gcloud commands that upload the experiment and execute the Cloud Run job on it."""
    project, region = found["project_id"], found["region"]
    upload = upload_command(found, remote_name, local_file)
    execute = [
        "run",
        "jobs",
        "execute",
        found["job"],
        f"--region={region}",
        f"--project={project}",
        f"--tasks={tasks}",
        f"--args=experiment,cloud,task,{BUCKET_MOUNT}/experiments/{remote_name}",
    ]
    return [upload, execute + (["--wait"] if wait else [])]


def cloud_run(
    state_dir: Path,
    experiment: Path,
    *,
    tasks: int | None,
    context: Path,
    wait: bool,
    runner: str | None = None,
    model_serving: str | None = None,
) -> list[list[str]]:
    """Upload the experiment to the bucket and start one job execution over its trials."""
    deployment = Deployment.load(state_dir)
    if deployment.cloud != "gcp":
        raise InfraError(
            "`experiment cloud run` starts Cloud Run or GKE Jobs (--cloud gcp); fix: on AWS start "
            "the task definition with `aws ecs run-task` (the AWS module is a parity module)"
        )
    expect(deployment, runner, model_serving)
    found = deployed_outputs(deployment)
    text, trials = image_experiment(experiment, context)
    gcloud = find_gcloud()
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    remote_name = f"{stamp}-{experiment.stem}.yaml"
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / remote_name
        local.write_text(text, encoding="utf-8")
        if found.get("runner", "cloud_run") == "gke":
            return _run_on_gke(deployment, found, (local, remote_name), tasks or trials, wait)
        commands = run_commands(found, remote_name, local, tasks or trials, wait=wait)
        for command in commands:
            _gcloud(gcloud, command)
    return commands


def job_name(prefix: str, remote_name: str) -> str:
    """A GKE Job's name (a DNS label of at most 63 characters) for an uploaded experiment file."""
    stem = re.sub(r"[^a-z0-9-]+", "-", remote_name.removesuffix(".yaml").lower()).strip("-")
    return f"{prefix}-{stem}"[:63].rstrip("-")


def _run_on_gke(
    deployment: Deployment,
    found: Mapping[str, Any],
    experiment: tuple[Path, str],
    tasks: int,
    wait: bool,
) -> list[list[str]]:
    """Upload the experiment, then apply an indexed Job of `tasks` pods and wait if asked."""
    from infra import _gke

    local, remote_name = experiment
    gcloud = find_gcloud()
    upload = upload_command(found, remote_name, local)
    _gcloud(gcloud, upload)
    name = job_name(found["namespace"], remote_name)
    shape = _gke.job_shape(
        deployment.variables, name, f"{BUCKET_MOUNT}/experiments/{remote_name}", tasks
    )
    kubeconfig = deployment.state_dir / "kubeconfig"
    commands = [
        upload,
        *_gke.apply_job(found, shape, kubeconfig, lambda a, e: _gcloud(gcloud, a, e)),
    ]
    if wait:
        _gke.wait_for_job(found, name, kubeconfig)
    return commands


def pull_command(found: Mapping[str, Any], out: Path) -> list[str]:
    """gcloud's copy of the bucket's runs/ folder into `out`."""
    source = f"gs://{found['bucket']}/runs"
    return ["storage", "rsync", "--recursive", source, str(out), f"--project={found['project_id']}"]


def pull(
    state_dir: Path, out: Path, *, runner: str | None = None, model_serving: str | None = None
) -> int:
    """Copy the bucket's runs/ into `out`; returns how many files (AWS) or 0 (gcloud prints)."""
    deployment = Deployment.load(state_dir)
    expect(deployment, runner, model_serving)
    found = deployed_outputs(deployment)
    out.mkdir(parents=True, exist_ok=True)
    if deployment.cloud == "aws":
        return _pull_s3(found["bucket"], deployment.variables, out)
    _gcloud(find_gcloud(), pull_command(found, out))
    return 0


def _pull_s3(bucket: str, variables: Mapping[str, Any], out: Path) -> int:
    import boto3

    endpoint = variables.get("endpoint") or None
    client = boto3.client("s3", region_name=variables["region"], endpoint_url=endpoint)
    copied = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="runs/"):
        for item in page.get("Contents", []):
            target = out / item["Key"].removeprefix("runs/")
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, item["Key"], str(target))
            copied += 1
    return copied


def _gcloud(binary: str, args: list[str], env: Mapping[str, str] | None = None) -> None:
    code = subprocess.run([binary, *args], env=env, check=False).returncode
    if code != 0:
        raise InfraError(
            f"gcloud {' '.join(args[:3])} failed (exit {code}); fix: see gcloud's message above"
        )

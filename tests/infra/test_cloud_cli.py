"""`experiment cloud …`: bad input is one line, and the commands drive terraform and gcloud.

terraform and gcloud are replaced by small recording scripts here, so what the commands hand
them can be read back; the real Terraform run is the AWS module's test against moto.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli import app
from infra import InfraError
from infra._deploy import image_experiment, parse_vars
from infra._task import BUCKET_MOUNT

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()

FAKE = """#!{python}
import json, os, shutil, sys
COMPLETE = '{{"status": {{"conditions": [{{"type": "Complete", "status": "True"}}]}}}}'
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps([os.path.basename(sys.argv[0]), *args]) + "\\n")
if "output" in args:
    print(open(os.environ["FAKE_OUTPUTS"]).read())
if args[:2] == ["storage", "cp"]:
    shutil.copy(args[2], os.environ["FAKE_BUCKET"])
if args[:3] == ["container", "clusters", "get-credentials"]:
    open(os.environ["KUBECONFIG"], "w").write("fake kubeconfig")
if "apply" in args:
    open(os.environ["FAKE_APPLIED"], "w").write(sys.stdin.read())
if "get" in args and "job" in args:
    print(os.environ.get("FAKE_JOB_STATUS", COMPLETE))
"""

OUTPUTS = {
    "bucket": {"value": "my-proj-123-regenlab-dev-runs"},
    "job": {"value": "regenlab-dev-runner"},
    "region": {"value": "europe-west1"},
    "project_id": {"value": "my-proj-123"},
    "image": {"value": "europe-west1-docker.pkg.dev/my-proj-123/regenlab-dev-runner/runner:latest"},
}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A clean environment: no cloud credentials, no real terraform or gcloud on PATH."""
    for name in list(os.environ):
        if name.startswith(("GOOGLE_", "CLOUDSDK_", "AWS_")) or name == "REGENLAB_TERRAFORM":
            monkeypatch.delenv(name)
    home, tools, bucket = tmp_path / "home", tmp_path / "bin", tmp_path / "bucket"
    for folder in (home, tools, bucket):
        folder.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("FAKE_LOG", str(tmp_path / "calls.jsonl"))
    monkeypatch.setenv("FAKE_BUCKET", str(bucket))
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(OUTPUTS))
    monkeypatch.setenv("FAKE_OUTPUTS", str(outputs))
    monkeypatch.setenv("FAKE_APPLIED", str(tmp_path / "applied.jsonl"))
    monkeypatch.chdir(tmp_path)
    return {"home": home, "tools": tools, "bucket": bucket, "log": tmp_path / "calls.jsonl"}


def install(tools: Path, name: str) -> None:
    script = tools / name
    script.write_text(FAKE.format(python=os.path.realpath(sys.executable)))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def gcp_credentials(home: Path) -> None:
    adc = home / ".config" / "gcloud" / "application_default_credentials.json"
    adc.parent.mkdir(parents=True)
    adc.write_text("{}")


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def one_line_error(result: Any, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert message.startswith("error: ") and "\n" not in message and "fix:" in message, message
    for needle in needles:
        assert needle in message, message


# --- bad input: each a one-line error, and nothing touched ---


def test_a_missing_project_id(env: dict[str, Path]) -> None:
    result = runner.invoke(app, ["cloud", "up", "--region", "europe-west1"])
    one_line_error(result, "--project is required")
    assert not Path(".regenlab").exists()


def test_an_unknown_region(env: dict[str, Path]) -> None:
    result = runner.invoke(app, ["cloud", "up", "--project", "my-proj-123", "--region", "mars"])
    one_line_error(result, "--region: 'mars' is not a known gcp region")
    result = runner.invoke(app, ["cloud", "up", "--cloud", "aws", "--region", "us-central1"])
    one_line_error(result, "--region: 'us-central1' is not a known aws region")


def test_a_malformed_project_id(env: dict[str, Path]) -> None:
    result = runner.invoke(app, ["cloud", "plan", "--project", "My_Project"])
    one_line_error(result, "--project: 'My_Project' is invalid")


def test_terraform_absent(env: dict[str, Path]) -> None:
    gcp_credentials(env["home"])
    result = runner.invoke(app, ["cloud", "up", "--project", "my-proj-123"])
    one_line_error(result, "terraform not found on PATH", "install Terraform")
    assert not Path(".regenlab").exists()


def test_no_gcp_credentials(env: dict[str, Path]) -> None:
    install(env["tools"], "terraform")
    result = runner.invoke(app, ["cloud", "up", "--project", "my-proj-123"])
    one_line_error(result, "no Google Cloud credentials found", "gcloud auth application-default")
    assert calls(env["log"]) == []


def test_a_key_file_that_is_not_there(env: dict[str, Path], tmp_path: Path) -> None:
    install(env["tools"], "terraform")
    missing = tmp_path / "key.json"
    result = runner.invoke(
        app,
        ["cloud", "plan", "--project", "my-proj-123"],
        env={"GOOGLE_APPLICATION_CREDENTIALS": str(missing)},
    )
    one_line_error(result, f"GOOGLE_APPLICATION_CREDENTIALS={missing}: no such file")


def test_no_aws_credentials(env: dict[str, Path]) -> None:
    install(env["tools"], "terraform")
    result = runner.invoke(app, ["cloud", "up", "--cloud", "aws"])
    one_line_error(result, "no AWS credentials found", "aws configure")


def test_down_without_a_deployment(env: dict[str, Path]) -> None:
    result = runner.invoke(app, ["cloud", "down"])
    one_line_error(result, "no deployment here", "experiment cloud up")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--cloud", "azure"], "--cloud 'azure': unknown cloud"),
        (["--var", "task_count"], "--var 'task_count': not KEY=VALUE"),
        (["--cloud", "aws", "--project", "my-proj-123"], "--project is for --cloud gcp"),
        (["--project", "my-proj-123", "--endpoint", "http://x"], "--endpoint is for --cloud aws"),
        (["--project", "my-proj-123", "--environment", "qa"], "--environment: 'qa' is invalid"),
        (["--project", "my-proj-123", "--runner", "lambda"], "--runner: 'lambda' is invalid"),
        (
            ["--project", "my-proj-123", "--model-serving", "sagemaker"],
            "--model-serving: 'sagemaker' is invalid",
        ),
        (
            ["--project", "my-proj-123", "--region", "us-west1", "--model-serving", "cloud_run"],
            "--model-serving: cloud_run needs a region with Cloud Run L4 GPUs",
        ),
        (["--cloud", "aws", "--runner", "gke"], "--runner is for --cloud gcp"),
        (["--cloud", "aws", "--model-serving", "vertex"], "--model-serving is for --cloud gcp"),
        (
            ["--project", "my-proj-123", "--var", "enable_model_server=true"],
            "--var enable_model_server: replaced by --model-serving",
        ),
    ],
)
def test_other_bad_flags(env: dict[str, Path], args: list[str], needle: str) -> None:
    one_line_error(runner.invoke(app, ["cloud", "up", *args]), needle)


def test_vars_read_as_json_where_they_can() -> None:
    assert parse_vars(["task_count=4", "enable_model_server=true", "image=a:b", "x="]) == {
        "task_count": 4,
        "enable_model_server": True,
        "image": "a:b",
        "x": "",
    }


# --- one command up, one down, on a recording terraform ---


def test_up_then_down_drive_terraform_in_the_deployments_own_folder(
    env: dict[str, Path],
) -> None:
    install(env["tools"], "terraform")
    gcp_credentials(env["home"])
    result = runner.invoke(
        app,
        [
            "cloud",
            "up",
            "--project",
            "my-proj-123",
            "--region",
            "europe-west1",
            "--var",
            "task_count=4",
        ],
    )
    assert result.exit_code == 0, result.output
    state = Path(".regenlab/cloud/gcp").resolve()
    config = state / "config" / "gcp"
    assert json.loads((config / "regenlab.auto.tfvars.json").read_text()) == {
        "project_id": "my-proj-123",
        "region": "europe-west1",
        "task_count": 4,
    }
    assert (config / "versions.tf").is_file() and (state / "config/modules/conventions").is_dir()
    up_calls = calls(env["log"])
    assert [c[2] for c in up_calls] == ["init", "apply", "output"]
    assert all(c[1] == f"-chdir={config}" for c in up_calls)
    assert f"-backend-config=path={state / 'terraform.tfstate'}" in up_calls[0]
    assert "-auto-approve" in up_calls[1]
    assert (
        'printf %s "$ANTHROPIC_API_KEY" | gcloud secrets versions add '
        "regenlab-dev-anthropic-api-key --data-file=- --project my-proj-123" in result.output
    )
    assert "gcloud builds submit --tag europe-west1-docker.pkg.dev/" in result.output

    env["log"].unlink()
    result = runner.invoke(app, ["cloud", "down"])
    assert result.exit_code == 0, result.output
    assert [c[2] for c in calls(env["log"])] == ["init", "destroy"]
    # down reused the variables of up: nothing had to be given again
    assert json.loads((config / "regenlab.auto.tfvars.json").read_text())["task_count"] == 4


# --- starting a run and pulling results, on a recording gcloud ---


def experiment_file(folder: Path, tasks: list[str]) -> Path:
    path = folder / "experiment.yaml"
    path.write_text(yaml.safe_dump({"name": "cloudy", "tasks": tasks, "trials": 3}))
    return path


def deployed(env: dict[str, Path]) -> None:
    install(env["tools"], "terraform")
    install(env["tools"], "gcloud")
    gcp_credentials(env["home"])
    assert runner.invoke(app, ["cloud", "up", "--project", "my-proj-123"]).exit_code == 0
    env["log"].unlink()


def test_run_uploads_the_experiment_as_the_image_sees_it_and_executes_the_job(
    env: dict[str, Path], tmp_path: Path
) -> None:
    deployed(env)
    experiment = experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    result = runner.invoke(app, ["cloud", "run", str(experiment), "--context", str(ROOT)])
    assert result.exit_code == 0, result.output
    upload, execute = (c for c in calls(env["log"]) if c[0] == "gcloud")
    [uploaded] = env["bucket"].iterdir()
    assert upload[-2] == f"gs://my-proj-123-regenlab-dev-runs/experiments/{uploaded.name}"
    assert yaml.safe_load(uploaded.read_text())["tasks"] == ["/app/tasks/lru-ttl-cache"]
    assert execute[1:5] == ["run", "jobs", "execute", "regenlab-dev-runner"]
    assert "--region=europe-west1" in execute and "--tasks=3" in execute
    assert f"--args=experiment,cloud,task,/mnt/runs/experiments/{uploaded.name}" in execute


def test_run_refuses_a_task_the_image_does_not_hold(env: dict[str, Path], tmp_path: Path) -> None:
    deployed(env)
    outside = tmp_path / "mine"
    (outside).mkdir()
    (outside / "task.yaml").write_text((ROOT / "tasks/lru-ttl-cache/task.yaml").read_text())
    experiment = experiment_file(tmp_path, [str(outside)])
    with pytest.raises(InfraError, match=r"is outside .* the folder the image is built from"):
        image_experiment(experiment, ROOT)


def test_run_without_gcloud(env: dict[str, Path], tmp_path: Path) -> None:
    deployed(env)
    (env["tools"] / "gcloud").unlink()
    experiment = experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    result = runner.invoke(app, ["cloud", "run", str(experiment), "--context", str(ROOT)])
    one_line_error(result, "gcloud not found on PATH")


def test_pull_syncs_the_buckets_runs_folder(env: dict[str, Path]) -> None:
    deployed(env)
    result = runner.invoke(app, ["cloud", "pull", "--out", "results"])
    assert result.exit_code == 0, result.output
    [pull] = (c for c in calls(env["log"]) if c[0] == "gcloud")
    assert pull[1:] == [
        "storage",
        "rsync",
        "--recursive",
        "gs://my-proj-123-regenlab-dev-runs/runs",
        "results",
        "--project=my-proj-123",
    ]


# --- the image, the job and the CLI agree on the command a task runs ---


def parse_gcp(name: str) -> dict[str, Any]:
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False)
    with (ROOT / "infra/terraform/gcp" / name).open() as stream:
        parsed: dict[str, Any] = hcl2.load(stream, serialization_options=options)
    return parsed


def job_container() -> dict[str, Any]:
    job = parse_gcp("job.tf")["resource"][0]["google_cloud_run_v2_job"]["runner"]
    container: dict[str, Any] = job["template"][0]["template"][0]["containers"][0]
    return container


def test_the_jobs_command_is_a_command_of_the_cli_and_the_image_runs_it_as_is() -> None:
    args = job_container()["args"]
    assert args[:3] == ["experiment", "cloud", "task"]
    result = runner.invoke(app, [*args[1:3], "--help"])
    assert result.exit_code == 0 and "shard" in result.output
    # With no ENTRYPOINT the job's args are the whole command line, as `cloud run` sends them.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ENTRYPOINT" not in dockerfile.replace("# No ENTRYPOINT", "")
    assert 'CMD ["experiment", "--help"]' in dockerfile


def test_the_job_mounts_the_bucket_where_the_task_looks_for_it() -> None:
    container = job_container()
    env = {item["name"]: item["value"] for item in container["env"]}
    mount = container["volume_mounts"][0]["mount_path"]
    assert env["REGENLAB_RUNS_DIR"] == mount == "${local.runs_mount}"
    [local_values] = parse_gcp("main.tf")["locals"]
    assert local_values["runs_mount"] == BUCKET_MOUNT


def test_the_image_leaves_out_local_state_and_secrets() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".git", ".venv", ".regenlab", ".env", "runs", "*.tfstate*"} <= ignored


# --- the GKE runner: the same commands, a Job applied with kubectl ---

GKE_OUTPUTS = OUTPUTS | {
    "runner": {"value": "gke"},
    "model_serving": {"value": "vertex"},
    "job": {"value": None},
    "cluster": {"value": "regenlab-dev-runner"},
    "namespace": {"value": "regenlab-dev"},
    "kubernetes_service_account": {"value": "runner"},
    "service_account_email": {"value": "regenlab-dev-runner@my-proj-123.iam.gserviceaccount.com"},
    "secrets": {
        "value": {
            "ANTHROPIC_API_KEY": "projects/my-proj-123/secrets/regenlab-dev-anthropic-api-key",
            "OPENAI_API_KEY": "projects/my-proj-123/secrets/regenlab-dev-openai-api-key",
        }
    },
    "model_base_url": {
        "value": "https://europe-west1-aiplatform.googleapis.com/v1/projects/my-proj-123/"
        "locations/europe-west1/endpoints/42"
    },
}


def deployed_on_gke(env: dict[str, Path], tmp_path: Path) -> None:
    for tool in ("terraform", "gcloud", "kubectl"):
        install(env["tools"], tool)
    gcp_credentials(env["home"])
    (tmp_path / "outputs.json").write_text(json.dumps(GKE_OUTPUTS))
    up = ["cloud", "up", "--project", "my-proj-123", "--region", "europe-west1"]
    up += ["--runner", "gke", "--model-serving", "vertex", "--var", "parallelism=2"]
    result = runner.invoke(app, up)
    assert result.exit_code == 0, result.output
    env["log"].unlink()


def test_up_passes_the_runner_and_the_model_serving_to_terraform(
    env: dict[str, Path], tmp_path: Path
) -> None:
    deployed_on_gke(env, tmp_path)
    tfvars = Path(".regenlab/cloud/gcp/config/gcp/regenlab.auto.tfvars.json")
    variables = json.loads(tfvars.read_text())
    assert (variables["runner"], variables["model_serving"]) == ("gke", "vertex")


def test_run_on_gke_uploads_then_applies_an_indexed_job_and_waits(
    env: dict[str, Path], tmp_path: Path
) -> None:
    deployed_on_gke(env, tmp_path)
    experiment = experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    args = ["cloud", "run", str(experiment), "--context", str(ROOT), "--wait"]
    result = runner.invoke(app, [*args, "--runner", "gke"])
    assert result.exit_code == 0, result.output
    made = [c for c in calls(env["log"]) if c[0] != "terraform"]
    assert [c[0] for c in made] == ["gcloud", "gcloud", "kubectl", "kubectl"]
    upload, credentials, apply, wait = made
    [uploaded] = env["bucket"].iterdir()
    assert upload[1:3] == ["storage", "cp"]
    assert credentials[1:5] == ["container", "clusters", "get-credentials", "regenlab-dev-runner"]
    assert "--dns-endpoint" in credentials and "--region=europe-west1" in credentials
    kubeconfig = Path(".regenlab/cloud/gcp/kubeconfig").resolve()
    assert kubeconfig.read_text() == "fake kubeconfig", "credentials go to the deployment's file"
    assert apply[1:] == [f"--kubeconfig={kubeconfig}", "apply", "-f", "-"]
    assert wait[2:4] == ["get", "job"]
    objects = [json.loads(line) for line in (tmp_path / "applied.jsonl").read_text().splitlines()]
    assert [o["kind"] for o in objects] == [
        "Namespace",
        "ServiceAccount",
        "SecretProviderClass",
        "Job",
    ]
    job = objects[-1]
    assert job["metadata"]["name"] == wait[4]
    assert job["spec"]["completionMode"] == "Indexed"
    assert (job["spec"]["completions"], job["spec"]["parallelism"]) == (3, 2)
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == [
        "experiment",
        "cloud",
        "task",
        f"/mnt/runs/experiments/{uploaded.name}",
    ]
    env_vars = {item["name"]: item["value"] for item in container["env"]}
    assert env_vars["REGENLAB_TASK_COUNT"] == "3"
    assert env_vars["REGENLAB_EXECUTION"] == job["metadata"]["name"]
    assert env_vars["OPENAI_COMPATIBLE_BASE_URL"].endswith("/endpoints/42")


def test_a_failed_gke_job_is_one_line_naming_the_shards(
    env: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deployed_on_gke(env, tmp_path)
    failed = {
        "status": {"failedIndexes": "1", "conditions": [{"type": "Failed", "status": "True"}]}
    }
    monkeypatch.setenv("FAKE_JOB_STATUS", json.dumps(failed))
    experiment = experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    result = runner.invoke(app, ["cloud", "run", str(experiment), "--context", str(ROOT), "--wait"])
    one_line_error(result, "failed (shards 1)", "kubectl logs")


def test_run_on_gke_without_kubectl(env: dict[str, Path], tmp_path: Path) -> None:
    deployed_on_gke(env, tmp_path)
    (env["tools"] / "kubectl").unlink()
    experiment = experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    result = runner.invoke(app, ["cloud", "run", str(experiment), "--context", str(ROOT)])
    one_line_error(result, "kubectl not found on PATH", "gcloud components install kubectl")


@pytest.mark.parametrize("command", [["pull"], ["down"], ["run", "experiment.yaml"]])
def test_a_runner_flag_that_is_not_the_deployments_is_refused(
    env: dict[str, Path], tmp_path: Path, command: list[str]
) -> None:
    deployed_on_gke(env, tmp_path)
    experiment_file(tmp_path, [str(ROOT / "tasks" / "lru-ttl-cache")])
    result = runner.invoke(app, ["cloud", *command, "--runner", "cloud_run"])
    one_line_error(result, "--runner cloud_run: the deployment in", "has runner gke")
    assert calls(env["log"]) == [], "nothing ran"
    result = runner.invoke(app, ["cloud", *command, "--model-serving", "cloud_run"])
    one_line_error(result, "--model-serving cloud_run:", "has model_serving vertex")

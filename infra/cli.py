"""`experiment cloud …`: deploy the experiment runner with one command up and one down.

Only typer is imported here; the work happens in infra._deploy, imported by each command,
so that `experiment --help` stays fast.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from infra._deploy import Inputs

cloud_app = typer.Typer(
    help="Run experiments on GCP (Cloud Run Jobs or GKE) or AWS: plan, up, down, run, pull.",
    no_args_is_help=True,
)

CloudOption = Annotated[str, typer.Option("--cloud", help="gcp, or aws (the parity module).")]
StateDir = Annotated[
    Path | None,
    typer.Option("--state-dir", help="The deployment's folder [default: .regenlab/cloud/CLOUD]."),
]
Project = Annotated[str | None, typer.Option("--project", help="GCP project id.")]
Region = Annotated[
    str | None, typer.Option("--region", help="[default: us-central1 (gcp), us-east-1 (aws)]")
]
Image = Annotated[
    str | None,
    typer.Option("--image", help="Runner image [default: runner:latest in the repository]."),
]
Name = Annotated[str | None, typer.Option("--name", help="Name prefix [default: regenlab].")]
Environment = Annotated[
    str | None, typer.Option("--environment", help="dev, staging or prod [default: dev].")
]
Endpoint = Annotated[
    str | None,
    typer.Option("--endpoint", help="AWS only: send every AWS API call to this URL (moto)."),
]
Runner = Annotated[
    str | None,
    typer.Option(
        "--runner",
        help="GCP: cloud_run (a Cloud Run job) or gke (a Job on GKE Autopilot) [default: "
        "cloud_run]; run, pull and down check it against the deployment.",
    ),
]
ModelServing = Annotated[
    str | None,
    typer.Option(
        "--model-serving",
        help="GCP: none, cloud_run (vLLM on a Cloud Run GPU) or vertex (a Vertex AI endpoint) "
        "[default: none]; run, pull and down check it against the deployment.",
    ),
]
Vars = Annotated[
    list[str] | None,
    typer.Option("--var", help="Any module variable, KEY=VALUE (e.g. task_count=4); repeatable."),
]


def _inputs(
    cloud: str,
    project: str | None,
    region: str | None,
    name: str | None,
    environment: str | None,
    image: str | None,
    endpoint: str | None,
    var: list[str] | None,
    serving: tuple[str | None, str | None] = (None, None),
) -> Inputs:
    from infra._deploy import Inputs, parse_vars
    from infra._errors import InfraError

    if cloud not in ("gcp", "aws"):
        raise InfraError(f"--cloud {cloud!r}: unknown cloud; fix: use gcp or aws")
    runner, model_serving = serving
    return Inputs(
        cloud,  # type: ignore[arg-type]  # checked just above
        project,
        region,
        name,
        environment,
        image,
        endpoint,
        runner,
        model_serving,
        parse_vars(var or []),
    )


def _state(state_dir: Path | None, cloud: str) -> Path:
    from infra._deploy import default_state_dir

    return (state_dir or default_state_dir(cloud)).resolve()


@cloud_app.command("plan")
@cli_errors
def plan(
    cloud: CloudOption = "gcp",
    project: Project = None,
    region: Region = None,
    name: Name = None,
    environment: Environment = None,
    image: Image = None,
    endpoint: Endpoint = None,
    runner: Runner = None,
    model_serving: ModelServing = None,
    var: Vars = None,
    state_dir: StateDir = None,
    detailed_exitcode: Annotated[
        bool,
        typer.Option("--detailed-exitcode", help="Exit 2 when there are changes, as terraform."),
    ] = False,
    destroy: Annotated[bool, typer.Option("--destroy", help="Plan `down` instead.")] = False,
) -> None:
    """Show what `up` would create or change (terraform plan)."""
    from infra._deploy import deployment_for
    from infra._deploy import plan as run_plan

    serving = (runner, model_serving)
    inputs = _inputs(cloud, project, region, name, environment, image, endpoint, var, serving)
    deployment = deployment_for(inputs, _state(state_dir, cloud))
    code = run_plan(deployment, detailed_exitcode=detailed_exitcode, destroy=destroy)
    raise typer.Exit(code)


@cloud_app.command("up")
@cli_errors
def up(
    cloud: CloudOption = "gcp",
    project: Project = None,
    region: Region = None,
    name: Name = None,
    environment: Environment = None,
    image: Image = None,
    endpoint: Endpoint = None,
    runner: Runner = None,
    model_serving: ModelServing = None,
    var: Vars = None,
    state_dir: StateDir = None,
) -> None:
    """Create (or update) everything: bucket, registry, secrets, accounts, the job or cluster."""
    from infra._deploy import deployment_for, next_steps
    from infra._deploy import up as run_up

    serving = (runner, model_serving)
    inputs = _inputs(cloud, project, region, name, environment, image, endpoint, var, serving)
    deployment = deployment_for(inputs, _state(state_dir, cloud))
    found = run_up(deployment)
    typer.echo(f"deployed; its state is in {deployment.state_dir}")
    steps = next_steps(deployment, found)
    if steps:
        typer.echo("next:")
        for step in steps:
            typer.echo(f"  {step}")


@cloud_app.command("down")
@cli_errors
def down(
    cloud: CloudOption = "gcp",
    state_dir: StateDir = None,
    runner: Runner = None,
    model_serving: ModelServing = None,
) -> None:
    """Destroy everything `up` created (the bucket's runs too: pull them first)."""
    from infra._deploy import down as run_down

    folder = _state(state_dir, cloud)
    run_down(folder, runner=runner, model_serving=model_serving)
    typer.echo(f"destroyed the deployment in {folder}")


@cloud_app.command("outputs")
@cli_errors
def outputs(
    cloud: CloudOption = "gcp",
    state_dir: StateDir = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the deployment's outputs: bucket, job, and the commands to run and pull."""
    from infra._deploy import outputs as read_outputs

    found = read_outputs(_state(state_dir, cloud))
    if json_output:
        typer.echo(json.dumps(found, indent=2))
        return
    for key, value in found.items():
        typer.echo(f"{key}: {value}")


@cloud_app.command("run")
@cli_errors
def run(
    experiment: Annotated[Path, typer.Argument(help="An experiment.yaml.")],
    cloud: CloudOption = "gcp",
    state_dir: StateDir = None,
    tasks: Annotated[
        int | None,
        typer.Option(
            "--tasks", min=1, help="Tasks (GKE: pods) to shard over [default: one per trial]."
        ),
    ] = None,
    context: Annotated[
        Path, typer.Option("--context", help="The folder the image was built from.")
    ] = Path("."),
    wait: Annotated[bool, typer.Option("--wait", help="Wait until the job ends.")] = False,
    runner: Runner = None,
    model_serving: ModelServing = None,
) -> None:
    """Upload an experiment.yaml to the bucket and start the job on it, sharded over tasks."""
    from infra._deploy import cloud_run

    cloud_run(
        _state(state_dir, cloud),
        experiment,
        tasks=tasks,
        context=context,
        wait=wait,
        runner=runner,
        model_serving=model_serving,
    )
    typer.echo("started; fetch the results with: experiment cloud pull")


@cloud_app.command("pull")
@cli_errors
def pull(
    cloud: CloudOption = "gcp",
    state_dir: StateDir = None,
    out: Annotated[Path, typer.Option("--out", help="Local runs folder.")] = Path("runs"),
    runner: Runner = None,
    model_serving: ModelServing = None,
) -> None:
    """Copy the bucket's runs/ into a local folder; then `experiment report` it."""
    from infra._deploy import pull as run_pull

    copied = run_pull(_state(state_dir, cloud), out, runner=runner, model_serving=model_serving)
    typer.echo(f"pulled{f' {copied} files' if copied else ''} into {out}")


@cloud_app.command("task")
@cli_errors
def task(
    experiment: Annotated[Path, typer.Argument(help="The experiment.yaml (in the bucket).")],
    bucket_dir: Annotated[
        Path | None,
        typer.Option(
            "--bucket-dir",
            help="The mounted bucket; runs go to its runs/ [default: $REGENLAB_RUNS_DIR].",
        ),
    ] = None,
    max_concurrency: Annotated[int, typer.Option("--max-concurrency", min=1)] = 4,
) -> None:
    """Run this task's shard of an experiment (the runner image's command on Cloud Run or GKE)."""
    from infra._errors import InfraError
    from infra._identity import authorize_model_server
    from infra._task import RUNS_DIR_ENV, load_secret_files, run_task, task_place

    from_env = os.environ.get(RUNS_DIR_ENV)
    folder = bucket_dir or (Path(from_env) if from_env else None)
    if folder is None:
        raise InfraError(f"no bucket folder; fix: pass --bucket-dir or set {RUNS_DIR_ENV}")
    place = task_place()
    load_secret_files()  # on GKE the API keys arrive as files
    authorize_model_server()  # the optional model servers take Google tokens only
    progress = run_task(experiment, folder / "runs", place, max_concurrency=max_concurrency)
    typer.echo(
        f"{place.shard.label}: {progress.done + progress.skipped}/{progress.total} trials "
        f"finished, {len(progress.failed)} failed → {folder / 'runs' / place.execution}"
    )
    if progress.failed:
        raise typer.Exit(1)

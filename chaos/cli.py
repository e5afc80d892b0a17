"""`experiment chaos …`: run, resume and report chaos experiments on the web world; list and
check its tasks; probe the faults; serve the world for a person to look at.

Only typer and the standard library are imported here; the web world, the browser and the
models are imported inside the commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usererrors import FAILED_EXIT, cli_errors

if TYPE_CHECKING:
    from chaos._experiment import ChaosSummary
    from chaos._pipeline import PipelineChaosResult

chaos_app = typer.Typer(
    help="Chaos lab: faults in a local web world with a real browser, and the damage measured.",
    no_args_is_help=True,
)

ConfigArgument = Annotated[
    Path | None,
    typer.Argument(help="A chaos.yaml (default: the bundled chaos/experiments/web.yaml)."),
]


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@chaos_app.command("run")
@cli_errors
def run(
    config: ConfigArgument = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Run directory (default: runs/chaos-<time>-<name>)."),
    ] = None,
    tasks: Annotated[str | None, typer.Option("--tasks", help="Comma-separated task ids.")] = None,
    faults: Annotated[
        str | None, typer.Option("--faults", help="Comma-separated fault kinds (e.g. js_off).")
    ] = None,
    agents: Annotated[
        str | None, typer.Option("--agents", help="Comma-separated agent names.")
    ] = None,
) -> None:
    """Probe the faults, check the steady state, run the method, check again, report."""
    from chaos import run_chaos

    summary = run_chaos(
        config,
        out=out,
        tasks=_names(tasks),
        faults=_names(faults),
        agents=_names(agents),
        on_event=typer.echo,
    )
    _print_summary(summary)


@chaos_app.command("resume")
@cli_errors
def resume(
    run_dir: Annotated[Path, typer.Argument(help="A run directory of `experiment chaos run`.")],
) -> None:
    """Continue a chaos run: finished episodes are kept, the others run."""
    from chaos import resume_chaos

    _print_summary(resume_chaos(run_dir, on_event=typer.echo))


@chaos_app.command("report")
@cli_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory of `experiment chaos run`.")],
) -> None:
    """Write report.md, report.html and the plots again from a run's files."""
    from chaos._report import write_report
    from chaos._rundir import ChaosRunDir

    typer.echo(f"wrote {write_report(ChaosRunDir.existing(run_dir))}")


@chaos_app.command("tasks")
@cli_errors
def tasks_command(
    check: Annotated[
        bool, typer.Option("--check", help="Run each task's oracle: prove it solvable here.")
    ] = False,
) -> None:
    """List the web world's tasks (with --check: prove each one solvable)."""
    from chaos import check_web_tasks, list_web_tasks

    if not check:
        for task in list_web_tasks():
            needs = ",".join(task.requires) or "-"
            typer.echo(f"{task.id:20} needs {needs:11} {task.intent}")
        return
    proofs = check_web_tasks()
    for proof in proofs:
        verdict = "solved" if proof.solved else "NOT SOLVED: " + "; ".join(proof.problems)
        typer.echo(f"{proof.task:20} {verdict} ({proof.steps} steps)")
    typer.echo(f"{sum(p.solved for p in proofs)}/{len(proofs)} tasks solved by their oracle")
    if not all(p.solved for p in proofs):
        raise typer.Exit(FAILED_EXIT)


@chaos_app.command("probe")
@cli_errors
def probe_command(
    config: ConfigArgument = None,
    faults: Annotated[
        str | None, typer.Option("--faults", help="Comma-separated fault kinds.")
    ] = None,
) -> None:
    """Run every fault of a chaos.yaml on its probe: did it fire?"""
    from chaos import probe_faults

    results = probe_faults(config, faults=_names(faults))
    for result in results:
        mark = "fired" if result.fired else "DID NOT FIRE"
        typer.echo(f"{result.fault:45} {mark:13} {result.treatment[:70]!r}")
    if not all(r.fired for r in results):
        raise typer.Exit(FAILED_EXIT)


@chaos_app.command("serve")
@cli_errors
def serve(
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="0: any free port.")] = 0,
) -> None:
    """Serve the web world on 127.0.0.1 until Ctrl-C (to look at it in a browser)."""
    import time

    from chaos import serve_world

    with serve_world(port) as world:
        typer.echo(f"the web world is at {world.base_url} (Ctrl-C stops it)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            typer.echo("stopped")


def _print_summary(summary: ChaosSummary) -> None:
    from analysis import fmt

    typer.echo(f"status: {summary.status} ({summary.episodes} episodes) → {summary.run_dir}")
    for verdict in (summary.before, summary.after):
        if verdict is not None:
            held = "holds" if verdict.ok else "DOES NOT HOLD"
            typer.echo(f"steady state {verdict.phase}: {held}")
    for row in summary.fidelity:
        exact = "exactly" if row.ok else "NOT exactly"
        typer.echo(f"{row.agent} · {row.condition} breaks {exact} the tasks that need {row.need}")
    for stats in summary.stats:
        if stats.counted:
            typer.echo(
                f"{stats.agent:10} {stats.condition:42} success {fmt.estimate(stats.success)}"
            )
    typer.echo(f"report: {summary.report}")
    if summary.status != "completed":
        raise typer.Exit(FAILED_EXIT)


def print_pipeline_result(result: PipelineChaosResult) -> None:
    """The pipeline chaos table on the console (for `experiment run … --chaos`)."""
    typer.echo(f"baseline: {result.baseline_completed}/{result.trials} trial(s) completed")
    for fault in result.faults:
        verdict = "survived" if fault.survived else "lost " + "; ".join(fault.lost)
        typer.echo(f"{fault.fault:36} fired {fault.fired:3}  {verdict}")
    typer.echo(f"report: {result.report}")


def run_with_chaos(task: str, *, chaos: Path, **options: Any) -> None:
    """`experiment run TASK --chaos FILE`: the pipeline chaos run, then its table."""
    from chaos._errors import ChaosConfigError
    from chaos._pipeline import run_pipeline_chaos

    if task.endswith((".yaml", ".yml")) and Path(task).name != "task.yaml":
        from experiments import is_experiment_file

        if is_experiment_file(Path(task)):
            raise ChaosConfigError(
                f"--chaos: {task} is an experiment.yaml; fix: give --chaos one task (a task.yaml, "
                "its folder or a task id)"
            )
    result = run_pipeline_chaos(task, chaos=chaos, on_event=typer.echo, **options)
    print_pipeline_result(result)
    if not all(f.probe.fired and f.fired for f in result.faults):
        raise typer.Exit(FAILED_EXIT)

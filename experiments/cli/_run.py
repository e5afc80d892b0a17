"""`experiment run`, `resume` and `retry`: a task's trials, and experiments of many trials."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from experiments._printers import (
    ProgressPrinter,
    console,
    esc,
    experiment_line,
    live_line,
    print_experiment_end,
    print_trial,
    print_wall_time,
)
from experiments.cli._app import app, warn_ignored
from usererrors import FAILED_EXIT, InputError, cli_errors

if TYPE_CHECKING:
    from experiments import EventHandler, ExperimentProgress

INTERRUPTED_EXIT = 130
MaxCost = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        help="USD: per trial for a task; in total for experiment.yaml (saved in the experiment "
        "dir, so resume and retry keep it unless given again).",
    ),
]
Budget = Annotated[
    float | None,
    typer.Option("--max-cost", help="USD: a new budget for the experiment, saved in its dir."),
]
MaxConcurrency = Annotated[
    int, typer.Option("--max-concurrency", min=1, help="Trials at once (experiment.yaml).")
]
Executor = Annotated[
    str, typer.Option("--executor", help="Where trials run: local, or ray ($RAY_ADDRESS).")
]
MATRIX_FLAGS = (
    "builder_model",
    "regenerator_model",
    "arms",
    "journal_style",
    "code_policy",
    "snippet_lines",
    "trials",
    "sandbox",
    "base_url",
    "max_turns",
)
"""`run` options that an experiment.yaml sets itself."""
EXPERIMENT_FLAGS = ("max_concurrency", "executor")
"""`run` and `resume` options that only an experiment (a matrix of trials) uses."""
DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"
"""The embedded model every role uses unless told otherwise (experiments' DEFAULT_MODEL)."""


@app.command("run")
@cli_errors
def run(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="The task: a task.yaml, its folder, or a task id.")],
    builder_model: Annotated[
        str, typer.Option("--builder-model", help="provider/model of the builder.")
    ] = DEFAULT_MODEL,
    regenerator_model: Annotated[
        str, typer.Option("--regenerator-model", help="provider/model of the regenerator.")
    ] = DEFAULT_MODEL,
    arms: Annotated[
        str, typer.Option("--arms", help="Comma-separated: journal, prompt, journal+prompt, none.")
    ] = "journal,prompt",
    journal_style: Annotated[
        str, typer.Option("--journal-style", help="narrative, structured or terse.")
    ] = "structured",
    code_policy: Annotated[
        str, typer.Option("--code-policy", help="Code in the journal: none, snippets or any.")
    ] = "none",
    snippet_lines: Annotated[
        int, typer.Option("--snippet-lines", min=1, help="Longest snippet under 'snippets'.")
    ] = 5,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Trials to run.")] = 1,
    out: Annotated[Path, typer.Option("--out", help="Folder for run directories.")] = Path("runs"),
    sandbox: Annotated[
        str, typer.Option("--sandbox", help="auto, bwrap, local or docker.")
    ] = "auto",
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Server URL for openai-compatible models.")
    ] = None,
    max_turns: Annotated[
        int | None, typer.Option("--max-turns", min=1, help="Override the task's turn limit.")
    ] = None,
    max_cost: MaxCost = None,
    max_concurrency: MaxConcurrency = 4,
    cache: Annotated[
        bool, typer.Option("--cache/--no-cache", help="Reuse hosted models' cached replies.")
    ] = True,
    executor: Executor = "local",
    chaos: Annotated[
        Path | None,
        typer.Option(
            "--chaos",
            help="A pipeline chaos file (chaos lab): run each of its faults beside a baseline.",
        ),
    ] = None,
) -> None:
    """Run the experiment: on one task (task.yaml), or on a whole matrix (experiment.yaml)."""
    from experiments import check_executor, is_experiment_file, new_experiment_dir, run_trials

    if chaos is not None:
        from experiments.cli._labs import run_with_chaos

        run_with_chaos(
            task, chaos=chaos, builder_model=builder_model, regenerator_model=regenerator_model,
            arms=[a.strip() for a in arms.split(",") if a.strip()], trials=trials, out=out,
            base_url=base_url, journal_style=journal_style, code_policy=code_policy,
            snippet_lines=snippet_lines, sandbox=sandbox, max_turns=max_turns, cache=cache,
        )  # fmt: skip
        return
    if is_experiment_file(Path(task)):
        warn_ignored(ctx, MATRIX_FLAGS, f"{task} sets these itself, so they are ignored")
        check_executor(executor)  # before the experiment dir exists
        folder = new_experiment_dir(Path(task), out, cache=cache, max_cost=max_cost)
        console().print(f"experiment → {esc(folder)}")
        _run_experiment_dir(folder, max_concurrency=max_concurrency, executor=executor)
        return

    warn_ignored(ctx, EXPERIMENT_FLAGS, "ignored for a single task (used by experiment.yaml)")
    started = time.monotonic()
    with _progress() as on_event:
        results = run_trials(
            task,
            builder_model=builder_model,
            regenerator_model=regenerator_model,
            arms=[a.strip() for a in arms.split(",") if a.strip()],
            journal_style=journal_style,
            code_policy=code_policy,
            snippet_lines=snippet_lines,
            trials=trials,
            out=out,
            sandbox=sandbox,
            base_url=base_url,
            max_turns=max_turns,
            max_cost=max_cost,
            cache=cache,
            on_event=on_event,
        )
    for result in results:
        print_trial(result)
    print_wall_time(started)
    if any(r.status != "completed" for r in results):
        raise typer.Exit(FAILED_EXIT)


@app.command("resume")
@cli_errors
def resume(
    ctx: typer.Context,
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory or experiment dir made by `experiment run`.")
    ],
    max_cost: Budget = None,
    max_concurrency: MaxConcurrency = 4,
    executor: Executor = "local",
) -> None:
    """Continue a killed or interrupted run (or experiment) from its last completed step."""
    from experiments import ExperimentDir, resume_trial

    if ExperimentDir.holds_experiment(run_dir):
        _run_experiment_dir(
            run_dir, max_concurrency=max_concurrency, max_cost=max_cost, executor=executor
        )
        return
    why = "ignored when resuming a single run (its run.yaml holds its settings)"
    warn_ignored(ctx, ("max_cost", *EXPERIMENT_FLAGS), why)
    started = time.monotonic()
    with _progress(run_dir) as on_event:
        result = resume_trial(run_dir, on_event=on_event)
    print_trial(result)
    print_wall_time(started)
    if result.status != "completed":
        raise typer.Exit(FAILED_EXIT)


@app.command("retry")
@cli_errors
def retry(
    experiment_dir: Annotated[Path, typer.Argument(help="An experiment directory.")],
    failed: Annotated[
        bool, typer.Option("--failed", help="Rerun the trials that ended in an error.")
    ] = False,
    max_cost: Budget = None,
    max_concurrency: MaxConcurrency = 4,
    executor: Executor = "local",
) -> None:
    """Rerun an experiment's errored trials (with --failed) and finish the unfinished ones."""
    if not failed:
        console(stderr=True).print("nothing to do: say --failed to rerun errored trials")
        raise typer.Exit(InputError.exit_code)
    _run_experiment_dir(
        experiment_dir,
        max_concurrency=max_concurrency,
        max_cost=max_cost,
        retry_failed=True,
        executor=executor,
    )


def _run_experiment_dir(
    folder: Path,
    *,
    max_concurrency: int = 4,
    max_cost: float | None = None,
    retry_failed: bool = False,
    executor: str = "local",
) -> None:
    from experiments import ExperimentDir, ExperimentsError, check_executor, run_experiment

    if not ExperimentDir.holds_experiment(folder):
        raise ExperimentsError(
            f"{ExperimentDir(folder).spec}: not found; fix: give an experiment dir"
        )
    check_executor(executor)
    started = time.monotonic()
    with _experiment_view(folder) as on_progress:
        progress = run_experiment(
            folder,
            max_concurrency=max_concurrency,
            max_cost=max_cost,
            retry_failed=retry_failed,
            executor=executor,
            on_progress=on_progress,
        )
    print_experiment_end(folder, progress)
    print_wall_time(started)
    if progress.failed:
        raise typer.Exit(FAILED_EXIT)


@contextmanager
def _progress(run_dir: Path | None = None) -> Iterator[EventHandler]:
    """Print a trial's events as they come; on Ctrl-C, say how to resume."""
    from agents.models import interrupt_on_sigint

    printer = ProgressPrinter(str(run_dir) if run_dir else None)
    try:
        with interrupt_on_sigint():  # Ctrl-C stops the agents at once, not at their limits
            yield printer
    except KeyboardInterrupt:
        where = printer.run_dir or "RUN_DIR"
        console(stderr=True).print(f"interrupted; resume with: experiment resume {esc(where)}")
        raise typer.Exit(INTERRUPTED_EXIT) from None


@contextmanager
def _experiment_view(folder: Path) -> Iterator[Callable[[ExperimentProgress], None]]:
    """The experiment's live line; on Ctrl-C, say how to resume."""
    from agents.models import interrupt_on_sigint

    out = console()
    try:
        with interrupt_on_sigint(), live_line(out) as show:
            yield lambda progress: show(experiment_line(progress))
    except KeyboardInterrupt:
        console(stderr=True).print(f"interrupted; resume with: experiment resume {esc(folder)}")
        raise typer.Exit(INTERRUPTED_EXIT) from None

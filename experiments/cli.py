"""The `experiment` command line: thin commands over the library.

Heavy modules (pydantic models, LangChain, llama.cpp) are imported inside commands, so that
`experiment --help` answers at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from rich.console import Console

    from agents.models import ModelCheck
    from experiments import EventHandler, ProgressEvent
    from experiments._check import TaskCheck
    from experiments._results import TrialResult
    from experiments._tasks import LoadedTask

USER_ERROR_EXIT = 2

app = typer.Typer(
    name="experiment",
    help="Journal-and-regenerate experiments on AI coding agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
tasks_app = typer.Typer(help="Task definitions: list, show and check them.", no_args_is_help=True)
models_app = typer.Typer(
    help="Model providers: list them, check that a model answers.", no_args_is_help=True
)
app.add_typer(tasks_app, name="tasks")
app.add_typer(models_app, name="models")
# --- response cache sub-app ---
cache_app = typer.Typer(help="The model response cache: stats and clear.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")
CachePath = Annotated[
    Path | None,
    typer.Option(
        "--path",
        # Round brackets: rich would read "[default: ...]" as markup and drop it.
        help="The cache file (default: $REGENLAB_CACHE_DIR/responses.sqlite, "
        "else ~/.cache/regenlab/responses.sqlite).",
    ),
]
# --- end response cache sub-app ---

TasksDir = Annotated[
    Path | None,
    typer.Option(
        "--tasks-dir", help="Folder of task folders (default: $REGENLAB_TASKS_DIR or ./tasks)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
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


def _esc(value: object) -> str:
    """`value` as text that rich prints as it is: brackets in messages and paths are not markup."""
    from rich.markup import escape

    return escape(str(value))


def _warn_ignored(ctx: typer.Context, names: Iterable[str], why: str) -> None:
    """One line on stderr naming the options given on the command line that `why` ignores."""
    given = []
    for name in names:
        source = ctx.get_parameter_source(name)
        # By name: typer may bring its own copy of click and so its own ParameterSource enum.
        if source is not None and source.name == "COMMANDLINE":
            given.append(f"--{name.replace('_', '-')}")
    if given:
        _console(stderr=True).print(f"warning: {why}: {', '.join(given)}", markup=False)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # Errors stay on one line however narrow the terminal; tables and panels wrap.
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"regenlab {version('regenlab')}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Journal-and-regenerate experiments on AI coding agents."""


@app.command("run")
@cli_errors
def run(
    ctx: typer.Context,
    task: Annotated[str, typer.Argument(help="The task: a task.yaml, its folder, or a task id.")],
    builder_model: Annotated[
        str, typer.Option("--builder-model", help="provider/model of the builder.")
    ] = "local/qwen2.5-coder-1.5b",
    regenerator_model: Annotated[
        str, typer.Option("--regenerator-model", help="provider/model of the regenerator.")
    ] = "local/qwen2.5-coder-1.5b",
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
) -> None:
    """Run the experiment: on one task (task.yaml), or on a whole matrix (experiment.yaml)."""
    from experiments import check_executor, is_experiment_file, new_experiment_dir, run_trials

    if is_experiment_file(Path(task)):
        _warn_ignored(ctx, MATRIX_FLAGS, f"{task} sets these itself, so they are ignored")
        check_executor(executor)  # before the experiment dir exists
        folder = new_experiment_dir(Path(task), out, cache=cache, max_cost=max_cost)
        _console().print(f"experiment → {_esc(folder)}")
        _run_matrix(folder, max_concurrency=max_concurrency, executor=executor)
        return

    _warn_ignored(ctx, EXPERIMENT_FLAGS, "ignored for a single task (used by experiment.yaml)")
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
        _print_trial(result)
    if any(r.status != "completed" for r in results):
        raise typer.Exit(1)


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
        _run_matrix(run_dir, max_concurrency=max_concurrency, max_cost=max_cost, executor=executor)
        return
    why = "ignored when resuming a single run (its run.yaml holds its settings)"
    _warn_ignored(ctx, ("max_cost", *EXPERIMENT_FLAGS), why)
    with _progress(run_dir) as on_event:
        result = resume_trial(run_dir, on_event=on_event)
    _print_trial(result)
    if result.status != "completed":
        raise typer.Exit(1)


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
        _console(stderr=True).print("nothing to do: say --failed to rerun errored trials")
        raise typer.Exit(2)
    _run_matrix(
        experiment_dir,
        max_concurrency=max_concurrency,
        max_cost=max_cost,
        retry_failed=True,
        executor=executor,
    )


def _run_matrix(
    folder: Path,
    *,
    max_concurrency: int = 4,
    max_cost: float | None = None,
    retry_failed: bool = False,
    executor: str = "local",
) -> None:
    from experiments import ExperimentDir, check_executor, run_experiment

    if not ExperimentDir.holds_experiment(folder):
        from experiments._errors import ExperimentsError

        raise ExperimentsError(
            f"{ExperimentDir(folder).spec}: not found; fix: give an experiment dir"
        )
    check_executor(executor)
    with _matrix_view(folder) as on_progress:
        progress = run_experiment(
            folder,
            max_concurrency=max_concurrency,
            max_cost=max_cost,
            retry_failed=retry_failed,
            executor=executor,
            on_progress=on_progress,
        )
    console = _console()
    console.print(
        f"{progress.done + progress.skipped}/{progress.total} trials finished, "
        f"{len(progress.failed)} failed → {_esc(folder / 'results.jsonl')}"
    )
    for key, error in progress.errors.items():
        console.print(f"[red]failed[/red] {_esc(key)}: {_esc(error)}", soft_wrap=True)
    if progress.stopped:
        console.print(f"[yellow]stopped:[/yellow] {_esc(progress.stopped)}")
    if progress.failed:
        console.print(f"rerun the failed ones with: experiment retry {_esc(folder)} --failed")
        raise typer.Exit(1)


@contextmanager
def _matrix_view(folder: Path) -> Iterator[Callable[[Any], None]]:
    """A live line: trials done / running / failed, tokens, cost, ETA; Ctrl-C says how to resume."""
    console = _console()

    def line(p: Any) -> str:
        cost = "unknown" if p.usage.cost_usd is None else f"${p.usage.cost_usd:.4f}"
        eta = "-" if p.eta_s is None else f"{p.eta_s:.0f} s"
        tokens = p.usage.input_tokens + p.usage.output_tokens
        return (
            f"trials {p.done + p.skipped}/{p.total} done · {len(p.running)} running · "
            f"{len(p.failed)} failed · {tokens} tokens · {p.usage.retries} retries · cost {cost}"
            f" · ETA {eta}"
        )

    try:
        with _live_line(console) as show:
            yield lambda p: show(line(p))
    except KeyboardInterrupt:
        _console(stderr=True).print(f"interrupted; resume with: experiment resume {_esc(folder)}")
        raise typer.Exit(130) from None


@contextmanager
def _live_line(console: Console) -> Iterator[Callable[[str], None]]:
    """One line redrawn in place; ended with a newline however the output is connected."""
    from rich.live import Live
    from rich.text import Text

    try:
        with Live(console=console, auto_refresh=False, transient=False) as live:
            yield lambda text: live.update(Text(text), refresh=True)
    finally:
        if not console.is_terminal:
            console.line()  # off a terminal, Live prints its last line at the end, unended


@app.command("analyze")
@cli_errors
def analyze(
    original: Annotated[Path, typer.Argument(help="The original codebase (a folder).")],
    regenerated: Annotated[Path, typer.Argument(help="The codebase to compare with it.")],
    task: Annotated[
        str | None, typer.Option("--task", help="Task id or folder: run its hidden tests on both.")
    ] = None,
    journal: Annotated[
        Path | None,
        typer.Option("--journal", help="A journal (journal.md or any text) to measure."),
    ] = None,
    tasks_dir: TasksDir = None,
    json: JsonFlag = False,
) -> None:
    """Compare two Python codebases: structure, metrics, similarity (and tests, journal)."""
    from experiments._analysis import analyze_folders

    result = analyze_folders(original, regenerated, task=task, journal=journal, tasks_dir=tasks_dir)
    if json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from experiments._render import print_analysis

        print_analysis(result, _console())


@app.command("report")
@cli_errors
def report(
    runs_dir: Annotated[
        Path, typer.Argument(help="A run directory, or a folder of them (e.g. runs/).")
    ],
) -> None:
    """Write report.html/.md for each trial, and summary.html/.md with plots across trials."""
    from experiments.reports import write_reports

    written = write_reports(runs_dir)
    console = _console()
    for path in written:
        console.print(f"wrote {_esc(path)}")


@app.command("post")
@cli_errors
def post(
    runs_dir: Annotated[Path, typer.Argument(help="A folder of run directories (e.g. runs/).")],
    model: Annotated[
        str | None,
        typer.Option("--model", help="provider/model to polish the prose; numbers are checked."),
    ] = None,
) -> None:
    """Draft a Markdown post from the results (post.md): every number comes from the results."""
    from experiments import write_post

    path = write_post(runs_dir, model=model)  # a rejected polish: one line, exit 1
    _console().print(f"wrote {_esc(path)}")


@tasks_app.command("list")
@cli_errors
def tasks_list(tasks_dir: TasksDir = None, json: JsonFlag = False) -> None:
    """List the tasks: id, title, difficulty and number of hidden tests."""
    from experiments._tasks import list_tasks

    listing = list_tasks(tasks_dir=tasks_dir)
    if json:
        _print_json([_task_summary(t) for t in listing.tasks])
    else:
        _print_task_table(listing.tasks)
    for error in listing.errors:
        _console(stderr=True).print(f"[red]error:[/red] {_esc(error)}", markup=True)
    if listing.errors:
        raise typer.Exit(USER_ERROR_EXIT)


@tasks_app.command("show")
@cli_errors
def tasks_show(
    task: Annotated[str, typer.Argument(help="Task id, task folder or task.yaml.")],
    tasks_dir: TasksDir = None,
    json: JsonFlag = False,
) -> None:
    """Show one task: its settings, hidden-test files and prompt."""
    from experiments._tasks import find_task

    loaded = find_task(task, tasks_dir=tasks_dir)
    if json:
        _print_json({**loaded.spec.model_dump(mode="json"), **_task_summary(loaded)})
    else:
        _print_task(loaded)


@tasks_app.command("check")
@cli_errors
def tasks_check(
    tasks: Annotated[
        list[str] | None, typer.Argument(help="Task ids or folders (default: every task).")
    ] = None,
    tasks_dir: TasksDir = None,
    sandbox: Annotated[
        str, typer.Option("--sandbox", help="Sandbox backend: auto, bwrap, local or docker.")
    ] = "auto",
    json: JsonFlag = False,
) -> None:
    """Prove each task's hidden tests pass on its reference and fail without it (in the sandbox).

    Exits 1 unless every task scores 100 % on its reference, 0 % on an empty workspace and
    below 100 % with one public function of the reference removed.
    """
    from experiments._check import check_tasks

    checks = check_tasks(tasks, tasks_dir=tasks_dir, sandbox=sandbox)
    if json:
        _print_json([{**c.model_dump(mode="json"), "ok": c.ok} for c in checks])
    else:
        _print_checks(checks)
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@models_app.command("list")
def models_list() -> None:
    """List the model providers, the variables they read and an example model string."""
    import os

    from rich.table import Table

    from agents.models import providers

    table = Table("provider", "example", "reads", "description")
    for info in providers():
        reads = ", ".join(f"{v} ({'set' if os.environ.get(v) else 'unset'})" for v in info.env_vars)
        row = (info.name, info.example, reads or "-", info.description)
        table.add_row(*(_esc(cell) for cell in row))
    _console().print(table)


@models_app.command("check")
@cli_errors
def models_check(
    model: Annotated[str, typer.Argument(help="provider/model, e.g. local/qwen2.5-coder-1.5b.")],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Server URL (openai-compatible, openai, anthropic)."),
    ] = None,
    prompt: Annotated[str | None, typer.Option("--prompt", help="What to send.")] = None,
    max_tokens: Annotated[
        int, typer.Option("--max-tokens", min=1, help="Output token limit.")
    ] = 64,
    mock_script: Annotated[
        Path | None, typer.Option("--mock-script", help="YAML/JSON script for mock/* models.")
    ] = None,
    json: JsonFlag = False,
) -> None:
    """Send one short request and print the reply, tokens/s and usage."""
    from agents.models import check_model
    from agents.models._check import DEFAULT_PROMPT

    result = check_model(
        model,
        base_url=base_url,
        prompt=prompt or DEFAULT_PROMPT,
        max_tokens=max_tokens,
        mock_script=mock_script,
    )
    if json:
        _print_json(result.model_dump(mode="json"))
    else:
        _print_check(result)


# --- response cache sub-app ---
@cache_app.command("stats")
@cli_errors
def cache_stats(path: CachePath = None, json: JsonFlag = False) -> None:
    """Show how many replies the cache holds, per model, and its size."""
    from rich.table import Table

    from agents.models import ResponseCache

    with ResponseCache(path) as cache:
        stats = cache.stats()
    if json:
        _print_json(stats.model_dump(mode="json"))
        return
    table = Table("model", "entries", title=f"{stats.entries} cached replies")
    for model, count in stats.models.items():
        table.add_row(_esc(model or "-"), str(count))
    console = _console()
    console.print(table)
    console.print(f"[bold]file[/bold]  {_esc(stats.path)} ({stats.size_bytes / 1024:.1f} KiB)")


@cache_app.command("clear")
@cli_errors
def cache_clear(
    path: CachePath = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Only this model's entries (provider/model)."),
    ] = None,
) -> None:
    """Delete cached replies: all of them, or one model's."""
    from agents.models import ResponseCache

    with ResponseCache(path) as cache:
        deleted = cache.clear(model)
    noun = "reply" if deleted == 1 else "replies"
    which = f" of {model}" if model else ""
    typer.echo(f"deleted {deleted} cached {noun}{which} ({cache.path})")


# --- end response cache sub-app ---


@contextmanager
def _progress(run_dir: Path | None = None) -> Iterator[EventHandler]:
    """Print workflow events as they come; on Ctrl-C, say how to resume."""
    from agents import ToolEvent
    from experiments import AgentStarted, JournalSealed, TestsFinished, TrialStarted

    console = _console()
    state = {"run_dir": str(run_dir) if run_dir else None}

    def on_event(event: ProgressEvent) -> None:
        if isinstance(event, TrialStarted):
            state["run_dir"] = event.run_dir
            where = _esc(event.run_dir)
            console.print(f"[bold]trial {event.trial}/{event.of}[/bold] → {where}")
        elif isinstance(event, ToolEvent):
            mark = "[red]✗[/red]" if event.error else "·"
            what = _esc(f"{event.role} turn {event.turn}: {event.tool} {event.target}")
            console.print(f"  {mark} {what}  [dim]({event.output_tokens} output tokens)[/dim]")
        elif isinstance(event, TestsFinished):
            console.print(f"  hidden tests on {_esc(event.codebase)}: {event.pass_rate:.0%}")
        elif isinstance(event, AgentStarted):
            console.print(f"[cyan]{_esc(event.step)}[/cyan] with {_esc(event.model)}")
        elif isinstance(event, JournalSealed):
            console.print(f"[cyan]seal_journal[/cyan]: {event.entries} entries")

    try:
        yield on_event
    except KeyboardInterrupt:
        where = state["run_dir"] or "RUN_DIR"
        _console(stderr=True).print(f"interrupted; resume with: experiment resume {_esc(where)}")
        raise typer.Exit(130) from None


def _print_trial(result: TrialResult) -> None:
    from rich.table import Table

    console = _console()
    table = Table("codebase", "pass rate", "passed", "fidelity", "agent stop", "turns", "cost")
    for name, tests in result.tests.items():
        agent = result.builder if name == "original" else result.regenerators.get(name)
        fid = result.fidelity.get(name)
        cost = agent.usage.cost_usd if agent else None
        table.add_row(
            _esc(name),
            f"{tests.pass_rate:.0%}",
            f"{tests.passed}/{tests.total}",
            "-" if name == "original" else ("undefined" if fid is None else f"{fid:.2f}"),
            _esc(agent.stop_reason) if agent else "-",
            str(agent.turns) if agent else "-",
            "unknown" if cost is None else f"${cost:.4f}",
        )
    table.title = _esc(f"{result.task}: {result.status} ({result.run_dir})")
    console.print(table)
    if result.error:
        console.print(f"[red]error:[/red] {_esc(result.error)}")
        console.print(f"resume with: experiment resume {_esc(result.run_dir)}")
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {_esc(note)}")


def _print_json(data: Any) -> None:
    import json

    typer.echo(json.dumps(data, indent=2))


def _task_summary(task: LoadedTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.spec.title,
        "difficulty": task.spec.difficulty,
        "hidden_tests": task.hidden_test_count,
        "folder": str(task.folder),
    }


def _print_task_table(tasks: tuple[LoadedTask, ...]) -> None:
    from rich.table import Table

    table = Table("id", "title", "difficulty", "hidden tests", title=f"{len(tasks)} task(s)")
    for task in tasks:
        row = (task.id, task.spec.title, task.spec.difficulty, str(task.hidden_test_count))
        table.add_row(*(_esc(cell) for cell in row))
    _console().print(table)


def _print_task(task: LoadedTask) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.table import Table

    spec = task.spec
    facts = Table.grid(padding=(0, 2))
    rows = [
        ("id", spec.id),
        ("title", spec.title),
        ("difficulty", spec.difficulty),
        ("language", spec.language),
        ("tags", ", ".join(spec.tags) or "-"),
        ("folder", str(task.folder)),
        ("hidden tests", f"{task.hidden_test_count} in {len(task.hidden_test_files)} file(s)"),
        ("tests", f"timeout {spec.tests.timeout_s} s, import root {spec.tests.import_root!r}"),
        (
            "limits",
            f"{spec.limits.max_turns} turns, {spec.limits.max_output_tokens} output tokens, "
            f"{spec.limits.timeout_s} s",
        ),
        ("visible tests", str(task.visible_tests_dir) if task.visible_tests_dir else "none"),
    ]
    for name, value in rows:
        facts.add_row(f"[bold]{name}[/bold]", _esc(value))
    console = _console()
    console.print(facts)
    console.print(Panel(Markdown(spec.prompt), title="prompt", title_align="left"))


def _print_checks(checks: list[TaskCheck]) -> None:
    from rich.table import Table

    table = Table("task", "tests", "reference", "empty", "mutant", "removed", "result")
    for c in checks:
        mutant = "-" if c.mutant is None else f"{c.mutant:.0%}"
        verdict = "[green]ok[/green]" if c.ok else "[red]FAIL[/red]"
        row = (c.task, str(c.tests), f"{c.reference:.0%}", f"{c.empty:.0%}", mutant)
        table.add_row(*(_esc(cell) for cell in (*row, c.removed or "-")), verdict)
    backend = checks[0].backend if checks else "-"
    table.title = f"{sum(c.ok for c in checks)}/{len(checks)} task(s) ok (sandbox: {backend})"
    console = _console()
    console.print(table)
    for c in checks:
        for problem in c.problems:
            console.print(f"[red]{_esc(c.task)}:[/red] {_esc(problem)}")


def _print_check(result: ModelCheck) -> None:
    from rich.panel import Panel

    usage = result.usage
    speed = f"{result.tokens_per_second:.1f} tokens/s" if result.tokens_per_second else "n/a"
    cost = (
        "unknown (no price for this model)" if usage.cost_usd is None else f"${usage.cost_usd:.6f}"
    )
    console = _console()
    console.print(f"[bold]model[/bold]   {_esc(result.model)}")
    console.print(f"[bold]prompt[/bold]  {_esc(result.prompt)}")
    console.print(Panel(_esc(result.reply or "(empty reply)"), title="reply", title_align="left"))
    console.print(
        f"[bold]speed[/bold]   {speed}  (load {result.load_s:.2f} s, call {usage.latency_s:.2f} s)"
    )
    console.print(
        f"[bold]usage[/bold]   input {usage.input_tokens} · output {usage.output_tokens} · "
        f"cached {usage.cached_tokens} · retries {usage.retries} · cost {cost}"
    )
    for note in result.notes:
        console.print(f"[yellow]note[/yellow]    {_esc(note)}")


# The companions' commands (infra/, voice/, training/); their modules import only typer.
from infra.cli import cloud_app  # noqa: E402
from training.cli import train_app  # noqa: E402
from voice.cli import voice_app  # noqa: E402

app.add_typer(cloud_app, name="cloud")
app.add_typer(voice_app, name="voice")
app.add_typer(train_app, name="train")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

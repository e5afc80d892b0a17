"""The `experiment` command line: thin commands over the library.

Heavy modules (pydantic models, LangChain, llama.cpp) are imported inside commands, so that
`experiment --help` answers at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from agents.models import ModelCheck
    from experiments._check import TaskCheck
    from experiments._tasks import LoadedTask

F = TypeVar("F", bound=Callable[..., Any])

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

TasksDir = Annotated[
    Path | None,
    typer.Option(
        "--tasks-dir", help="Folder of task folders [default: $REGENLAB_TASKS_DIR or ./tasks]."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    # Errors stay on one line however narrow the terminal; tables and panels wrap.
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def user_errors(command: F) -> F:
    """Turn the project's errors into one line on stderr and exit code 2, without a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from agents import AgentsError
        from experiments._errors import ExperimentsError
        from sandbox import SandboxError

        try:
            return command(*args, **kwargs)
        except (AgentsError, ExperimentsError, SandboxError) as exc:
            _console(stderr=True).print(f"[red]error:[/red] {exc}", markup=True)
            raise typer.Exit(USER_ERROR_EXIT) from None

    return wrapper  # type: ignore[return-value]


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


@tasks_app.command("list")
@user_errors
def tasks_list(tasks_dir: TasksDir = None, json: JsonFlag = False) -> None:
    """List the tasks: id, title, difficulty and number of hidden tests."""
    from experiments._tasks import list_tasks

    listing = list_tasks(tasks_dir=tasks_dir)
    if json:
        _print_json([_task_summary(t) for t in listing.tasks])
    else:
        _print_task_table(listing.tasks)
    for error in listing.errors:
        _console(stderr=True).print(f"[red]error:[/red] {error}", markup=True)
    if listing.errors:
        raise typer.Exit(USER_ERROR_EXIT)


@tasks_app.command("show")
@user_errors
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
@user_errors
def tasks_check(
    tasks: Annotated[
        list[str] | None, typer.Argument(help="Task ids or folders [default: every task].")
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
        table.add_row(info.name, info.example, reads or "-", info.description)
    _console().print(table)


@models_app.command("check")
@user_errors
def models_check(
    model: Annotated[str, typer.Argument(help="provider/model, e.g. local/gemma-3-270m.")],
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
        table.add_row(task.id, task.spec.title, task.spec.difficulty, str(task.hidden_test_count))
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
        facts.add_row(f"[bold]{name}[/bold]", value)
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
        table.add_row(*row, c.removed or "-", verdict)
    backend = checks[0].backend if checks else "-"
    table.title = f"{sum(c.ok for c in checks)}/{len(checks)} task(s) ok (sandbox: {backend})"
    console = _console()
    console.print(table)
    for c in checks:
        for problem in c.problems:
            console.print(f"[red]{c.task}:[/red] {problem}")


def _print_check(result: ModelCheck) -> None:
    from rich.panel import Panel

    usage = result.usage
    speed = f"{result.tokens_per_second:.1f} tokens/s" if result.tokens_per_second else "n/a"
    cost = (
        "unknown (no price for this model)" if usage.cost_usd is None else f"${usage.cost_usd:.6f}"
    )
    console = _console()
    console.print(f"[bold]model[/bold]   {result.model}")
    console.print(f"[bold]prompt[/bold]  {result.prompt}")
    console.print(Panel(result.reply or "(empty reply)", title="reply", title_align="left"))
    console.print(
        f"[bold]speed[/bold]   {speed}  (load {result.load_s:.2f} s, call {usage.latency_s:.2f} s)"
    )
    console.print(
        f"[bold]usage[/bold]   input {usage.input_tokens} · output {usage.output_tokens} · "
        f"cached {usage.cached_tokens} · retries {usage.retries} · cost {cost}"
    )
    for note in result.notes:
        console.print(f"[yellow]note[/yellow]    {note}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()

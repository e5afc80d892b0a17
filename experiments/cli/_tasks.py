"""`experiment tasks list`, `show` and `check`: the task definitions."""

from __future__ import annotations

from typing import Annotated

import typer

from experiments._printers import (
    console,
    esc,
    print_checks,
    print_json,
    print_task,
    print_task_table,
    task_summary,
)
from experiments.cli._app import JsonFlag, TasksDir, tasks_app
from usererrors import FAILED_EXIT, InputError, cli_errors


@tasks_app.command("list")
@cli_errors
def tasks_list(tasks_dir: TasksDir = None, json: JsonFlag = False) -> None:
    """List the tasks: id, title, difficulty and number of hidden tests."""
    from experiments import list_tasks

    listing = list_tasks(tasks_dir=tasks_dir)
    if json:
        print_json([task_summary(t) for t in listing.tasks])
    else:
        print_task_table(listing.tasks)
    for error in listing.errors:
        console(stderr=True).print(f"[red]error:[/red] {esc(error)}", markup=True)
    if listing.errors:
        raise typer.Exit(InputError.exit_code)


@tasks_app.command("show")
@cli_errors
def tasks_show(
    task: Annotated[str, typer.Argument(help="Task id, task folder or task.yaml.")],
    tasks_dir: TasksDir = None,
    json: JsonFlag = False,
) -> None:
    """Show one task: its settings, hidden-test files and prompt."""
    from experiments import find_task

    loaded = find_task(task, tasks_dir=tasks_dir)
    if json:
        print_json({**loaded.spec.model_dump(mode="json"), **task_summary(loaded)})
    else:
        print_task(loaded)


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
    from experiments import check_tasks

    checks = check_tasks(tasks, tasks_dir=tasks_dir, sandbox=sandbox)
    if json:
        print_json([{**c.model_dump(mode="json"), "ok": c.ok} for c in checks])
    else:
        print_checks(checks)
    if not all(c.ok for c in checks):
        raise typer.Exit(FAILED_EXIT)

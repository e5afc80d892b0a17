"""`experiment analyze`, `report` and `post`: compare two codebases, report runs, draft a post."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from experiments._printers import console, esc
from experiments.cli._app import JsonFlag, TasksDir, app
from usererrors import cli_errors


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
    from experiments import analyze_folders

    result = analyze_folders(original, regenerated, task=task, journal=journal, tasks_dir=tasks_dir)
    if json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        from experiments._render import print_analysis

        print_analysis(result, console())


@app.command("report")
@cli_errors
def report(
    runs_dir: Annotated[
        Path, typer.Argument(help="A run directory, or a folder of them (e.g. runs/).")
    ],
) -> None:
    """Write report.html/.md for each trial, and summary.html/.md with plots across trials."""
    from experiments import write_reports

    written = write_reports(runs_dir)
    out = console()
    for path in written:
        out.print(f"wrote {esc(path)}")


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
    console().print(f"wrote {esc(path)}")

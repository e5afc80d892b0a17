"""The `experiment` app, its command groups, and the options several commands share."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="experiment",
    help="Journal-and-regenerate experiments on AI coding agents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help: rich's help panels cost `--help` 0.13 s of imports and layout, more than the
    # rest of the CLI's start (benchmarks/cli_startup.py). As wide as the terminal, up to 120.
    rich_markup_mode=None,
    context_settings={"max_content_width": 120},
)
tasks_app = typer.Typer(help="Task definitions: list, show and check them.", no_args_is_help=True)
models_app = typer.Typer(
    help="Model providers: list them, check that a model answers.", no_args_is_help=True
)
cache_app = typer.Typer(help="The model response cache: stats and clear.", no_args_is_help=True)
app.add_typer(tasks_app, name="tasks")
app.add_typer(models_app, name="models")
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
TasksDir = Annotated[
    Path | None,
    typer.Option(
        "--tasks-dir", help="Folder of task folders (default: $REGENLAB_TASKS_DIR or ./tasks)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def warn_ignored(ctx: typer.Context, names: Iterable[str], why: str) -> None:
    """One line on stderr naming the options given on the command line that `why` ignores."""
    from experiments._printers import console

    given = []
    for name in names:
        source = ctx.get_parameter_source(name)
        # By name: typer may bring its own copy of click and so its own ParameterSource enum.
        if source is not None and source.name == "COMMANDLINE":
            given.append(f"--{name.replace('_', '-')}")
    if given:
        console(stderr=True).print(f"warning: {why}: {', '.join(given)}", markup=False)


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

"""`experiment models list` and `check`, and `experiment cache stats` and `clear`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from experiments._printers import console, esc, print_json, print_model_check
from experiments.cli._app import CachePath, JsonFlag, cache_app, models_app
from usererrors import cli_errors


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
        table.add_row(*(esc(cell) for cell in row))
    console().print(table)


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

    given = {"prompt": prompt} if prompt else {}  # else check_model's own default prompt
    result = check_model(
        model, base_url=base_url, max_tokens=max_tokens, mock_script=mock_script, **given
    )
    if json:
        print_json(result.model_dump(mode="json"))
    else:
        print_model_check(result)


@cache_app.command("stats")
@cli_errors
def cache_stats(path: CachePath = None, json: JsonFlag = False) -> None:
    """Show how many replies the cache holds, per model, and its size."""
    from rich.table import Table

    from agents.models import ResponseCache

    with ResponseCache(path) as cache:
        stats = cache.stats()
    if json:
        print_json(stats.model_dump(mode="json"))
        return
    table = Table("model", "entries", title=f"{stats.entries} cached replies")
    for model, count in stats.models.items():
        table.add_row(esc(model or "-"), str(count))
    out = console()
    out.print(table)
    out.print(f"[bold]file[/bold]  {esc(stats.path)} ({stats.size_bytes / 1024:.1f} KiB)")


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

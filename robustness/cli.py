"""`experiment robustness …`: variants, run, report, export and import.

Only typer and the standard library are imported here; the lab itself is imported inside the
commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from robustness._runner import Progress

robustness_app = typer.Typer(
    help="Prompt-robustness lab: meaning-preserving variants, fragility against the noise floor, "
    "promptfoo round trip.",
    no_args_is_help=True,
)

SuiteArg = Annotated[
    Path,
    typer.Argument(help="robustness.yaml, or a promptfooconfig.yaml as it is.", show_default=False),
]
ModelOption = Annotated[
    str | None, typer.Option("--model", help="provider/model to test (default: the suite's).")
]
ResamplesOption = Annotated[
    int, typer.Option("--resamples", min=100, help="Bootstrap resamples behind each interval.")
]
ProfileOption = Annotated[
    str, typer.Option("--profile", help="How much to run: quick, full, or one the suite defines.")
]


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


@robustness_app.command("variants")
@cli_errors
def variants(
    suite: SuiteArg,
    show: Annotated[int, typer.Option("--show", help="Variants to print with their diff.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print every variant as JSON.")] = False,
    family: Annotated[str | None, typer.Option("--family", help="Only this family.")] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Root seed (default: the suite's).")
    ] = None,
) -> None:
    """Generate the suite's variants: counts per family and kind, and a few with their diff."""
    import json

    from robustness import make_variants

    made = make_variants(suite, family=family, seed=seed)
    if as_json:
        typer.echo(
            json.dumps([v.model_dump(mode="json") for v in made], indent=2, ensure_ascii=False)
        )
        return
    from robustness._show import print_variants

    print_variants(_console(), made, show)


def _progress_printer() -> tuple[Any, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    bar = Bar(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        transient=False,
    )
    tasks: dict[str, Any] = {}

    def update(progress: Progress) -> None:
        if progress.phase == "done":
            return
        if progress.phase not in tasks:
            tasks[progress.phase] = bar.add_task(progress.phase, total=progress.total, note="")
        note = f"{progress.errors} failed" if progress.errors else ""
        if progress.spent_usd:
            note += f" ${progress.spent_usd:.4f}"
        bar.update(tasks[progress.phase], completed=progress.done, total=progress.total, note=note)

    return bar, update


@robustness_app.command("run")
@cli_errors
def run(
    suite: SuiteArg,
    profile: ProfileOption = "quick",
    model: ModelOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Run folder (default: runs/robustness-<time>-<suite>); an existing one resumes.",
        ),
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", help="USD: no new call starts once spent.")
    ] = None,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Do not answer variant calls from the response cache."),
    ] = False,
    max_concurrency: Annotated[
        int | None,
        typer.Option("--max-concurrency", help="Calls in flight (default: 1 local, 4 hosted)."),
    ] = None,
    resamples: ResamplesOption = 10_000,
) -> None:
    """Run the suite's variants through the model and write results, metrics and the report."""
    from robustness import run_suite
    from robustness._show import print_headline

    bar, update = _progress_printer()
    with bar:
        folder = run_suite(
            suite,
            profile=profile,
            model=model,
            out=out,
            max_cost=max_cost,
            cache=not no_cache,
            max_concurrency=max_concurrency,
            resamples=resamples,
            on_progress=update,
        )
    print_headline(_console(), folder)


@robustness_app.command("report")
@cli_errors
def report(
    run_dir: Annotated[
        Path, typer.Argument(help="A folder written by `experiment robustness run`.")
    ],
    resamples: ResamplesOption = 10_000,
) -> None:
    """Recompute the metrics of a run folder and write its report again."""
    from robustness import write_report
    from robustness._show import print_headline

    paths = write_report(run_dir, resamples=resamples)
    print_headline(_console(), run_dir)
    typer.echo(f"html: {paths.html}")


@robustness_app.command("export")
@cli_errors
def export(
    suite: SuiteArg,
    promptfoo: Annotated[
        bool,
        typer.Option("--promptfoo", help="Write a promptfooconfig.yaml (the one format today)."),
    ] = False,
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path(
        "promptfoo-export"
    ),
    profile: ProfileOption = "quick",
    model: ModelOption = None,
) -> None:
    """Export the profile's planned calls for promptfoo, with a provider that calls our models."""
    from robustness import SuiteError, export_promptfoo

    if not promptfoo:
        raise SuiteError("export: say which format; fix: add --promptfoo")
    made = export_promptfoo(suite, out=out, profile=profile, model=model)
    console = _console()
    console.print(f"{made.config}: {made.prompts} prompts, {made.tests} tests")
    for note in made.unmapped:
        console.print(f"[yellow]not exported[/yellow] {note}", markup=True)
    console.print(
        f"run it: PROMPTFOO_PYTHON=.venv/bin/python .tools/bin/promptfoo eval -c {made.config} "
        f"-o {out / 'results.json'} --no-cache"
    )


@robustness_app.command("import")
@cli_errors
def import_(
    results: Annotated[
        Path, typer.Argument(help="promptfoo's results JSON (`promptfoo eval -o`).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Run folder (default: runs/robustness-<time>-<suite>-promptfoo)."
        ),
    ] = None,
    resamples: ResamplesOption = 10_000,
) -> None:
    """Grade promptfoo's replies with our checks; metrics, report, and the verdicts compared."""
    from robustness import import_promptfoo
    from robustness._show import print_headline

    imported = import_promptfoo(results, out=out, resamples=resamples)
    agreement = imported.agreement
    print_headline(_console(), Path(imported.folder))
    typer.echo(
        f"promptfoo's verdict equals ours on {agreement.agreed} of {agreement.compared} tests "
        f"({agreement.not_comparable} not comparable)"
    )
    for key in agreement.disagreements[:10]:
        typer.echo(f"differs: {key}")

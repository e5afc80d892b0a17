"""`experiment voice …`: bench the streaming voice pipeline and simulate latency budgets.

Only typer is imported here; the pipeline (Pipecat, the models), numpy and matplotlib are
imported inside the commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from usererrors import cli_errors

if TYPE_CHECKING:
    from voice._config import BenchConfig

voice_app = typer.Typer(
    help="Streaming voice lab: bench the offline pipeline, simulate latency budgets, diarize.",
    no_args_is_help=True,
)

ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Bench settings YAML (fields of voice._config.BenchConfig)."),
]
DesignsOption = Annotated[
    str | None,
    typer.Option("--designs", help="Comma-separated: non_streaming, streaming, preemptive."),
]


def _config(path: Path | None, **overrides: Any) -> BenchConfig:
    """The --config file (or the defaults) with the command-line options on top."""
    from voice._config import BenchConfig, VoiceConfigError, load_yaml
    from voice._types import DESIGNS

    config = load_yaml(path, BenchConfig) if path else BenchConfig()
    designs = overrides.pop("designs", None)
    if designs is not None:
        names = [name.strip() for name in designs.split(",") if name.strip()]
        unknown = [name for name in names if name not in DESIGNS]
        if unknown or not names:
            raise VoiceConfigError(
                f"--designs: unknown design(s) {unknown or names}; fix: use {', '.join(DESIGNS)}"
            )
        overrides["designs"] = names
    given = {key: value for key, value in overrides.items() if value is not None}
    return BenchConfig.model_validate({**config.model_dump(), **given})


@voice_app.command("bench")
@cli_errors
def bench(
    config: ConfigOption = None,
    llm: Annotated[
        str | None,
        typer.Option("--llm", help="provider/model (default: the config's, local/gemma-3-270m)."),
    ] = None,
    designs: DesignsOption = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path(
        "runs/voice-bench"
    ),
) -> None:
    """Run the 5-turn conversation through each design, measure turn-taking, write a report."""
    from voice._bench import run_bench
    from voice._stats import stat
    from voice._types import VOICE_TO_VOICE

    settings = _config(config, llm=llm, designs=designs)
    result, paths = run_bench(settings, out)
    for design, stats in result.stats.items():
        row = stat(stats, VOICE_TO_VOICE)
        if row is not None and row.p50_s is not None:
            typer.echo(f"{design}: voice-to-voice p50 {row.p50_s * 1000:.0f} ms (n={row.n})")
    ratio = result.streaming_vs_non_streaming_p50_ratio
    if ratio is not None:
        typer.echo(f"streaming / non-streaming p50: {ratio:.2f}")
    for check in result.simulator_check:
        bar = f"{check.tolerance * 100:.0f} %"
        verdict = f"within {bar}" if check.within_20_percent else f"NOT within {bar}"
        typer.echo(f"simulator, {check.design}: {check.relative_error * 100:.0f} % off, {verdict}")
    typer.echo(f"report: {paths.markdown}")


@voice_app.command("simulate")
@cli_errors
def simulate(
    config: ConfigOption = None,
    vendors: Annotated[
        Path | None,
        typer.Option("--vendors", help="Vendors' figures (default: voice/vendors.yaml)."),
    ] = None,
    measured: Annotated[
        Path | None,
        typer.Option("--measured", help="A bench.json whose runs give the local components."),
    ] = None,
    designs: DesignsOption = None,
) -> None:
    """Predict voice-to-voice p50/p95 per design and component combination (no audio), and
    set end-to-end speech models beside the cascades."""
    from voice._config import VendorFile, load_yaml
    from voice._report import simulator_table, trade_off_section
    from voice._simulator import end_to_end_profiles, local_profile, simulate_all, vendor_profiles
    from voice._stats import stats_by_design
    from voice._tradeoffs import trade_offs
    from voice._types import END_TO_END, BenchResult

    settings = _config(config, vendors=vendors, designs=designs)
    figures = load_yaml(settings.vendors, VendorFile)
    local, runs = None, []
    if measured is not None:
        runs = load_yaml(measured, BenchResult).runs
        local = local_profile(runs)
    profiles = ([local] if local else []) + vendor_profiles(figures, local)
    profiles += end_to_end_profiles(figures, local)
    chosen = [*settings.designs, END_TO_END]
    rows = simulate_all(profiles, chosen, samples=settings.samples, seed=settings.seed)
    typer.echo(simulator_table(rows))
    cloud = [row for row in rows if not row.profile.startswith("local")]
    table = trade_offs(figures, cloud, runs=runs, stats=stats_by_design(runs))
    typer.echo("\n" + trade_off_section(table))
    typer.echo(f"\n{figures.disclaimer}")


@voice_app.command("diarize")
@cli_errors
def diarize(
    audio: Annotated[
        list[Path] | None,
        typer.Argument(
            help="WAV files (16-bit PCM) or synthetic conversation YAMLs "
            "(default: the bundled conversations).",
            show_default=False,
        ),
    ] = None,
    rttm: Annotated[
        Path | None,
        typer.Option("--rttm", help="Reference RTTM (file ids = the WAV files' stems)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Folder for the report (default: runs/voice-diarize-<time>)."),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="Pipeline settings YAML (voice.diarization.DiarizeConfig)."),
    ] = None,
    speakers: Annotated[
        int | None,
        typer.Option("--speakers", help="Number of speakers, for the -known pipelines."),
    ] = None,
) -> None:
    """Who spoke when: offline and streaming pipelines, DER/JER against the reference."""
    from voice.diarization import diarize as run

    result, paths = run(audio or [], rttm=rttm, out=out, config=config, speakers=speakers)
    for row in result.pooled:
        if row.collar_s == 0.0 and row.pipeline in result.headline:
            der, jer = row.der.value * 100, row.jer.value * 100
            typer.echo(f"{row.pipeline}: DER {der:.1f} % (JER {jer:.1f} %, n={row.der.n})")
    if not result.pooled:
        typer.echo("no reference given: not scored (pass --rttm)")
    typer.echo(f"report: {paths.markdown}")

"""`experiment voice …`: bench the streaming voice pipeline and simulate latency budgets.

Only typer is imported here; the pipeline (Pipecat, the models), numpy and matplotlib are
imported inside the commands, so that `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from experiments._companion import user_errors

if TYPE_CHECKING:
    from voice._config import BenchConfig

voice_app = typer.Typer(
    help="Streaming voice lab: bench the offline pipeline, simulate latency budgets.",
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
@user_errors
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
@user_errors
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
    """Predict voice-to-voice p50/p95 per design and component combination (no audio)."""
    from voice._config import VendorFile, load_yaml
    from voice._report import simulator_table
    from voice._simulator import local_profile, simulate_all, vendor_profiles
    from voice._types import BenchResult

    settings = _config(config, vendors=vendors, designs=designs)
    figures = load_yaml(settings.vendors, VendorFile)
    local = None
    if measured is not None:
        local = local_profile(load_yaml(measured, BenchResult).runs)
    profiles = ([local] if local else []) + vendor_profiles(figures, local)
    rows = simulate_all(profiles, settings.designs, samples=settings.samples, seed=settings.seed)
    typer.echo(simulator_table(rows))
    typer.echo(f"\n{figures.disclaimer}")

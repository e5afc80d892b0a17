"""The report of a run: report.md, report.html (the shared look, caveats first), drops.png and
heatmap.png per prompt, and metrics.json, all from the files the run wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from analysis import Estimate, caveats_markdown, fmt, report_page
from robustness._diff import unified
from robustness._metrics import FragileCase, Metrics, Row, Spread, compute_metrics
from robustness._posix import POSIX_FILE, PosixResult
from robustness._records import (
    METRICS_FILE,
    ResultsLog,
    RunInfo,
    read_run,
    read_variants,
    write_json,
)
from robustness._variants import Variant

ROW_HEADER = (
    "| family | severity | cases | variants | s | clean | perturbed | drop | PDR | flip rate "
    "| Robust Pass_s | p (Holm) | fragile |\n|" + "---|" * 13
)


class ReportPaths(NamedTuple):
    """Where the report went."""

    markdown: Path
    html: Path
    metrics: Path
    plots: list[Path]


def _est(value: Estimate | None, kind: fmt.Kind = "pct", *, difference: bool = False) -> str:
    """An estimate with its interval and its number of cases."""
    if value is None:
        return fmt.UNDEFINED
    return f"{fmt.estimate(value, kind, difference=difference)} (n={value.n})"


def _value(value: Estimate | None, metric: str, *, difference: bool = False) -> str:
    """In the metric's units: a share for pass rates (points for a difference), else a number."""
    return _est(value, "pct" if metric == "pass" else "ratio", difference=difference)


def floor_text(floor: float, metric: str) -> str:
    """The noise floor in the metric's units: points of pass rate, or score."""
    return f"±{floor * 100:.1f} pp" if metric == "pass" else f"±{floor:.3f}"


def _row_line(row: Row, metric: str) -> str:
    p = "—" if row.p_holm is None else f"{row.p_holm:.3g}"
    severity = "all" if row.severity is None else str(row.severity)
    return (
        f"| {row.family} | {severity} | {row.cases} | {row.variants} | {row.s} | "
        f"{_value(row.clean, metric)} | {_value(row.perturbed, metric)} | "
        f"{_value(row.drop, metric, difference=True)} | "
        f"{_est(row.pdr, 'ratio', difference=True)} | {_est(row.flip_rate)} | "
        f"{_est(row.robust_pass)} | {p} | {'**yes**' if row.fragile else 'no'} |"
    )


def caveats(info: RunInfo, metrics: Metrics) -> list[str]:
    """What a reader must know before reading a number."""
    notes = []
    load = ", ".join(f"{x:g}" for x in info.load_average) or "unknown"
    notes.append(
        f"Model {info.model}, profile `{info.profile}`; the machine had {info.cpus} CPU cores and "
        f"a load average of {load} when the run began: timings are of a shared machine."
    )
    if info.model.startswith("local/"):
        notes.append(
            "The model is an embedded CPU model (1.5B parameters or fewer): these numbers describe "
            "it, not a frontier model."
        )
    if info.model.startswith("mock/"):
        notes.append(
            "The model is a scripted mock (a test double): nothing here is a model's result."
        )
    if info.profile != "full":
        notes.append(f"The `{info.profile}` profile is a small sample: its intervals are wide.")
    notes.append(
        "Each variant runs on a few cases, not on all of them; per-family numbers pool the "
        "family's variants on each case, and intervals resample whole cases."
    )
    notes += _noise_caveats(metrics)
    if metrics.errors:
        notes.append(f"{metrics.errors} of {metrics.calls} calls failed and are left out.")
    if metrics.paraphrases_failed:
        notes.append(
            f"{metrics.paraphrases_failed} model-written paraphrase(s) failed their meaning check "
            "and are left out (see Paraphrases)."
        )
    if info.stopped:
        notes.append(f"The run stopped early: {info.stopped}.")
    if info.source == "promptfoo":
        notes.append("promptfoo made the calls (imported results); our checks graded its replies.")
    return notes + info.notes


def _noise_caveats(metrics: Metrics) -> list[str]:
    notes = []
    for prompt_id, noise in metrics.noise.items():
        if noise.repeats < 2:
            notes.append(
                f"{prompt_id}: one clean call per case, so there is no noise floor: a drop is "
                "tested against zero."
            )
    return notes


def _headline(metrics: Metrics, prompt_id: str) -> list[str]:
    metric = metrics.metric
    unit = "pass rate" if metric == "pass" else "mean score"
    lines = [
        f"- **Nominal {unit}** (clean prompt): {_value(metrics.nominal.get(prompt_id), metric)}"
    ]
    noise = metrics.noise.get(prompt_id)
    if noise and noise.self_drop is not None:
        lines.append(
            f"- **Noise floor** ({noise.repeats} clean calls per case): the clean prompt against "
            f"itself moves by up to {floor_text(noise.floor, metric)} "
            f"(self-drop {_value(noise.self_drop, metric, difference=True)}); "
            f"clean flip rate {_est(noise.flip_rate)}"
        )
    overall = next((r for r in metrics.overall if r.prompt_id == prompt_id), None)
    if overall:
        verdict = "**fragile**" if overall.fragile else "not shown fragile"
        lines.append(
            f"- **All meaning-preserving variants** ({overall.variants} variants, {overall.calls} "
            f"calls): drop {_value(overall.drop, metric, difference=True)}, "
            f"PDR {_est(overall.pdr, 'ratio', difference=True)}, "
            f"flip rate {_est(overall.flip_rate)}, Robust Pass_{overall.s} "
            f"{_est(overall.robust_pass)}: {verdict}"
        )
    fragile = [r.family for r in metrics.families if r.prompt_id == prompt_id and r.fragile]
    lines.append(
        "- **Fragile families** (drop above the noise floor, Holm-adjusted p < 0.05): "
        + (", ".join(fragile) if fragile else "none")
    )
    return lines


def _section(
    metrics: Metrics, prompt_id: str, variants: dict[str, Variant], groups: set[str]
) -> list[str]:
    kind = "Prompts" if prompt_id in groups else "Prompt"
    out = [f"## {kind} `{prompt_id}`", "", *_headline(metrics, prompt_id), ""]
    out += [f"![drop per family](drops-{prompt_id}.png)", "", "### Drop per family", "", ROW_HEADER]
    rows = [r for r in [*metrics.overall, *metrics.families] if r.prompt_id == prompt_id]
    out += [_row_line(r, metrics.metric) for r in rows]
    out += [
        "",
        f"![family x severity](heatmap-{prompt_id}.png)",
        "",
        "### Family x severity",
        "",
        ROW_HEADER,
    ]
    out += [_row_line(r, metrics.metric) for r in metrics.cells if r.prompt_id == prompt_id]
    out += [
        "",
        *_spread(metrics, prompt_id),
        *_pass_k(metrics, prompt_id),
        *_posix(metrics, prompt_id),
    ]
    out += _fragile(metrics, prompt_id, variants)
    return out


def _chance(spread: Spread) -> str:
    """What sampling alone spreads, beside the measured spread."""
    if spread.chance_p10_p90 is None or spread.chance_max_min is None:
        return "With few cases per variant, part of this spread is sampling noise."
    text = (
        "Sampling alone spreads variants of equal accuracy on as many cases by "
        f"p10-p90 {spread.chance_p10_p90:.0%} and max - min {spread.chance_max_min:.0%} on "
        "average: only the part above that is the format's."
    )
    low = spread.p10_p90.low
    if low is not None and low > spread.p10_p90.mean:
        text += (
            " The intervals resample cases, which repeats them within a variant and widens the "
            "spread, so with this few cases per variant they lie above the estimate: read the "
            "estimate against the sampling-only spread instead."
        )
    return text


def _spread(metrics: Metrics, prompt_id: str) -> list[str]:
    spread = metrics.spread.get(prompt_id)
    if spread is None:
        return []
    return [
        "### Format spread",
        "",
        f"{spread.variants} format variants, about {spread.cases_per_variant:.1f} cases each: "
        f"p10-p90 {_value(spread.p10_p90, metrics.metric)}, "
        f"max - min {_value(spread.max_min, metrics.metric)} "
        f"(best `{spread.best}`, worst `{spread.worst}`). {_chance(spread)}",
        "",
    ]


def _pass_k(metrics: Metrics, prompt_id: str) -> list[str]:
    values = metrics.pass_k.get(prompt_id) or []
    if not values:
        return []
    cells = ", ".join(f"pass^{k} {_est(e)}" for k, e in enumerate(values, 1))
    return ["### Consistency over clean repeats", "", cells, ""]


def _posix(metrics: Metrics, prompt_id: str) -> list[str]:
    value = metrics.posix.get(prompt_id)
    if value is None:
        return []
    return [
        "### POSIX (log-probability sensitivity)",
        "",
        f"{_est(value, 'ratio')} nats per reply token over {value.n} cases (0: the wording does "
        "not move the model's probabilities of its replies).",
        "",
    ]


def _fragile(metrics: Metrics, prompt_id: str, variants: dict[str, Variant]) -> list[str]:
    cases = [c for c in metrics.fragile_cases if c.group == prompt_id]
    if not cases:
        return [
            "### The most fragile cases",
            "",
            "No case that the clean prompt passes was broken.",
            "",
        ]
    out = ["### The most fragile cases", ""]
    for case in cases:
        base = variants.get(f"{case.prompt_id}:clean")
        out += [
            f"**{case.case_id}**{_of_prompt(case, prompt_id)}: "
            f"clean {fmt.rate(case.clean_pass)} pass, "
            f"{fmt.rate(case.perturbed_pass)} over {case.runs} meaning-preserving variants. "
            f"Clean reply: `{_inline(case.clean_output)}`",
            "",
        ]
        for breaker in case.breakers[:2]:
            out.append(
                f"- `{breaker.variant_id}` ({breaker.edit}) replied `{_inline(breaker.output)}`"
            )
            variant = variants.get(breaker.variant_id)
            if base is not None and variant is not None:
                out += ["", "  ```diff", *(f"  {line}" for line in unified(base, variant)), "  ```"]
        out.append("")
    return out


def _of_prompt(case: FragileCase, group: str) -> str:
    return "" if case.prompt_id == group else f" (prompt `{case.prompt_id}`)"


def _inline(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"


def _dir(metrics: Metrics) -> list[str]:
    if not metrics.dir:
        return []
    out = [
        "## Meaning-changing controls (DIR)",
        "",
        "Each control changes the prompt so that the right answer changes; a reply passes when it "
        "follows the change.",
        "",
        "| control | what changes | calls | follows the change |",
        "|---|---|---|---|",
    ]
    out += [f"| `{d.variant_id}` | {d.edit} | {d.cases} | {_est(d.passed)} |" for d in metrics.dir]
    return [*out, ""]


def _paraphrases(variants: list[Variant]) -> list[str]:
    made = [v for v in variants if v.family == "paraphrase"]
    if not made:
        return []
    out = [
        "## Paraphrases",
        "",
        "| variant | placeholders kept | protected terms lost | similarity | judge | used |",
        "|---|---|---|---|---|---|",
    ]
    for v in made:
        c = v.check
        similarity = "—" if c.similarity is None else f"{c.similarity:.2f}"
        out.append(
            f"| `{v.id}` | {'yes' if c.placeholders_kept else 'no'} | "
            f"{', '.join(c.missing_terms) or '—'} | {similarity} | {c.judge or '—'} | "
            f"{'yes' if v.usable else 'no'} |"
        )
    return [*out, ""]


def _setup(info: RunInfo, metrics: Metrics, variants: list[Variant]) -> list[str]:
    families: dict[str, int] = {}
    for v in variants:
        families[v.family] = families.get(v.family, 0) + 1
    made = ", ".join(f"{k} {n}" for k, n in families.items())
    versions = ", ".join(f"{k} {v}" for k, v in info.versions.items())
    return [
        "## Setup",
        "",
        f"- Suite: `{info.suite}` (`{info.suite_name}`, digest {info.digest}); "
        f"profile `{info.profile}`",
        f"- Model: `{info.model}`; {metrics.calls} calls ({info.planned_calls} planned), "
        f"{metrics.errors} failed; {fmt.duration(info.wall_s)} of calls",
        f"- Variants made: {len(variants)} ({made})",
        f"- Metric: {'pass rate' if metrics.metric == 'pass' else 'mean weighted score'}; 95 % "
        f"cluster-bootstrap intervals over cases ({metrics.resamples:,} resamples, seed 0); "
        "a family is fragile when its one-sided bootstrap p-value for drop ≤ noise floor, "
        "Holm-adjusted across families, is below 0.05",
        f"- Started {info.started}; versions: {versions}",
        f"- Reproduce: `experiment robustness run {info.suite} --profile {info.profile} "
        f"--model {info.model}`",
        "",
    ]


def report_markdown(info: RunInfo, metrics: Metrics, variants: list[Variant]) -> str:
    """The whole report as Markdown."""
    by_id = {v.id: v for v in variants}
    prompts = sorted(
        {r.prompt_id for r in [*metrics.overall, *metrics.families]} | set(metrics.nominal)
    )
    lines = [
        f"# Prompt robustness: {info.suite_name} on {info.model}",
        "",
        caveats_markdown(caveats(info, metrics)),
    ]
    lines += _setup(info, metrics, variants)
    for prompt_id in prompts:
        lines += _section(metrics, prompt_id, by_id, set(info.groups.values()))
    lines += _dir(metrics) + _paraphrases(variants)
    return "\n".join(lines).rstrip() + "\n"


def load_metrics(folder: Path, resamples: int = 10_000) -> tuple[RunInfo, Metrics, list[Variant]]:
    """Metrics recomputed from a run folder's files (POSIX read from posix.json if present)."""
    info = read_run(folder)
    variants = read_variants(folder)
    records = ResultsLog(folder).read()
    metrics = compute_metrics(
        records, variants, metric=info.metric, resamples=resamples, groups=info.groups
    )
    posix_path = folder / POSIX_FILE
    if posix_path.exists():
        from analysis import cluster_bootstrap

        result = PosixResult.model_validate(json.loads(posix_path.read_text(encoding="utf-8")))
        for prompt_id in sorted({c.prompt_id for c in result.cases}):
            clusters = {c.case_id: [c.psi] for c in result.cases if c.prompt_id == prompt_id}
            metrics.posix[prompt_id] = cluster_bootstrap(clusters, resamples=resamples)
    return info, metrics, variants


def write_report(folder: Path, *, resamples: int = 10_000) -> ReportPaths:
    """metrics.json, report.md, report.html and the plots of a run folder."""
    from robustness._plots import drops_plot, heatmap_plot

    info, metrics, variants = load_metrics(folder, resamples)
    write_json(folder / METRICS_FILE, metrics)
    plots = []
    for prompt_id in sorted({r.prompt_id for r in metrics.families}):
        plots.append(drops_plot(metrics, prompt_id, folder / f"drops-{prompt_id}.png"))
        if any(r.prompt_id == prompt_id for r in metrics.cells):
            plots.append(heatmap_plot(metrics, prompt_id, folder / f"heatmap-{prompt_id}.png"))
    markdown = report_markdown(info, metrics, variants)
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    title = f"Prompt robustness: {info.suite_name}"
    (folder / "report.html").write_text(report_page(title, markdown), encoding="utf-8")
    return ReportPaths(folder / "report.md", folder / "report.html", folder / METRICS_FILE, plots)

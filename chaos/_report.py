"""The chaos report: report.md and report.html (the shared look, caveats first), a fault x task
success heatmap and the drop per fault with intervals (PNG), and the replay of one failed
episode, screenshot by screenshot. Rebuilt from the run directory's files alone."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from analysis import Estimate, caveats_markdown, fmt, report_page
from chaos._episode import BASELINE, Episode
from chaos._metrics import (
    ConditionStats,
    FidelityRow,
    Verdict,
    baseline_stats,
    condition_stats,
    fidelity,
    verdict,
)
from chaos._probes import ProbeResult
from chaos._rundir import ChaosRunDir

PLOTS = "plots"


def write_report(run: ChaosRunDir) -> Path:
    """Write report.md, report.html and the plots of a chaos run; report.md's path."""
    spec = run.config()
    episodes = run.episodes()
    probes = run.probes() or []
    stats = condition_stats(episodes, probes)
    before = verdict(episodes, spec.steady_state, "before")
    after = verdict(episodes, spec.steady_state, "after") if _has(episodes, "after") else None
    plots = _plots(run.path, episodes, stats)
    parts = [
        f"# Chaos report: {spec.name}\n",
        caveats_markdown(_caveats(episodes, probes, stats, spec.agents)),
        _overview(spec.name, spec.description, episodes, before, after, run.journal()),
        _verdicts(before, after),
        _probes(probes),
        _fidelity(fidelity(episodes)),
        _damage(baseline_stats(episodes), stats),
        _plot_links(plots),
        _replay(run, episodes),
    ]
    markdown = "\n".join(part for part in parts if part)
    path = run.path / "report.md"
    path.write_text(markdown, encoding="utf-8")
    (run.path / "report.html").write_text(report_page(f"Chaos report: {spec.name}", markdown))
    return path


def _has(episodes: Sequence[Episode], phase: str) -> bool:
    return any(e.phase == phase for e in episodes)


def _caveats(
    episodes: Sequence[Episode],
    probes: Sequence[ProbeResult],
    stats: Sequence[ConditionStats],
    agents: Sequence[object],
) -> list[str]:
    caveats = [
        "The oracle and the heuristic agent follow each task's scripted plan: they measure what a "
        "fault does to the site and to careful or careless scripts, not what a model can do.",
        "Times were measured on this machine, which may have been busy; compare them within "
        "this run only.",
    ]
    kinds = {getattr(a, "kind", "") for a in agents}
    if "llm" in kinds:
        caveats.append(
            "An embedded model is a small model on a CPU: its results show how the machinery "
            "treats a model-driven agent, not what a capable model does."
        )
    silent = [p.fault for p in probes if not p.fired]
    if silent:
        caveats.append(f"Faults that did not prove they fired are left out: {', '.join(silent)}.")
    smallest = min((s.episodes for s in stats), default=0)
    if 0 < smallest < 10:
        caveats.append(
            f"Some conditions have only {smallest} episode(s): their intervals are wide; run "
            "more trials before calling a difference."
        )
    if not _has(episodes, "method"):
        caveats.append("The method did not run (see the steady state before it).")
    return caveats


def _overview(
    name: str,
    description: str,
    episodes: Sequence[Episode],
    before: Verdict,
    after: Verdict | None,
    journal: dict[str, object] | None,
) -> str:
    status = "completed" if before.ok else "deviated before the method"
    duration = journal.get("duration") if journal else None
    lines = [
        "## Overview",
        "",
        description.strip() or f"Chaos experiment {name}.",
        "",
        f"- status: **{status}**; steady state before: **{_ok(before.ok)}**, after: "
        f"**{_ok(after.ok) if after else 'not checked'}**",
        f"- episodes: {len(episodes)} ({sum(e.phase == 'method' for e in episodes)} under faults)",
        f"- agents: {', '.join(sorted({e.agent for e in episodes}))}; tasks: "
        f"{len({e.task for e in episodes})}",
    ]
    if isinstance(duration, int | float):
        lines.append(f"- wall time: {fmt.duration(float(duration))}")
    return "\n".join(lines) + "\n"


def _ok(flag: bool) -> str:
    return "holds" if flag else "does not hold"


def _verdicts(before: Verdict, after: Verdict | None) -> str:
    lines = [
        "## Steady-state hypothesis",
        "",
        "| phase | agent | tolerance | measured | holds |",
        "|---|---|---|---|---|",
    ]
    for result in (before, after):
        if result is None:
            continue
        for check in result.checks:
            lines.append(
                f"| {result.phase} | {check.agent} | {check.name} | {check.value} | "
                f"{'yes' if check.ok else '**no**'} |"
            )
    return "\n".join(lines) + "\n"


def _probes(probes: Sequence[ProbeResult]) -> str:
    if not probes:
        return ""
    lines = [
        "## Fault probes",
        "",
        "Each fault ran on a probe page (or a probe model call) "
        "without and with the fault; only faults that fired count.",
        "",
        "| fault | fired | without the fault | with it |",
        "|---|---|---|---|",
    ]
    for p in probes:
        lines.append(
            f"| {p.fault} | {'yes' if p.fired else '**no**'} | {_cell(p.control)} | "
            f"{_cell(p.treatment)} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str, limit: int = 70) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fidelity(rows: Sequence[FidelityRow]) -> str:
    if not rows:
        return ""
    lines = [
        "## Fault fidelity",
        "",
        "A browser fault should break exactly the tasks that need "
        "what it takes away (among those the agent solves without it).",
        "",
        "| agent | fault | tasks that need it | tasks it broke | exact |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.agent} | {r.condition} | {', '.join(r.expected) or '-'} | "
            f"{', '.join(r.broken) or '-'} | {'yes' if r.ok else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def _est(value: Estimate | None, kind: fmt.Kind = "pct", difference: bool = False) -> str:
    return "-" if value is None else fmt.estimate(value, kind, difference=difference)


def _damage(baselines: Sequence[ConditionStats], stats: Sequence[ConditionStats]) -> str:
    lines = [
        "## Damage per fault",
        "",
        "Success under each fault against the same agent's baseline, paired by task and seed "
        "(95 % intervals: Wilson for rates, bootstrap for paired differences). Recovery: success "
        "among episodes where the fault acted. Graceful: failed episodes where the agent said "
        "the site needed JavaScript or cookies.",
        "",
        "| agent | condition | n | success | Δ vs baseline | relative drop | fault acted | "
        "recovery | false success | graceful | extra steps | extra tokens | extra time (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in [*baselines, *stats]:
        if not s.counted:
            continue
        lines.append(
            f"| {s.agent} | {s.condition} | {s.episodes} | {_est(s.success)} | "
            f"{_est(s.delta, 'pct', True)} | {_est(s.relative_drop)} | "
            f"{fmt.rate(s.fired_share)} | {_est(s.recovery)} | {_est(s.false_success)} | "
            f"{_est(s.graceful)} | {_est(s.extra_steps, 'ratio', True)} | "
            f"{_est(s.extra_tokens, 'count', True)} | {_est(s.extra_time_s, 'ratio', True)} |"
        )
    return "\n".join(lines) + "\n"


def _plots(folder: Path, episodes: Sequence[Episode], stats: Sequence[ConditionStats]) -> list[str]:
    method = [e for e in episodes if e.phase == "method" or (e.phase == "before")]
    if not method:
        return []
    (folder / PLOTS).mkdir(exist_ok=True)
    written = []
    for agent in sorted({e.agent for e in method}):
        path = f"{PLOTS}/heatmap-{agent}.png"
        if _heatmap(folder / path, [e for e in method if e.agent == agent], agent):
            written.append(path)
    counted = [s for s in stats if s.counted and s.delta is not None]
    if counted:
        _drops(folder / PLOTS / "drop-per-fault.png", counted)
        written.append(f"{PLOTS}/drop-per-fault.png")
    return written


def _heatmap(path: Path, episodes: Sequence[Episode], agent: str) -> bool:
    from matplotlib.figure import Figure

    conditions = [BASELINE, *sorted({e.condition for e in episodes if e.condition != BASELINE})]
    tasks = sorted({e.task for e in episodes})
    cells: dict[tuple[str, str], list[bool]] = {}
    for e in episodes:
        if e.condition == BASELINE and e.phase != "before":
            continue
        cells.setdefault((e.condition, e.task), []).append(e.success)
    grid = [[_mean(cells.get((c, t))) for t in tasks] for c in conditions]
    fig = Figure(figsize=(2 + 0.55 * len(tasks), 1.2 + 0.38 * len(conditions)))
    ax = fig.subplots()
    image = ax.imshow(
        [[float("nan") if v is None else v for v in row] for row in grid],
        cmap="RdYlGn",
        vmin=0,
        vmax=1,
        aspect="auto",
    )
    ax.set_xticks(range(len(tasks)), tasks, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(len(conditions)), conditions, fontsize=8)
    ax.set_title(f"{agent}: success rate per fault and task", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return True


def _mean(values: list[bool] | None) -> float | None:
    return None if not values else sum(values) / len(values)


def _drops(path: Path, stats: Sequence[ConditionStats]) -> None:
    from matplotlib.figure import Figure

    labels = [f"{s.agent} · {s.condition}" for s in stats]
    values, below, above = [], [], []
    for s in stats:
        assert s.delta is not None
        drop = -s.delta.mean
        low = -(s.delta.high if s.delta.high is not None else s.delta.mean)
        high = -(s.delta.low if s.delta.low is not None else s.delta.mean)
        values.append(drop)
        below.append(drop - low)
        above.append(high - drop)
    fig = Figure(figsize=(8, 1.2 + 0.3 * len(stats)))
    ax = fig.subplots()
    ax.barh(range(len(stats)), values, xerr=[below, above], color="#cf222e", capsize=3)
    ax.set_yticks(range(len(stats)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="#444", linewidth=0.8)
    ax.set_xlabel("drop in success rate vs baseline (paired, 95 % bootstrap interval)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def _plot_links(plots: Sequence[str]) -> str:
    if not plots:
        return ""
    lines = ["## Plots", ""]
    lines += [f"![{Path(p).stem}]({p})" for p in plots]
    return "\n\n".join(lines) + "\n"


def _replay(run: ChaosRunDir, episodes: Sequence[Episode]) -> str:
    """One failed episode, step by step: a false success under a fault if there is one."""
    kept = [e for e in episodes if e.replay and not e.success]
    if not kept:
        return ""
    kept.sort(key=lambda e: (e.phase != "method", not e.false_success, e.fired == 0))
    episode = kept[0]
    steps = json.loads((run.path / str(episode.replay) / "steps.json").read_text())
    lines = [
        "## Replay of a failed episode",
        "",
        f"{episode.agent} on **{episode.task}** under **{episode.condition}** (trial "
        f"{episode.trial + 1}): the agent said **{episode.claim}**"
        + (f" ({_cell(episode.reason, 160)})" if episode.reason else "")
        + f"; the checks say: {_cell('; '.join(episode.check_failures), 200) or 'passed'}.",
        "",
    ]
    for step in steps:
        arguments = ", ".join(f"{k}={v!r}" for k, v in step["arguments"].items())
        flag = " — the fault acted here" if step.get("fault_fired") else ""
        lines.append(
            f"{step['index']}. `{step['action']}({arguments})` → {_cell(step['message'], 120)} "
            f"(now at `{step['url']}`){flag}"
        )
        if step.get("screenshot"):
            lines.append(f"\n   ![step {step['index']}]({episode.replay}/{step['screenshot']})\n")
    return "\n".join(lines) + "\n"

"""The damage, measured: per agent and condition, success against the baseline paired by task
and seed, with 95 % intervals; the steady-state verdicts; the fault-fidelity matrix.

Pure functions of the episodes, so a report can be rebuilt from episodes.jsonl at any time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from statistics import fmean

from pydantic import BaseModel

from analysis import Estimate, bootstrap_mean, cluster_bootstrap, paired_difference, wilson_interval
from chaos._config import Hypothesis
from chaos._episode import BASELINE, Episode
from chaos._probes import ProbeResult


class ConditionStats(BaseModel):
    """One agent under one condition, against its baseline."""

    agent: str
    condition: str
    kind: str | None
    layer: str | None
    counted: bool
    """The fault proved it fired on its probe (baseline: always); if not, nothing here counts."""
    episodes: int
    success: Estimate
    """Success rate, with its Wilson interval."""
    delta: Estimate | None = None
    """Success under the fault minus the baseline, paired by task and seed (bootstrap)."""
    relative_drop: Estimate | None = None
    """1 - success / baseline success (cluster bootstrap over the pairs); None if the
    baseline never succeeds."""
    fired_share: float = 0.0
    """Share of episodes in which the fault acted at least once."""
    recovery: Estimate | None = None
    """Success rate among the episodes in which the fault acted."""
    false_success: Estimate
    """Share of episodes where the agent said done and the checks disagree."""
    graceful: Estimate | None = None
    """Among failed episodes, the share where the agent said what the site needed."""
    extra_steps: Estimate | None = None
    """Actions per episode minus the baseline's, paired."""
    extra_tokens: Estimate | None = None
    """Model tokens (input + output) minus the baseline's, paired."""
    extra_time_s: Estimate | None = None
    """Seconds minus the baseline's, paired."""


class ToleranceCheck(BaseModel):
    """One tolerance of the steady-state hypothesis on one agent."""

    agent: str
    name: str
    value: str
    """What was measured, in words."""
    ok: bool


class Verdict(BaseModel):
    """The steady-state hypothesis on one phase's baseline episodes."""

    phase: str
    ok: bool
    checks: list[ToleranceCheck]


class FidelityRow(BaseModel):
    """Does a browser fault break exactly the tasks that need what it takes away?"""

    agent: str
    condition: str
    need: str
    """js or cookies."""
    expected: list[str]
    """Tasks that require it (those the baseline solves)."""
    broken: list[str]
    """Tasks the baseline solves and the fault breaks."""
    ok: bool
    """broken == expected."""


def unit(episode: Episode) -> str:
    """What pairs episodes across conditions: the task and the trial (hence the seed)."""
    return f"{episode.task}|{episode.trial}"


def condition_stats(
    episodes: Sequence[Episode], probes: Sequence[ProbeResult] | None
) -> list[ConditionStats]:
    """Per agent and condition of the method, against the before-phase baseline."""
    fired = {p.fault: p.fired for p in probes or []}
    baseline = {
        (e.agent, unit(e)): e for e in episodes if e.phase == "before" and e.condition == BASELINE
    }
    groups: dict[tuple[str, str], list[Episode]] = {}
    for episode in episodes:
        if episode.phase == "method":
            groups.setdefault((episode.agent, episode.condition), []).append(episode)
    stats = []
    for (agent, condition), group in sorted(groups.items()):
        pairs = [(baseline[(agent, unit(e))], e) for e in group if (agent, unit(e)) in baseline]
        stats.append(_stats(agent, condition, group, pairs, fired.get(condition, False)))
    return stats


def baseline_stats(episodes: Sequence[Episode], phase: str = "before") -> list[ConditionStats]:
    """Per agent, the baseline episodes of a phase."""
    agents = sorted({e.agent for e in episodes if e.phase == phase})
    return [
        _stats(
            agent,
            BASELINE,
            [e for e in episodes if e.phase == phase and e.agent == agent],
            [],
            True,
        )
        for agent in agents
    ]


def _stats(
    agent: str,
    condition: str,
    group: list[Episode],
    pairs: list[tuple[Episode, Episode]],
    counted: bool,
) -> ConditionStats:
    first = group[0]
    hit = [e for e in group if e.fired > 0]
    failed = [e for e in group if not e.success]
    return ConditionStats(
        agent=agent,
        condition=condition,
        kind=first.fault_kind,
        layer=first.layer,
        counted=counted or condition == BASELINE,
        episodes=len(group),
        success=_rate(e.success for e in group),
        delta=_paired(pairs, lambda e: float(e.success)),
        relative_drop=_relative_drop(pairs),
        fired_share=len(hit) / len(group),
        recovery=_rate(e.success for e in hit) if hit else None,
        false_success=_rate(e.false_success for e in group),
        graceful=_rate(e.graceful for e in failed) if failed else None,
        extra_steps=_paired(pairs, lambda e: float(e.steps)),
        extra_tokens=_paired(pairs, _tokens) if any(_tokens(e) for p in pairs for e in p) else None,
        extra_time_s=_paired(pairs, lambda e: e.duration_s),
    )


def _tokens(episode: Episode) -> float:
    return float(episode.input_tokens + episode.output_tokens)


def _rate(flags: Iterable[bool]) -> Estimate:
    values = [bool(flag) for flag in flags]
    return wilson_interval(sum(values), len(values))


def _paired(
    pairs: list[tuple[Episode, Episode]], value: Callable[[Episode], float]
) -> Estimate | None:
    if not pairs:
        return None
    base = {unit(b): value(b) for b, _ in pairs}
    fault = {unit(f): value(f) for _, f in pairs}
    return paired_difference(fault, base)


def _relative_drop(pairs: list[tuple[Episode, Episode]]) -> Estimate | None:
    if not pairs or not any(b.success for b, _ in pairs):
        return None
    clusters = {unit(b): [float(b.success), float(f.success)] for b, f in pairs}

    def drop(groups: Sequence[Sequence[float]]) -> float:
        base = fmean(g[0] for g in groups)
        return 0.0 if base == 0 else 1.0 - fmean(g[1] for g in groups) / base

    return cluster_bootstrap(clusters, drop)


def p95(values: Sequence[float]) -> float | None:
    """The 95th percentile (nearest rank); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def verdict(episodes: Sequence[Episode], hypothesis: Hypothesis, phase: str) -> Verdict:
    """The steady-state hypothesis on the baseline episodes of `phase`."""
    mine = [e for e in episodes if e.phase == phase and e.condition == BASELINE]
    agents = hypothesis.agents or sorted({e.agent for e in mine})
    checks: list[ToleranceCheck] = []
    for agent in agents:
        group = [e for e in mine if e.agent == agent]
        if not group:
            checks.append(ToleranceCheck(agent=agent, name="episodes", value="none ran", ok=False))
            continue
        checks += _tolerances(agent, group, hypothesis)
    return Verdict(phase=phase, ok=bool(checks) and all(c.ok for c in checks), checks=checks)


def _tolerances(agent: str, group: list[Episode], hypothesis: Hypothesis) -> list[ToleranceCheck]:
    success = _rate(e.success for e in group)
    judged = success.mean if hypothesis.judge == "mean" else (success.low or 0.0)
    what = "rate" if hypothesis.judge == "mean" else "low end of 95% interval"
    false = sum(e.false_success for e in group) / len(group)
    checks = [
        ToleranceCheck(
            agent=agent,
            name=f"success >= {hypothesis.min_success:.0%} ({what})",
            value=f"{success.mean:.0%} [{success.low:.0%}, {success.high:.0%}] (n={success.n})",
            ok=judged >= hypothesis.min_success - 1e-9,
        ),
        ToleranceCheck(
            agent=agent,
            name=f"false success <= {hypothesis.max_false_success:.0%}",
            value=f"{false:.0%}",
            ok=false <= hypothesis.max_false_success + 1e-9,
        ),
    ]
    if hypothesis.max_p95_steps is not None:
        steps = p95([float(e.steps) for e in group]) or 0.0
        checks.append(
            ToleranceCheck(
                agent=agent,
                name=f"p95 steps <= {hypothesis.max_p95_steps:g}",
                value=f"{steps:g}",
                ok=steps <= hypothesis.max_p95_steps,
            )
        )
    return checks


NEEDS = {"js_off": "js", "cookies_blocked": "cookies"}
"""The browser faults that take away something a task may require."""


def fidelity(episodes: Sequence[Episode]) -> list[FidelityRow]:
    """For JavaScript off and cookies blocked: the tasks each breaks, against those that need it."""
    solved = {
        (e.agent, e.task)
        for e in episodes
        if e.phase == "before" and e.condition == BASELINE and e.success
    }
    rows = []
    keys = sorted({(e.agent, e.condition, e.fault_kind) for e in episodes if e.phase == "method"})
    for agent, condition, kind in keys:
        need = NEEDS.get(kind or "")
        if need is None:
            continue
        group = [
            e
            for e in episodes
            if e.agent == agent
            and e.condition == condition
            and e.phase == "method"
            and (agent, e.task) in solved
        ]
        if not group:
            continue  # the agent solves nothing without the fault: there is nothing to break
        expected = sorted({e.task for e in group if need in e.requires})
        broken = sorted({e.task for e in group if not e.success})
        rows.append(
            FidelityRow(
                agent=agent,
                condition=condition,
                need=need,
                expected=expected,
                broken=broken,
                ok=expected == broken,
            )
        )
    return rows


def mean_or_none(values: Sequence[float]) -> Estimate | None:
    """A bootstrap mean of the values, or None for none."""
    return bootstrap_mean(list(values)) if values else None

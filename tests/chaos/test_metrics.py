"""The damage, measured on literal episodes: paired deltas, drops, recovery, false successes,
graceful degradation, the steady-state verdicts and the fidelity matrix."""

from __future__ import annotations

from typing import Any

import pytest

from chaos import Episode, Hypothesis
from chaos._metrics import condition_stats, fidelity, p95, verdict
from chaos._probes import ProbeResult


def episode(phase: str, condition: str, task: str, success: bool, **fields: Any) -> Episode:
    claim = fields.pop("claim", "success" if success else "failure")
    return Episode(
        key=f"{phase}|a|{condition}|{task}|0",
        phase=phase,
        agent="a",
        condition=condition,
        fault_kind=None if condition == "baseline" else condition,
        layer=None,
        task=task,
        requires=fields.pop("requires", []),
        trial=0,
        seed="0",
        success=success,
        claim=claim,
        false_success=claim == "success" and not success,
        **fields,
    )


TASKS = ["t1", "t2", "t3", "t4"]


def run(outcomes: list[bool], **fields: Any) -> list[Episode]:
    base = [episode("before", "baseline", t, True, steps=2) for t in TASKS]
    return base + [
        episode("method", "js_off", t, ok, steps=3, fired=1, **fields)
        for t, ok in zip(TASKS, outcomes, strict=True)
    ]


PROBE = [ProbeResult(fault="js_off", kind="js_off", fired=True, control="", treatment="")]


def test_success_delta_and_drop_are_paired_with_the_baseline() -> None:
    [stats] = condition_stats(run([True, False, True, False]), PROBE)
    assert stats.success.mean == 0.5 and stats.delta is not None
    assert stats.delta.mean == pytest.approx(-0.5)
    assert stats.relative_drop is not None and stats.relative_drop.mean == pytest.approx(0.5)
    assert stats.recovery is not None and stats.recovery.mean == 0.5
    assert stats.extra_steps is not None and stats.extra_steps.mean == pytest.approx(1.0)
    assert stats.extra_tokens is None  # no model: nothing to compare
    assert stats.counted


def test_false_success_and_graceful_degradation() -> None:
    episodes = run([False, False, True, True])
    episodes[4] = episodes[4].model_copy(update={"claim": "success", "false_success": True})
    episodes[5] = episodes[5].model_copy(
        update={"claim": "blocked", "reported_need": ["JavaScript"]}
    )
    [stats] = condition_stats(episodes, PROBE)
    assert stats.false_success.mean == 0.25
    assert stats.graceful is not None and stats.graceful.mean == 0.5  # 1 of the 2 failures


def test_a_fault_that_did_not_fire_on_its_probe_does_not_count() -> None:
    silent = [PROBE[0].model_copy(update={"fired": False})]
    [stats] = condition_stats(run([True] * 4), silent)
    assert not stats.counted


def test_the_steady_state_judges_the_interval_or_the_rate() -> None:
    episodes = run([True] * 4)
    strict = Hypothesis(min_success=0.75, judge="low")
    lenient = Hypothesis(min_success=0.75, judge="mean", max_p95_steps=1)
    assert not verdict(episodes, strict, "before").ok  # 4/4: the interval reaches down to 51%
    result = verdict(episodes, lenient, "before")
    assert [c.ok for c in result.checks] == [True, True, False]  # p95 steps 2 > 1
    assert not verdict(episodes, lenient, "after").ok  # no after-episodes ran


def test_fidelity_compares_broken_tasks_with_those_that_need_the_feature() -> None:
    episodes = [episode("before", "baseline", t, True) for t in TASKS]
    needs = {"t1": ["js"], "t2": ["js", "cookies"], "t3": [], "t4": ["cookies"]}
    broken = {"t1", "t2"}
    episodes += [episode("method", "js_off", t, t not in broken, requires=needs[t]) for t in TASKS]
    [row] = fidelity(episodes)
    assert (row.expected, row.broken, row.ok) == (["t1", "t2"], ["t1", "t2"], True)
    episodes[-1] = episodes[-1].model_copy(update={"success": False})
    assert not fidelity(episodes)[0].ok


def test_p95_is_the_nearest_rank() -> None:
    assert p95([float(n) for n in range(1, 21)]) == 19.0
    assert p95([]) is None


def test_what_the_site_needs_is_read_from_pages_and_reasons() -> None:
    from chaos._agents import needs_named

    assert needs_named("Today's deals need JavaScript.") == ["JavaScript"]
    assert needs_named("The site requires JavaScript.") == ["JavaScript"]
    assert needs_named("Cookies are required to sign in") == ["cookies"]
    assert needs_named("the cart is kept in a cookie: check that cookies are enabled") == [
        "cookies"
    ]
    assert needs_named("the page is an error page (/login)") == []

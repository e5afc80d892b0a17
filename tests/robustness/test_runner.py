"""The runner through our model layer, driven by the scripted mock (a test double): the plan,
the results file, resume, the noise floor's cache bypass, the budget and the report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.models import Message, MockModel, ToolSpec
from robustness import load_suite, plan_calls, run_suite
from robustness._records import ResultsLog, read_run
from robustness._runner import Runner
from robustness._variants import generate_variants
from tests.robustness.conftest import TRIAGE

RESAMPLES = 500
"""Few bootstrap resamples: these tests check the run, not the intervals."""


def keyword_reply(messages: list[Message], tools: list[ToolSpec]) -> str:
    """Answers billing or tech from the question's words; zero-width characters confuse it."""
    text = "\n".join(m.content for m in messages)
    question = messages[-1].content.lower()
    label = "billing" if re.search(r"charge|invoice|price|money", question) else "tech"
    if "\u200b" in text or "\u200c" in text:
        label = "unsure"
    return label


def test_a_run_writes_every_planned_call_and_a_report(tiny_suite: Path, tmp_path: Path) -> None:
    model = MockModel("keywords", outputs=keyword_reply)
    folder = run_suite(tiny_suite, resamples=RESAMPLES, model=model, out=tmp_path / "run")
    loaded = load_suite(tiny_suite)
    planned = plan_calls(loaded, generate_variants(loaded), loaded.profile("quick"))
    records = ResultsLog(folder).read()
    assert sorted(r.key for r in records) == sorted(c.key for c in planned)
    assert len(model.requests) == len(planned)
    clean = [r for r in records if r.relation == "clean"]
    assert len(clean) == 4 * 2 and all(r.passed for r in clean)
    assert len({r.call_seed for r in clean}) == len(clean), "every repeat has its own seed"
    for r in records:
        assert r.family and r.kind and r.relation and r.case_id
    info = read_run(folder)
    assert (
        info.profile == "quick"
        and info.model == "mock/keywords"
        and info.planned_calls == len(planned)
    )
    for name in ("report.md", "report.html", "metrics.json", "variants.jsonl", "drops-ask.png"):
        assert (folder / name).is_file(), name
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert report.index("Read this first") < report.index("## Setup")
    assert "scripted mock (a test double)" in report
    assert "Noise floor" in report and "Drop per family" in report


def test_a_killed_run_resumes_without_repeating_calls(tiny_suite: Path, tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(messages: list[Message], tools: list[ToolSpec]) -> str:
        calls["n"] += 1
        if calls["n"] == 7:
            raise KeyboardInterrupt  # the run dies mid-way
        return keyword_reply(messages, tools)

    folder = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_suite(
            tiny_suite, resamples=RESAMPLES, model=MockModel("keywords", outputs=flaky), out=folder
        )
    finished = {r.key for r in ResultsLog(folder).read()}
    assert 0 < len(finished) < 7
    again = MockModel("keywords", outputs=keyword_reply)
    run_suite(tiny_suite, resamples=RESAMPLES, model=again, out=folder)
    records = ResultsLog(folder).read()
    assert len(records) == len(finished) + len(again.requests)
    assert again.requests, "the rest was run"
    lines = (folder / "results.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len({json.loads(line)["key"] for line in lines}), "no call twice"


def test_a_changed_suite_does_not_resume_into_an_old_folder(
    tiny_suite: Path, tmp_path: Path
) -> None:
    from robustness import SuiteError

    folder = tmp_path / "run"
    run_suite(
        tiny_suite,
        resamples=RESAMPLES,
        model=MockModel("keywords", outputs=keyword_reply),
        out=folder,
    )
    tiny_suite.write_text(tiny_suite.read_text().replace("one word", "a single word"))
    with pytest.raises(SuiteError, match="different version"):
        run_suite(
            tiny_suite,
            resamples=RESAMPLES,
            model=MockModel("keywords", outputs=keyword_reply),
            out=folder,
        )


def test_clean_repeats_bypass_the_response_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGENLAB_CACHE_DIR", str(tmp_path / "cache"))
    loaded = load_suite(TRIAGE)
    runner = Runner(
        loaded,
        tmp_path / "run",
        "quick",
        "openai-compatible/qwen",
        cache=True,
        max_cost=None,
        max_concurrency=None,
        on_progress=None,
    )
    runner.loaded = loaded.__class__(
        loaded.suite.model_copy(update={"base_url": "http://127.0.0.1:9/v1"}),
        loaded.path,
        loaded.prompts,
    )
    assert runner._model(cached=False).cache is None
    assert runner._model(cached=True).cache is not None
    assert runner.concurrency == 4


def test_the_budget_stops_new_calls(tiny_suite: Path, tmp_path: Path) -> None:
    model = MockModel("keywords", outputs=keyword_reply, cost_per_call=0.01)
    folder = run_suite(
        tiny_suite, resamples=RESAMPLES, model=model, out=tmp_path / "run", max_cost=0.035
    )
    info = read_run(folder)
    assert info.stopped is not None and "budget" in info.stopped
    assert len(ResultsLog(folder).read()) == 4
    assert "stopped early" in (folder / "report.md").read_text(encoding="utf-8")


def test_a_model_error_is_recorded_and_left_out(tiny_suite: Path, tmp_path: Path) -> None:
    def broken(messages: list[Message], tools: list[ToolSpec]) -> str | dict[str, object]:
        if "crashes" in messages[-1].content:
            return {"error": {"status": 400, "message": "bad request"}}
        return keyword_reply(messages, tools)

    folder = run_suite(
        tiny_suite,
        resamples=RESAMPLES,
        model=MockModel("keywords", outputs=broken),
        out=tmp_path / "run",
    )
    errors = [r for r in ResultsLog(folder).read() if r.error]
    assert errors and all("400" in str(r.error) for r in errors)
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["errors"] == len(errors)


def test_the_plan_groups_calls_that_share_a_prefix() -> None:
    loaded = load_suite(TRIAGE)
    calls = plan_calls(loaded, generate_variants(loaded), loaded.profile("full"))
    order = [c.variant.id for c in calls]
    runs = [v for i, v in enumerate(order) if i == 0 or order[i - 1] != v]
    assert len(runs) == len(set(runs)), "each variant's calls are back to back"
    clean = [c for c in calls if c.variant.relation == "clean"]
    assert [c.repeat for c in clean] == sorted(c.repeat for c in clean)
    assert len(clean) == 63 * 3
    per_case: dict[str, int] = {}
    for c in calls:
        if c.variant.relation == "INV":
            per_case[c.case.id] = per_case.get(c.case.id, 0) + 1
    assert max(per_case.values()) - min(per_case.values()) <= 6, "cases meet variants alike"

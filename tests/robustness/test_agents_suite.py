"""The suite of regenlab's own roles: task prompts and journals perturbed, replies scored by the
tasks' hidden tests (run in the sandbox), prompts grouped by role."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.models import Message, MockModel, ToolSpec
from robustness import generate_variants, load_suite, plan_calls, run_suite
from robustness._plan import Call
from robustness._suite import Profile
from robustness._template import term_pattern
from tests.robustness.conftest import SUITES

AGENTS = SUITES / "regenlab-agents.yaml"
TASKS = Path(__file__).resolve().parents[2] / "tasks"
MODULES = {
    "lru-ttl-cache": "lru_ttl.py",
    "running-stats": "running_stats.py",
    "semver-range": "semver.py",
}


def test_task_prompts_and_journals_keep_their_interface_names() -> None:
    loaded = load_suite(AGENTS)
    groups = {p.id: p.group for p in loaded.prompts}
    assert set(groups.values()) == {"builder", "regenerator"}
    build = loaded.prompt("build-lru-ttl-cache")
    assert build.user.startswith("Build a Python module `lru_ttl.py`")
    assert {"lru_ttl.py", "LRUCache", "get(key, default=None)"} <= set(build.protect)
    variants = [v for v in generate_variants(loaded) if v.relation == "INV"]
    assert len(variants) > 300
    for v in variants:
        prompt = loaded.prompt(v.prompt_id)
        assert v.system == prompt.system, "the role's instructions are not perturbed"
        for term in prompt.protect:
            if term_pattern(term).search(prompt.user):
                assert term_pattern(term).search(v.user), (v.id, term)


def test_a_capped_profile_measures_every_group() -> None:
    """Two variants of a kind that both roles have: one builder prompt and one journal."""
    loaded = load_suite(AGENTS)
    groups = {p.id: p.group for p in loaded.prompts}
    profile = Profile(families=["structure"], kinds=["xml"], severities=[1], seeds=1)
    every = plan_calls(loaded, generate_variants(loaded), profile)
    capped = plan_calls(
        loaded, generate_variants(loaded), profile.model_copy(update={"max_variants": 2})
    )

    def perturbed(calls: list[Call]) -> list[str]:
        ids = {c.variant.id: c.variant.prompt_id for c in calls if c.variant.relation == "INV"}
        return sorted(str(groups[prompt]) for prompt in ids.values())

    assert perturbed(every) == ["builder"] * 3 + ["regenerator"] * 3
    assert perturbed(capped) == ["builder", "regenerator"]


def _reference(task: str) -> str:
    return (TASKS / task / "reference" / MODULES[task]).read_text(encoding="utf-8")


@pytest.mark.slow
def test_replies_are_scored_by_the_hidden_tests(tmp_path: Path) -> None:
    """A test double answers builder prompts with each task's reference solution and
    regenerator prompts with a module that defines nothing: 100 % against 0 %."""

    def reply(messages: list[Message], tools: list[ToolSpec]) -> str:
        text = messages[-1].content
        task = next(t for t in MODULES if MODULES[t] in text or t in text)
        if messages[0].content.startswith("You are a careful"):
            return f"```python\n{_reference(task)}\n```"
        return "```python\nVALUE = 1\n```"

    folder = run_suite(
        AGENTS, model=MockModel("reference", outputs=reply), out=tmp_path / "run", resamples=300
    )
    metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["metric"] == "score" and metrics["errors"] == 0
    assert metrics["nominal"]["builder"]["mean"] == 1.0 and metrics["nominal"]["builder"]["n"] == 3
    assert metrics["nominal"]["regenerator"]["mean"] == 0.0
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    built = [r for r in rows if r["prompt_id"].startswith("build-")]
    assert all("hidden tests of" in r["checks"][0]["reason"] for r in built)
    report = (folder / "report.md").read_text(encoding="utf-8")
    assert "## Prompts `builder`" in report and "## Prompts `regenerator`" in report

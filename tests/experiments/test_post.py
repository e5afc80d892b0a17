"""The post draft and its number check, with scripted mock models as the editor (test doubles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.models import Message, MockModel, ToolSpec
from experiments.reports._post import (
    PostRejected,
    check_numbers,
    draft_post,
    numbers_in,
    render_draft,
    write_post,
)
from experiments.reports._summary import METRIC, ExperimentSummary, experiment_report, fmt
from tests.experiments.test_summary_report import make_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs(tmp_path_factory.mktemp("post"))


@pytest.fixture(scope="module")
def summary(runs: Path) -> ExperimentSummary:
    return experiment_report(runs)


@pytest.fixture(scope="module")
def drafted(summary: ExperimentSummary) -> tuple[str, set[str]]:
    return render_draft(summary)


def _fidelity(summary: ExperimentSummary, arm: str) -> str:
    estimate = summary.groups[0].columns[arm]["fidelity"].estimate
    assert estimate is not None
    return fmt(estimate.mean, METRIC["fidelity"].kind)


def _echo(messages: list[Message], tools: list[ToolSpec]) -> str:
    return messages[-1].content


def test_the_draft_passes_its_own_number_check(runs: Path, drafted: tuple[str, set[str]]) -> None:
    draft, allowed = drafted
    assert draft_post(runs) == draft
    assert check_numbers(draft, allowed) == []
    assert len(numbers_in(draft)) > 30, "the findings carry numbers"


def test_the_draft_has_every_section(summary: ExperimentSummary, drafted: tuple[str, set[str]]):
    draft, _ = drafted
    for heading in ("The question", "Setup", "Findings", "Plots", "Limits", "Reproduce"):
        assert f"## {heading}" in draft
    assert f"| `journal` | 23% [15%, 38%] | {_fidelity(summary, 'journal')} [0.40, 1.00] |" in draft
    assert "`journal - prompt`: -0.40 [-0.60, 0.00] over 3 builder output(s)" in draft
    assert "![Fidelity by arm](summary-fidelity-by-arm.png)" in draft
    assert "replays a script: a test double, not a model result" in draft
    assert "regex tokenizer" in draft
    assert all(f"`{backend}` sandbox" in draft for backend in summary.sandboxes)
    assert "--trials 3" in draft and "--arms journal,prompt" in draft
    assert "radon: 6.0.1" in draft and "`zz-broken-run` (error)" in draft


def test_a_changed_number_is_caught(summary: ExperimentSummary, drafted: tuple[str, set[str]]):
    draft, allowed = drafted
    original = _fidelity(summary, "journal")
    assert "0.47" not in allowed
    changed = draft.replace(f"| {original} [", "| 0.47 [", 1)
    assert changed != draft
    assert check_numbers(changed, allowed) == ["0.47"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fidelity 0.82 [0.71, 0.93], 45% of 3 trials", ["0.82", "0.71", "0.93", "45%", "3"]),
        ("a change of -0.40 and \u22120.10 and +0.20", ["-0.40", "-0.10", "0.20"]),
        ("n=1: no interval; snippets<=5; $0.0123", ["1", "5", "0.0123"]),
        ("gpt-4.1, claude-sonnet-4-6, H100, a 270M model, 10k tokens, G1", []),
        ("`--trials 7` and\n```bash\nexperiment run x --trials 9\n```\n", []),
        ("![plot](summary-2.png) see https://example.org/v2", []),
        ("1. first\n2. second 0.5", ["0.5"]),
        ("10,000 resamples, Python 3.11.7, tasks 2-4", ["10000", "3.11.7", "2", "4"]),
    ],
)
def test_number_extraction_rule(text: str, expected: list[str]) -> None:
    assert numbers_in(text) == expected


def test_check_numbers_returns_each_stranger_once() -> None:
    assert check_numbers("0.5 and 0.6 and 0.6 and 7%", {"0.5"}) == ["0.6", "7%"]


def test_a_model_that_keeps_every_number_is_accepted(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    editor = MockModel("editor", _echo)
    assert draft_post(runs, model=editor) == draft
    [request] = editor.requests
    assert request.messages[0].role == "system" and "number" in request.messages[0].content
    assert request.messages[1].content == draft


def test_a_reply_wrapped_in_a_markdown_fence_is_unwrapped(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    editor = MockModel("editor", [f"```markdown\n{draft}```\n"])
    assert draft_post(runs, model=editor) == draft


def test_a_model_that_changes_a_number_is_rejected(
    runs: Path, summary: ExperimentSummary, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    polished = draft.replace(f"| {_fidelity(summary, 'journal')} [", "| 0.47 [", 1)
    with pytest.raises(PostRejected, match=r"0\.47") as caught:
        draft_post(runs, model=MockModel("editor", [polished]))
    assert caught.value.numbers == ["0.47"] and caught.value.draft == draft


def test_a_model_that_changes_a_command_is_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    polished = draft.replace("--trials 3", "--trials 30")
    with pytest.raises(PostRejected, match="code not in the draft") as caught:
        draft_post(runs, model=MockModel("editor", [polished]))
    assert caught.value.numbers == [] and caught.value.changed_code


def test_write_post_keeps_the_draft_when_the_polish_is_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    with pytest.raises(PostRejected):
        write_post(runs, model=MockModel("editor", [draft.replace("95%", "99%")]))
    assert (runs / "post.md").read_text() == draft
    assert "99%" in (runs / "post.rejected.md").read_text()
    assert (runs / "summary-fidelity-by-arm.png").is_file(), "the plots the post links exist"
    assert write_post(runs, model=MockModel("editor", _echo)) == runs / "post.md"

"""The workflow with the embedded model (slow tier): it runs end to end offline."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from experiments import run_trials

pytestmark = pytest.mark.slow


def test_a_short_trial_with_the_embedded_model(tmp_path: Path, task_dir: Path) -> None:
    gemma = "local/gemma-3-270m"  # the fastest embedded model
    [result] = run_trials(
        task_dir,
        builder_model=gemma,
        regenerator_model=gemma,
        arms=["journal"],
        max_turns=2,
        out=tmp_path / "runs",
    )
    assert result.status == "completed", result.error
    assert result.builder is not None and result.builder.turns == 2
    assert result.builder.usage.output_tokens > 0 and result.builder.usage.cost_usd == 0.0
    assert set(result.pass_rates) == {"original", "journal"}
    assert any(note.startswith(f"{gemma} is a small embedded model") for note in result.notes)
    transcript = Path(result.run_dir) / "transcripts" / "builder.jsonl"
    replies = [json.loads(line)["reply"] for line in transcript.open()]
    # Grammar-constrained: every reply of the base model is a parseable tool call.
    assert all(r and r["tool_calls"] for r in replies)
    # ...with arguments the tools accept: a file change is a commit in original/.
    writes = [r for r in replies if r["tool_calls"][0]["name"] == "write_file"]
    if writes:
        original = git.Repo(Path(result.run_dir) / "original")
        assert original.head.is_valid() and len(list(original.iter_commits())) >= 1
    assert result.builder.tool_errors < result.builder.turns

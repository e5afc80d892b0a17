"""Regenlab's own runs as the log: journals as prompts, task prompts as context, read through
experiments' and agents' public names."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from agents import Journal
from analysis import HiddenTestRun, TestOutcome
from experiments import ExperimentDir, RunConfig, RunDir, TrialResult
from intent import analyze
from intent._regenlab import is_regenlab_dir, read_regenlab
from tests.intent.scripted import scripted_model

TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"
JOURNALS = [
    ["Plan: an LRU cache with a TTL per entry.", "Decision: an OrderedDict keeps the order."],
    ["Step: wrote lru_ttl.py with get and put.", "Test: eviction works."],
    ["Summary: the cache evicts the oldest entry and expires entries."],
]


def _tests(passed: list[str], failed: list[str]) -> HiddenTestRun:
    outcomes = [TestOutcome(nodeid=n, outcome="passed") for n in passed]
    outcomes += [TestOutcome(nodeid=n, outcome="failed") for n in failed]
    return HiddenTestRun(outcomes=outcomes, backend="local")


def _trial(folder: Path, entries: list[str], lost: bool) -> None:
    folder.mkdir(parents=True)
    run = RunDir(folder)
    run.write_record(RunConfig(task=TASK), "lru-ttl-cache", "local")
    journal = Journal(task="lru-ttl-cache", style="structured")
    for text in entries:
        journal.add("step", text)
    journal.sealed = True
    journal.save(folder)
    tests = {
        "original": _tests(["t::a", "t::b"], []),
        "journal": _tests(["t::a"], ["t::b"]) if lost else _tests(["t::a", "t::b"], []),
    }
    run.write_results(
        TrialResult(
            run_id=folder.name,
            run_dir=str(folder),
            task="lru-ttl-cache",
            status="completed",
            models={"builder": "mock/b", "regenerator": "mock/r"},
            arms=["journal"],
            journal_style="structured",
            code_policy="none",
            tests=tests,
            started_at=datetime.now(UTC),
        )
    )


def _experiment(root: Path) -> Path:
    root.mkdir(parents=True)
    (root / ExperimentDir.SPEC).write_text("name: x\n", encoding="utf-8")
    for number, entries in enumerate(JOURNALS):
        _trial(root / f"trial-{number}", entries, lost=number != 1)
    (root / "not-a-trial").mkdir()
    return root


def test_an_experiment_directory_reads_as_journals_with_outcomes(tmp_path: Path) -> None:
    root = _experiment(tmp_path / "exp")
    assert is_regenlab_dir(root) and is_regenlab_dir(root / "trial-0")
    assert not is_regenlab_dir(tmp_path)
    sample = read_regenlab(root, sample=10)
    records = sample.records
    assert [r.id for r in records] == ["trial-0", "trial-1", "trial-2"]
    assert records[0].text.startswith("[step] Plan: an LRU cache")
    assert records[0].context is not None and "LRUCache" in records[0].context
    assert [r.outcome for r in records] == ["lost_tests", "kept", "lost_tests"]
    assert records[0].labels == {"lost_tests": ["t::b"]}
    assert sample.summary.outcomes == {"lost_tests": 2, "kept": 1}


def test_the_pipeline_runs_on_an_experiment_directory(tmp_path: Path) -> None:
    root = _experiment(tmp_path / "exp")
    config = tmp_path / "config.yaml"
    config.write_text(
        "clustering: {embedder: wordllama, k_min: 2, k_max: 2, seeds: 2, resamples: 2}\n"
        "loop: {clusters: 0}\n",
        encoding="utf-8",
    )
    run = analyze(log=root, config=config, model=scripted_model(), out=tmp_path / "run")
    assert run.results.source == "regenlab" and run.results.log.rows == 3
    assert run.results.validation is None
    assert any("builder journals" in caveat for caveat in run.results.caveats)
    lines = (run.folder / "transcripts" / "facets.jsonl").read_text().splitlines()
    first = json.loads(lines[0])["messages"]
    assert first[0]["content"].startswith("You read a builder's journal")
    assert first[1]["content"].startswith("Context: ") and "Request: [step]" in first[1]["content"]

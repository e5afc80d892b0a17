"""Fixtures of the intent lab's tests: a small slice of the synthetic log and its config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intent import synthetic_log

LABELS = (
    "labels: {intent: planted_intent, domain: planted_domain, missing: planted_missing, "
    "ambiguity: planted_ambiguity, hidden: planted_hidden}"
)


def write_config(folder: Path, log: Path, **extra: str) -> Path:
    """A config for a quick run on `log` with the fast embedder."""
    lines = [
        "name: test",
        f"log: {log}",
        LABELS,
        "sample: 100",
        "clustering: {embedder: wordllama, k_min: 4, k_max: 9, seeds: 3, resamples: 4}",
        "loop: {clusters: 2, users: 3, max_turns: 2}",
        *(f"{key}: {value}" for key, value in extra.items()),
    ]
    path = folder / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def small_log_at(folder: Path) -> Path:
    """The first 72 prompts of the bundled log, with every kind of planted personal data."""
    rows = synthetic_log()[:72]
    kinds = {kind for row in rows for kind in row["planted_pii"]}
    assert kinds == {"email", "phone", "key", "name"}
    path = folder / "log.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.fixture
def small_log(tmp_path: Path) -> Path:
    """small_log_at in the test's own folder."""
    return small_log_at(tmp_path)

"""`experiment run TASK --chaos FILE` end to end with scripted mock models (test doubles): a
baseline trial, a trial per fault, and the table of what survived and what was lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from experiments.cli import app

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "chaos" / "experiments" / "mock"
CHAOS = """
name: three-faults
target: pipeline
faults:
  - {kind: journal_drop, schedule: {first: 1}}
  - {kind: tool_error, tools: [write_file], schedule: {first: 1}}
  - {kind: model_error, status: 429, schedule: {first: 2}, roles: [builder]}
"""


def test_the_pipeline_table_says_what_survived(tmp_path: Path) -> None:
    task = tmp_path / "tasks" / "lru-ttl-cache"
    shutil.copytree(ROOT / "tasks" / "lru-ttl-cache", task)
    chaos = tmp_path / "chaos.yaml"
    chaos.write_text(CHAOS, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(task),
            "--chaos",
            str(chaos),
            "--arms",
            "journal",
            "--out",
            str(tmp_path / "runs"),
            "--builder-model",
            f"mock/{SCRIPTS / 'builder.yaml'}",
            "--regenerator-model",
            f"mock/{SCRIPTS / 'regenerator.yaml'}",
        ],
    )
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "runs").iterdir()
    faults = {f["kind"]: f for f in json.loads((folder / "pipeline.json").read_text())["faults"]}
    assert all(f["probe"]["fired"] and f["fired"] >= 1 for f in faults.values())
    # A dropped entry is silent: the run completes, the journal is one entry short.
    assert faults["journal_drop"]["completed"] == 1 and not faults["journal_drop"]["survived"]
    assert faults["journal_drop"]["lost"] == ["1 of 3 journal entries"]
    # The scripted builder does not write its module again: the original loses it.
    assert any("lru_ttl.py" in lost for lost in faults["tool_error"]["lost"])
    # Two 429s on the builder's model are retried by the model layer: nothing is lost.
    assert faults["model_error"]["survived"] and faults["model_error"]["fired"] == 2
    report = (folder / "report.md").read_text()
    assert "| journal_drop first 1 |" in report and "Read this first" in report
    assert "survived" in result.output and "lost 1 of 3 journal entries" in result.output

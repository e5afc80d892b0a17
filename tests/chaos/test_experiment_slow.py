"""Chaos experiments end to end in Chromium: the quick profile's fault-fidelity matrix with its
steady state before and after and its report, resuming, the embedded model as a web agent, and
a Chaos Toolkit run of the extension."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from chaos import resume_chaos, run_chaos
from chaos._config import EXPERIMENTS_DIR
from chaos._rundir import EPISODES
from tests.chaos.conftest import need_browser

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory):
    need_browser()
    out = tmp_path_factory.mktemp("chaos") / "quick"
    return run_chaos(EXPERIMENTS_DIR / "quick.yaml", out=out)


def test_js_off_and_cookies_break_exactly_the_tasks_that_need_them(quick) -> None:
    assert quick.status == "completed" and quick.before.ok and quick.after is not None
    assert quick.after.ok
    rows = {(r.agent, r.condition): r for r in quick.fidelity}
    assert set(rows) == {
        (a, c) for a in ("oracle", "heuristic") for c in ("js_off", "cookies_blocked")
    }
    for row in rows.values():
        assert row.ok, row
        assert row.expected, "some tasks need each feature"
    # The careful agent says what the site needs; the script says nothing (or claims success).
    stats = {(s.agent, s.condition): s for s in quick.stats}
    heuristic = stats[("heuristic", "js_off")]
    assert heuristic.graceful is not None and heuristic.graceful.mean == 1.0
    assert stats[("heuristic", "cookies_blocked")].false_success.mean == 0.0
    assert stats[("oracle", "cookies_blocked")].false_success.mean > 0.0


def test_the_report_has_its_parts(quick) -> None:
    folder = Path(quick.run_dir)
    report = (folder / "report.md").read_text()
    for heading in (
        "Read this first",
        "Steady-state hypothesis",
        "Fault probes",
        "Fault fidelity",
        "Damage per fault",
        "Replay of a failed episode",
    ):
        assert heading in report, heading
    assert report.index("Read this first") < report.index("## Overview")
    for png in (
        "plots/heatmap-oracle.png",
        "plots/heatmap-heuristic.png",
        "plots/drop-per-fault.png",
    ):
        assert (folder / png).stat().st_size > 1000, png
    assert "step-01.jpg" in report and (folder / "report.html").is_file()
    journal = json.loads((folder / "journal.json").read_text())
    assert journal["status"] == "completed" and journal["steady_states"]["after"]["ok"]


def test_resuming_runs_only_what_is_missing(quick) -> None:
    folder = Path(quick.run_dir)
    lines = (folder / EPISODES).read_text().splitlines()
    (folder / EPISODES).write_text("\n".join(lines[:-2]) + "\n" + lines[-2][:20])  # a torn line
    again = resume_chaos(folder)
    keys = []
    for line in (folder / EPISODES).read_text().splitlines():
        try:
            keys.append(json.loads(line)["key"])
        except ValueError:  # the torn line stays where it was, unread
            continue
    assert len(keys) == len(set(keys)) == quick.episodes == again.episodes
    assert again.fidelity == quick.fidelity


def test_the_embedded_model_drives_the_browser(tmp_path: Path) -> None:
    need_browser()
    summary = run_chaos(EXPERIMENTS_DIR / "qwen.yaml", out=tmp_path / "qwen")
    episodes = [
        json.loads(line) for line in (tmp_path / "qwen" / EPISODES).read_text().splitlines()
    ]
    mine = [e for e in episodes if e["agent"] == "qwen"]
    assert {(e["phase"], e["condition"]) for e in mine} == {
        ("before", "baseline"),
        ("method", "js_off"),
    }
    assert all(e["input_tokens"] > 0 and e["output_tokens"] > 0 for e in mine)
    assert summary.before.ok and (tmp_path / "qwen" / "report.md").is_file()
    assert list((tmp_path / "qwen" / "transcripts").glob("qwen-*.jsonl"))


def test_chaos_toolkit_runs_the_extension(tmp_path: Path) -> None:
    need_browser()
    chaos = Path(sys.executable).with_name("chaos")
    command = [
        str(chaos),
        "--no-version-check",
        "--no-log-file",
        "run",
        "--journal-path",
        str(tmp_path / "journal.json"),
        str(EXPERIMENTS_DIR / "chaostoolkit.json"),
    ]
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True, timeout=600)
    journal = json.loads((tmp_path / "journal.json").read_text())
    assert journal["status"] == "completed" and not journal["deviated"]
    fired, under = (run["output"] for run in journal["run"])
    assert fired is True and under == 1.0

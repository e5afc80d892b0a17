"""Pipeline faults on a real Toolbox and journal: each fault's effect, its seeded schedule,
which agents it hits, and its probe."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import Journal, Toolbox, Workspace
from agents.models import ToolCall
from chaos import Injection, load_pipeline_chaos, probe_pipeline_fault
from chaos._config import BUNDLED_PIPELINE
from chaos._faults import (
    JournalCorrupt,
    JournalDrop,
    JournalDuplicate,
    PipelineModelError,
    SandboxDenied,
    ToolErrorFault,
    TruncatedOutput,
    WrongOutput,
)
from chaos._schedule import Schedule
from sandbox import get_sandbox


def toolbox(tmp_path: Path, injection: Injection, role: str = "builder") -> tuple[Toolbox, Journal]:
    journal = Journal(task="t", style="structured")
    box = Toolbox(
        Workspace(tmp_path / "ws"),
        get_sandbox("local"),
        journal=journal,
        middleware=injection.middleware(role),
    )
    return box, journal


def note(box: Toolbox, text: str) -> str:
    return box.call(ToolCall(id="j", name="journal", arguments={"kind": "step", "text": text})).text


def test_a_dropped_entry_is_acknowledged_but_never_written(tmp_path: Path) -> None:
    box, journal = toolbox(tmp_path, Injection(JournalDrop(schedule=Schedule(first=1)), "s"))
    assert note(box, "first entry") == "added journal #1 (step)"
    assert note(box, "second entry") == "added journal #1 (step)"  # the real journal's first
    assert [e.text for e in journal.entries] == ["second entry"]


def test_duplicated_and_garbled_entries(tmp_path: Path) -> None:
    box, journal = toolbox(tmp_path, Injection(JournalDuplicate(), "s"))
    note(box, "one entry")
    assert [e.text for e in journal.entries] == ["one entry", "one entry"]
    box, journal = toolbox(tmp_path / "2", Injection(JournalCorrupt(), "s"))
    note(box, "the cache evicts the least recently used key when full")
    [entry] = journal.entries
    assert entry.text != "the cache evicts the least recently used key when full"
    assert set(entry.text.split()) < set(
        "the cache evicts the least recently used key when full".split()
    )


def test_tool_faults_change_what_the_agent_sees(tmp_path: Path) -> None:
    write = ToolCall(
        id="w", name="write_file", arguments={"path": "a.py", "content": "x = 1\n" * 20}
    )
    box, _ = toolbox(tmp_path, Injection(ToolErrorFault(tools=["write_file"]), "s"))
    assert box.call(write).error and box.workspace.files() == []
    run = ToolCall(id="r", name="run", arguments={"command": "echo hi; exit 4"})
    box, _ = toolbox(tmp_path / "2", Injection(SandboxDenied(), "s"))
    assert "permission denied" in box.call(run).text
    box, _ = toolbox(tmp_path / "3", Injection(WrongOutput(), "s"))
    result = box.call(run)
    assert not result.error and "1 passed" in result.text  # a failing command reads as passing
    box, _ = toolbox(
        tmp_path / "4", Injection(TruncatedOutput(tools=["read_file"], keep_chars=5), "s")
    )
    box.call(write)
    assert box.call(ToolCall(id="x", name="read_file", arguments={"path": "a.py"})).text == "x = 1"


def test_a_fault_spares_the_agents_it_does_not_name(tmp_path: Path) -> None:
    injection = Injection(ToolErrorFault(roles=["regenerator"], tools=["write_file"]), "s")
    assert injection.middleware("builder") is None
    assert injection.middleware("regenerator:journal") is not None
    model_fault = Injection(PipelineModelError(roles=["builder"]), "s")
    assert model_fault.middleware("builder") is None  # a model fault wraps the model instead


@pytest.mark.parametrize(
    "fault", load_pipeline_chaos(BUNDLED_PIPELINE).faults, ids=lambda f: f.name
)
def test_every_bundled_pipeline_fault_fires_on_its_probe(fault: object) -> None:
    result = probe_pipeline_fault(fault)  # type: ignore[arg-type]
    assert result.fired, (result.control, result.treatment)

"""Workspace tools: confined to the workspace, every change a commit naming the journal entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents import Journal, PathRefused, Toolbox, Workspace
from agents.models import ToolCall
from sandbox import get_sandbox


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Workspace, Path]:
    """A regenerator workspace next to the builder's original, as in a run directory."""
    original = tmp_path / "original"
    original.mkdir()
    (original / "secret.py").write_text("ANSWER = 42\n")
    workspace = Workspace(tmp_path / "regenerated" / "journal")
    return workspace, original


def call(toolbox: Toolbox, name: str, **arguments: object) -> tuple[str, bool]:
    result = toolbox.call(ToolCall(id="c", name=name, arguments=arguments))
    return result.text, result.error


@pytest.mark.parametrize(
    "path",
    ["../../original/secret.py", "/etc/passwd", "sub/../../x", ".git/config", "", "a\x00b", "..."],
)
def test_paths_outside_the_workspace_are_refused(layout: tuple[Workspace, Path], path: str) -> None:
    workspace, _ = layout
    with pytest.raises(PathRefused):
        workspace.resolve(path)


def test_escaping_symlinks_are_refused(layout: tuple[Workspace, Path]) -> None:
    workspace, original = layout
    (workspace.root / "link").symlink_to(original / "secret.py")
    (workspace.root / "dirlink").symlink_to(original)
    with pytest.raises(PathRefused, match="symlink"):
        workspace.read("link")
    with pytest.raises(PathRefused, match="symlink"):
        workspace.write("dirlink/new.py", "x", "m")
    assert not (original / "new.py").exists()


def test_tools_refuse_leaks_with_a_tool_error(layout: tuple[Workspace, Path]) -> None:
    workspace, original = layout
    toolbox = Toolbox(workspace, get_sandbox("local"))
    for name, arguments in [
        ("read_file", {"path": "../../original/secret.py"}),
        ("read_file", {"path": str(original / "secret.py")}),
        ("write_file", {"path": "../../original/secret.py", "content": "ANSWER = 0"}),
        ("delete_file", {"path": "../../original/secret.py"}),
        ("list_files", {"path": "../.."}),
    ]:
        text, error = call(toolbox, name, **arguments)
        assert error and text.startswith("error:"), (name, text)
    assert (original / "secret.py").read_text() == "ANSWER = 42\n"


def test_the_sandbox_hides_the_original_from_run(layout: tuple[Workspace, Path]) -> None:
    workspace, original = layout
    toolbox = Toolbox(workspace, get_sandbox())
    if toolbox.sandbox.name != "bwrap":
        pytest.skip("only an isolating backend hides other folders")
    command = f"cat {original / 'secret.py'}; cat ../../original/secret.py; ls /"
    text, _ = call(toolbox, "run", command=command)
    assert "ANSWER = 42" not in text
    assert text.count("No such file or directory") == 2
    listing = text.splitlines()[-9:]
    assert "workspace" in listing and "original" not in listing


def test_every_change_is_a_commit_naming_the_journal_entry(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    journal = Journal(task="t", style="terse")
    toolbox = Toolbox(
        workspace,
        get_sandbox("local"),
        journal=journal,
        commit_label=lambda: journal.last.label if journal.last else "before any journal entry",
    )
    call(toolbox, "write_file", path="notes.txt", content="x")
    call(toolbox, "journal", kind="plan", text="A package pkg with one module.")
    call(toolbox, "write_file", path="pkg/__init__.py", content="")
    call(toolbox, "write_file", path="pkg/core.py", content="VALUE = 1\n")
    call(toolbox, "write_file", path="pkg/core.py", content="VALUE = 1\n")  # unchanged: no commit
    call(toolbox, "journal", kind="step", text="Removed the notes.")
    call(toolbox, "delete_file", path="notes.txt")
    assert workspace.log() == [
        "write notes.txt [before any journal entry]",
        "write pkg/__init__.py [journal #1 (plan)]",
        "write pkg/core.py [journal #1 (plan)]",
        "delete notes.txt [journal #2 (step)]",
    ]
    assert call(toolbox, "list_files")[0] == "pkg/__init__.py\npkg/core.py"
    assert call(toolbox, "read_file", path="pkg/core.py")[0] == "VALUE = 1\n"


def test_run_commits_what_the_command_made(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path / "ws")
    toolbox = Toolbox(workspace, get_sandbox())
    text, error = call(toolbox, "run", command="echo generated > out.txt && echo hi")
    assert not error and text.startswith("exit code 0") and "hi" in text
    assert workspace.log() == ["run echo generated > out.txt && echo hi"]
    text, error = call(toolbox, "run", command="exit 3")
    assert error and text.startswith("exit code 3")


def test_journal_tool_enforces_the_code_policy(tmp_path: Path) -> None:
    journal = Journal(task="t", style="terse")
    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"), journal=journal)
    text, error = call(toolbox, "journal", kind="step", text="```\ndef f():\n    return 1\n```")
    assert error and "code policy is 'none'" in text
    text, error = call(toolbox, "journal", kind="musing", text="hmm")
    assert error and "kind must be one of" in text
    assert journal.entries == []


def test_unknown_tools_and_bad_arguments(tmp_path: Path) -> None:
    toolbox = Toolbox(Workspace(tmp_path / "ws"), get_sandbox("local"))
    assert call(toolbox, "journal", kind="plan", text="x") == (
        "error: unknown tool 'journal'",
        True,
    )
    text, error = call(toolbox, "write_file", path="a.py")
    assert error and "bad arguments for write_file" in text
    assert [s.name for s in toolbox.specs()] == [
        "write_file",
        "read_file",
        "list_files",
        "delete_file",
        "run",
        "done",
    ]
    assert json.dumps(toolbox.specs()[0].parameters)

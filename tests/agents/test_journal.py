"""The journal: entries, the code policy, storage and rendering."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents import CodePolicy, Journal, code_violation

CODE = "def add(a, b):\n    return a + b"


def test_entries_are_numbered_and_labelled() -> None:
    journal = Journal(task="t", style="terse")
    first = journal.add("plan", "One module.", ["m.py"])
    second = journal.add("step", "Wrote it.")
    assert (first.index, second.index) == (1, 2)
    assert second.label == "journal #2 (step)"
    assert journal.last == second


@pytest.mark.parametrize(
    "text",
    [
        f"```python\n{CODE}\n```",
        CODE,
        "It does this:\nimport os\nfrom pathlib import Path",
        "~~~\nanything fenced\n~~~",
    ],
)
def test_policy_none_refuses_code(text: str) -> None:
    message = code_violation(text, CodePolicy(name="none"))
    assert message is not None and "may not contain code" in message


@pytest.mark.parametrize(
    "text",
    [
        "The cache keeps entries in an ordered dictionary and evicts the oldest.",
        "Function add(a, b) returns the sum; it raises ValueError on bad input.",
        "Set x = 1 in prose is fine once.",
    ],
)
def test_policy_none_accepts_prose(text: str) -> None:
    assert code_violation(text, CodePolicy(name="none")) is None


def test_policy_snippets_limits_block_length() -> None:
    policy = CodePolicy(name="snippets", max_lines=2)
    assert code_violation(f"```\n{CODE}\n```", policy) is None
    long = "```\n" + "\n".join(f"x{i} = {i}" for i in range(3)) + "\n```"
    assert "at most 2 lines" in str(code_violation(long, policy))
    assert code_violation(long, CodePolicy(name="any")) is None


def test_add_refuses_code_under_policy_none() -> None:
    journal = Journal(task="t", style="terse")
    with pytest.raises(ValueError, match="describe it in words"):
        journal.add("step", f"```\n{CODE}\n```")
    assert journal.entries == []


def test_save_load_and_markdown(tmp_path: Path) -> None:
    journal = Journal(task="demo", style="structured", code_policy=CodePolicy(name="snippets"))
    journal.add("plan", "Two files.", ["a.py", "b.py"])
    journal.add("summary", "Done.")
    journal.sealed = True
    journal.save(tmp_path)
    loaded = Journal.load(tmp_path)
    assert loaded == journal
    markdown = (tmp_path / "journal.md").read_text()
    assert markdown.startswith("# Journal: demo\n")
    assert "## 1. plan — a.py, b.py" in markdown and "code policy: snippets<=5" in markdown
    with pytest.raises(ValueError, match="sealed"):
        loaded.add("step", "late")


def test_load_refuses_an_unknown_version(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text('{"version": 99, "task": "t", "style": "s"}\n')
    with pytest.raises(ValueError, match="version 99"):
        Journal.load(tmp_path)

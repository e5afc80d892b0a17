"""The journal: a typed, versioned record of how a codebase was built (DESIGN §3).

Stored as journal.jsonl (a header line, then one entry per line) and rendered as journal.md.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

EntryKind = Literal["plan", "decision", "step", "problem", "fix", "test", "summary"]
ENTRY_KINDS: tuple[EntryKind, ...] = (
    "plan",
    "decision",
    "step",
    "problem",
    "fix",
    "test",
    "summary",
)
CodePolicyName = Literal["none", "snippets", "any"]
JOURNAL_VERSION = 1


class CodePolicy(BaseModel):
    """How much code a journal may hold."""

    name: CodePolicyName = "none"
    """none: no code at all; snippets: code blocks of at most `max_lines`; any: no limit."""
    max_lines: int = Field(default=5, gt=0)
    """Longest code block allowed under `snippets`."""

    def __str__(self) -> str:
        return f"snippets<={self.max_lines}" if self.name == "snippets" else self.name


class JournalEntry(BaseModel):
    """One entry of the journal."""

    index: int
    """Position in the journal, from 1."""
    kind: EntryKind
    """plan, decision, step, problem, fix, test or summary."""
    text: str
    """What the agent wrote."""
    files: list[str] = Field(default_factory=list)
    """Workspace paths the entry is about."""
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    """When the entry was written (UTC)."""

    @property
    def label(self) -> str:
        """Short name used in commit messages, e.g. `journal #3 (step)`."""
        return f"journal #{self.index} ({self.kind})"


class Journal(BaseModel):
    """The builder's journal: header fields and entries."""

    version: int = JOURNAL_VERSION
    """Format version of the stored journal."""
    task: str
    """Task id."""
    style: str
    """Journal style the builder was asked for."""
    code_policy: CodePolicy = Field(default_factory=CodePolicy)
    """Code policy in force."""
    entries: list[JournalEntry] = Field(default_factory=list)
    """Entries in order."""
    sealed: bool = False
    """True once the build is over: nothing more may be appended."""

    def add(self, kind: EntryKind, text: str, files: list[str] | None = None) -> JournalEntry:
        """Append an entry (after checking the code policy) and return it."""
        if self.sealed:
            raise ValueError("the journal is sealed: the build is over")
        problem = code_violation(text, self.code_policy)
        if problem is not None:
            raise ValueError(problem)
        entry = JournalEntry(index=len(self.entries) + 1, kind=kind, text=text, files=files or [])
        self.entries.append(entry)
        return entry

    @property
    def last(self) -> JournalEntry | None:
        """The latest entry, if any."""
        return self.entries[-1] if self.entries else None

    def save(self, folder: Path) -> None:
        """Write journal.jsonl and journal.md into `folder`."""
        header = self.model_dump(mode="json", exclude={"entries"})
        lines = [json.dumps(header)] + [e.model_dump_json() for e in self.entries]
        (folder / "journal.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / "journal.md").write_text(render_markdown(self), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Journal:
        """Read journal.jsonl from `folder`."""
        lines = (folder / "journal.jsonl").read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        if header.get("version") != JOURNAL_VERSION:
            raise ValueError(
                f"{folder / 'journal.jsonl'}: journal version {header.get('version')} "
                f"is not {JOURNAL_VERSION}"
            )
        entries = [JournalEntry.model_validate_json(line) for line in lines[1:] if line.strip()]
        return cls.model_validate({**header, "entries": entries})


def render_markdown(journal: Journal) -> str:
    """The journal as Markdown, one section per entry."""
    out = [f"# Journal: {journal.task}", ""]
    out.append(f"Style: {journal.style} · code policy: {journal.code_policy}")
    for entry in journal.entries:
        files = f" — {', '.join(entry.files)}" if entry.files else ""
        out += ["", f"## {entry.index}. {entry.kind}{files}", "", entry.text.strip()]
    return "\n".join(out) + "\n"


_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_LINE = re.compile(
    r"^\s*(def |class |import |from \S+ import |return\b|if .*:\s*$|for .*:\s*$|while .*:\s*$"
    r"|elif |else:|try:|except\b|with .*:\s*$|@\w+|\w+(\.\w+)*\s*=[^=].*|\w+\(.*\)\s*$)"
)


def code_blocks(text: str) -> list[list[str]]:
    """Runs of code in `text`: fenced blocks, and runs of lines that look like Python."""
    blocks: list[list[str]] = []
    fenced: list[str] | None = None
    loose: list[str] = []
    for line in text.splitlines():
        if _FENCE.match(line):
            if fenced is None:
                fenced = []
            else:
                blocks.append(fenced)
                fenced = None
            continue
        if fenced is not None:
            fenced.append(line)
        elif _CODE_LINE.match(line):
            loose.append(line)
        else:
            if len(loose) >= 2:
                blocks.append(loose)
            loose = []
    if fenced is not None:
        blocks.append(fenced)
    if len(loose) >= 2:
        blocks.append(loose)
    return blocks


def code_violation(text: str, policy: CodePolicy) -> str | None:
    """Why `text` breaks the code policy, or None when it complies."""
    if policy.name == "any":
        return None
    blocks = code_blocks(text)
    if policy.name == "none" and blocks:
        return (
            "the code policy is 'none': journal entries may not contain code "
            f"(found {sum(len(b) for b in blocks)} line(s) of code); describe it in words"
        )
    longest = max((len(b) for b in blocks), default=0)
    if policy.name == "snippets" and longest > policy.max_lines:
        return (
            f"the code policy allows snippets of at most {policy.max_lines} lines; "
            f"this entry has a block of {longest}: shorten it or describe it in words"
        )
    return None

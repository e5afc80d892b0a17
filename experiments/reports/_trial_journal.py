"""The trial report's journal: each entry, with the spans that leaked code into it marked."""

from __future__ import annotations

import re
from collections.abc import Iterable

from experiments.reports._trial_view import (
    EntryView,
    JournalView,
    Segment,
    _Anchors,
    _Run,
    _time,
)


def _journal(run: _Run, anchors: _Anchors) -> JournalView:
    leaked = list(
        dict.fromkeys(
            line for a in run.analyses.values() if a.journal for line in a.journal.leaked_lines
        )
    )
    measured = any(a.journal is not None for a in run.analyses.values())
    note = "" if measured else "Leakage is not available: the journal was not analysed."
    journal = run.journal
    if journal is None:
        return JournalView(False, "", "", [], leaked, note)
    entries = [
        EntryView(
            anchor=anchors.make("journal", str(e.index)),
            index=e.index,
            kind=e.kind,
            files=e.files,
            time=_time(e.timestamp),
            segments=_segments(e.text.strip(), leaked),
        )
        for e in journal.entries
    ]
    return JournalView(True, journal.style, str(journal.code_policy), entries, leaked, note)


def _segments(text: str, leaked: Iterable[str]) -> list[Segment]:
    """`text` cut into plain and leaked pieces (a leaked line matches across any whitespace)."""
    spans: list[tuple[int, int]] = []
    for line in leaked:
        pattern = r"\s+".join(re.escape(word) for word in line.split())
        spans += [m.span() for m in re.finditer(pattern, text)]
    segments, at = [], 0
    for start, end in _merge(spans):
        if start > at:
            segments.append(Segment(text[at:start], False))
        segments.append(Segment(text[start:end], True))
        at = end
    if at < len(text) or not segments:
        segments.append(Segment(text[at:], False))
    return segments


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged

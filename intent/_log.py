"""Reading a prompt log (JSONL or CSV), streamed: one row at a time, so a log of any length is
read in bounded memory, summarised (rows, outcomes) and sampled (a seeded reservoir) on the way.

Every problem is one line naming the file, the line, the column and the fix: a missing text
column, an empty log, bytes that are not UTF-8, a line that is not JSON.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, Field

from intent._config import Columns, Labels
from intent._errors import LogError

MAX_FIELD = 1_000_000
"""Largest CSV field read (Python's csv module refuses 128 KiB by default)."""


class PromptRecord(BaseModel):
    """One prompt of the log, as read (before scrubbing)."""

    id: str
    """The log's id, or `line<N>`."""
    line: int
    """Line (JSONL) or row (CSV, header = 1) it came from."""
    text: str
    """The prompt."""
    conversation_id: str | None = None
    timestamp: str | None = None
    outcome: str | None = None
    context: str | None = None
    """What the prompt was written against, shown with it (regenlab data: the task prompt)."""
    labels: dict[str, Any] = Field(default_factory=dict)
    """Planted ground truth (intent, missing, ambiguity, hidden); never shown to a model."""


class LogSummary(BaseModel):
    """What streaming the whole log found (every row, not only the sample)."""

    path: str
    rows: int = 0
    """Rows with a text."""
    skipped_empty: int = 0
    """Rows whose text was empty (left out)."""
    outcomes: dict[str, int] = Field(default_factory=dict)
    """Rows per outcome value (`none` when absent)."""
    sampled: int = 0
    """Rows kept for the analysis."""


class LogSample(NamedTuple):
    """The prompts to analyse and the summary of the whole log."""

    records: list[PromptRecord]
    summary: LogSummary


def log_format(path: Path, declared: str) -> str:
    """jsonl or csv, from the config or the file's suffix."""
    if declared != "auto":
        return declared
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise LogError(
        f"{path}: cannot tell the format from the suffix {suffix or '(none)'!r}; "
        "fix: name it .jsonl or .csv, or set `format: jsonl|csv` in the config"
    )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    """The file's lines, decoded one at a time so that a bad byte is named by its line."""
    try:
        stream = open(path, "rb")
    except OSError as exc:
        raise LogError(
            f"{path}: cannot read it ({exc.strerror}); fix: give an existing file"
        ) from exc
    with stream:
        for number, raw in enumerate(stream, start=1):
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise LogError(
                    f"{path}: line {number}: byte {exc.start + 1} (0x{raw[exc.start]:02x}) is "
                    "not UTF-8; fix: save the log as UTF-8 (e.g. iconv -f latin1 -t utf-8)"
                ) from exc


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in _lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LogError(
                f"{path}: line {number}: not JSON ({exc.msg}); fix: write one JSON object per line"
            ) from exc
        if not isinstance(row, dict):
            raise LogError(
                f"{path}: line {number}: a JSON {type(row).__name__}, not an object; "
                'fix: write one object per line, e.g. {"text": "..."}'
            )
        yield number, row


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    csv.field_size_limit(MAX_FIELD)
    text = (line for _, line in _lines(path))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(text, delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, {k: v for k, v in row.items() if k is not None}
    except csv.Error as exc:
        raise LogError(
            f"{path}: row ending on line {reader.line_num}: {exc}; fix: check its quoting"
        ) from exc


def _column(path: Path, row: dict[str, Any], name: str, line: int) -> None:
    if name not in row:
        have = ", ".join(sorted(map(str, row))[:12]) or "none"
        raise LogError(
            f"{path}: line {line}: no column {name!r} for the prompt text (columns: {have}); "
            f"fix: rename the column to {name!r}, or set `columns: {{text: COLUMN}}` in the config"
        )


def _value(row: dict[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row.get(column)
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else json.dumps(value)


def _record(
    path: Path, number: int, row: dict[str, Any], columns: Columns, labels: Labels
) -> PromptRecord | None:
    _column(path, row, columns.text, number)
    text = row[columns.text]
    if not isinstance(text, str):
        raise LogError(
            f"{path}: line {number}: column {columns.text!r} holds a {type(text).__name__}, "
            "not text; fix: write the prompt as a string"
        )
    if not text.strip():
        return None
    planted = {
        key: _label(row.get(column), key)
        for key, column in labels.model_dump().items()
        if column is not None and column in row
    }
    return PromptRecord(
        id=_value(row, columns.id) or f"line{number}",
        line=number,
        text=text,
        conversation_id=_value(row, columns.conversation_id),
        timestamp=_value(row, columns.timestamp),
        outcome=_value(row, columns.outcome),
        labels=planted,
    )


def _label(value: Any, key: str) -> Any:
    """A planted label as stored; a CSV cell holding JSON (a list, a mapping) is parsed."""
    if isinstance(value, str) and key in ("missing", "hidden") and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def iter_log(
    path: Path, *, columns: Columns, labels: Labels, fmt: str = "auto"
) -> Iterator[PromptRecord | None]:
    """Every row of the log as a record (None for a row with an empty text), streamed."""
    kind = log_format(path, fmt)
    rows = _jsonl_rows(path) if kind == "jsonl" else _csv_rows(path)
    for number, row in rows:
        yield _record(path, number, row, columns, labels)


def read_log(
    path: Path,
    *,
    columns: Columns | None = None,
    labels: Labels | None = None,
    fmt: str = "auto",
    sample: int = 600,
    seed: int = 0,
) -> LogSample:
    """Stream the log: summarise every row and keep a seeded reservoir of `sample` prompts."""
    if path.is_dir():
        raise LogError(f"{path}: a folder; fix: give a .jsonl or .csv file, or an experiment dir")
    summary = LogSummary(path=str(path))
    rng = random.Random(seed)
    kept: list[PromptRecord] = []
    for record in iter_log(path, columns=columns or Columns(), labels=labels or Labels(), fmt=fmt):
        if record is None:
            summary.skipped_empty += 1
            continue
        summary.rows += 1
        outcome = record.outcome or "none"
        summary.outcomes[outcome] = summary.outcomes.get(outcome, 0) + 1
        _reservoir(kept, record, summary.rows, sample, rng)
    if not summary.rows:
        empty = (
            f" ({summary.skipped_empty} rows with an empty text)" if summary.skipped_empty else ""
        )
        raise LogError(f"{path}: holds no prompts{empty}; fix: give a log with at least one text")
    kept.sort(key=lambda r: r.line)
    summary.sampled = len(kept)
    return LogSample(kept, summary)


def _reservoir(
    kept: list[PromptRecord], record: PromptRecord, seen: int, size: int, rng: random.Random
) -> None:
    """Algorithm R: after `seen` rows, each is in `kept` with probability size / seen."""
    if len(kept) < size:
        kept.append(record)
        return
    slot = rng.randrange(seen)
    if slot < size:
        kept[slot] = record


def duplicate_ids(records: list[PromptRecord]) -> str | None:
    """The first id that two sampled prompts share, if any."""
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            return record.id
        seen.add(record.id)
    return None

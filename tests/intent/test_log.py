"""Reading logs: JSONL and CSV, streamed and sampled; each bad log is one line naming the fix."""

from __future__ import annotations

import csv
import json
import tracemalloc
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from intent import Columns, Labels, LogError, read_log


def _jsonl(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _one_line(exc: pytest.ExceptionInfo[LogError]) -> str:
    message = str(exc.value)
    assert "\n" not in message and "fix:" in message
    return message


def test_jsonl_and_csv_give_the_same_records(tmp_path: Path) -> None:
    rows = [
        {"text": "Plan a trip to Rome.", "conversation_id": "c1", "outcome": "retry", "id": "a"},
        {"text": "Fix my SQL.", "conversation_id": "c2", "outcome": "", "id": "b"},
    ]
    jsonl = read_log(_jsonl(tmp_path / "log.jsonl", rows))
    path = tmp_path / "log.csv"
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=["id", "text", "conversation_id", "outcome"])
        writer.writeheader()
        writer.writerows(rows)
    from_csv = read_log(path)
    assert [r.text for r in jsonl.records] == [r.text for r in from_csv.records]
    assert [r.outcome for r in from_csv.records] == ["retry", None]
    assert jsonl.summary.outcomes == {"retry": 1, "none": 1}


def test_a_missing_text_column_names_the_columns_and_the_fix(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "log.jsonl", [{"prompt": "hi", "when": "now"}])
    with pytest.raises(LogError) as exc:
        read_log(path)
    message = _one_line(exc)
    assert "no column 'text'" in message and "prompt, when" in message and "line 1" in message


def test_the_text_column_can_be_mapped(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "log.jsonl", [{"prompt": "hi there", "id": "x"}])
    sample = read_log(path, columns=Columns(text="prompt"))
    assert sample.records[0].text == "hi there"


def test_an_empty_log_and_a_log_of_empty_texts_are_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(LogError) as exc:
        read_log(empty)
    assert "holds no prompts" in _one_line(exc)
    blank = _jsonl(tmp_path / "blank.jsonl", [{"text": "  "}, {"text": ""}])
    with pytest.raises(LogError) as exc:
        read_log(blank)
    assert "2 rows with an empty text" in _one_line(exc)
    header_only = tmp_path / "header.csv"
    header_only.write_text("text,outcome\n", encoding="utf-8")
    with pytest.raises(LogError):
        read_log(header_only)


def test_bytes_that_are_not_utf8_are_named_by_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(b"text,outcome\nhello,none\ncaf\xe9 au lait,retry\n")
    with pytest.raises(LogError) as exc:
        read_log(path)
    message = _one_line(exc)
    assert "line 3" in message and "0xe9" in message and "UTF-8" in message


def test_a_line_that_is_not_json_or_not_an_object(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"text": "ok"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(LogError) as exc:
        read_log(path)
    assert "line 2: not JSON" in _one_line(exc)
    path.write_text('["text"]\n', encoding="utf-8")
    with pytest.raises(LogError) as exc:
        read_log(path)
    assert "not an object" in _one_line(exc)


def test_an_unknown_suffix_and_a_text_that_is_not_a_string(tmp_path: Path) -> None:
    path = tmp_path / "log.txt"
    path.write_text("hello\n", encoding="utf-8")
    with pytest.raises(LogError) as exc:
        read_log(path)
    assert "set `format: jsonl|csv`" in _one_line(exc)
    with pytest.raises(LogError) as exc:
        read_log(_jsonl(tmp_path / "n.jsonl", [{"text": 42}]))
    assert "holds a int" in _one_line(exc)


def test_planted_labels_are_read_apart_from_the_text(tmp_path: Path) -> None:
    row = {"text": "Plan a trip.", "planted_intent": "travel", "planted_missing": ["date"]}
    labels = Labels(intent="planted_intent", missing="planted_missing")
    sample = read_log(_jsonl(tmp_path / "log.jsonl", [row]), labels=labels)
    record = sample.records[0]
    assert record.labels == {"intent": "travel", "missing": ["date"]}
    assert "travel" not in record.text


def _big_log(path: Path, rows: int) -> Path:
    with open(path, "w", encoding="utf-8") as stream:
        for i in range(rows):
            line = {"text": f"Prompt number {i}: plan a trip to city {i % 97}.", "outcome": "none"}
            stream.write(json.dumps(line) + "\n")
    return path


def _peak(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        sample = read_log(path, sample=200, seed=1)
        return tracemalloc.get_traced_memory()[1], sample.summary.rows
    finally:
        tracemalloc.stop()


def test_a_100k_row_log_streams_in_bounded_memory(tmp_path: Path) -> None:
    small_peak, small_rows = _peak(_big_log(tmp_path / "10k.jsonl", 10_000))
    big_path = _big_log(tmp_path / "100k.jsonl", 100_000)
    big_peak, big_rows = _peak(big_path)
    assert (small_rows, big_rows) == (10_000, 100_000)
    # Ten times the rows, about the same memory: only the 200-row reservoir is kept.
    assert big_peak < 1.5 * small_peak + 512 * 1024
    assert big_peak < big_path.stat().st_size / 4


def test_the_reservoir_is_seeded_and_spread_over_the_whole_log(tmp_path: Path) -> None:
    path = _big_log(tmp_path / "log.jsonl", 5_000)
    first = read_log(path, sample=100, seed=7)
    again = read_log(path, sample=100, seed=7)
    other = read_log(path, sample=100, seed=8)
    lines = [r.line for r in first.records]
    assert lines == [r.line for r in again.records] != [r.line for r in other.records]
    assert len(lines) == 100 and lines == sorted(lines)
    assert min(lines) < 1_000 and max(lines) > 4_000
    assert first.summary.sampled == 100 and first.summary.rows == 5_000

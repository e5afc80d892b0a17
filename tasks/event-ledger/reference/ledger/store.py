"""The append-only event store: one checksummed JSON object per line."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import CorruptLogError
from .events import Event, event_from_data, event_to_data, event_type_name

_RECORD_KEYS = frozenset({"seq", "type", "command_id", "data", "checksum"})


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no optional whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def compute_checksum(seq: int, type_name: str, command_id: str, data: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of a record without its checksum."""
    body = {"seq": seq, "type": type_name, "command_id": command_id, "data": data}
    return hashlib.sha256(canonical_json(body).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Record:
    """One stored event with its sequence number and the command that caused it."""

    seq: int
    command_id: str
    event: Event


def _decode_line(text: str, line_number: int) -> Record:
    """Parse and verify one log line (without its newline); raise CorruptLogError."""

    def corrupt(reason: str) -> CorruptLogError:
        return CorruptLogError(f"line {line_number}: {reason}", line_number)

    try:
        obj = json.loads(text)
    except ValueError:
        raise corrupt("not valid JSON") from None
    if not isinstance(obj, dict) or set(obj) != _RECORD_KEYS:
        raise corrupt(f"a record needs exactly the keys {sorted(_RECORD_KEYS)}")
    seq, type_name, command_id = obj["seq"], obj["type"], obj["command_id"]
    if type(seq) is not int or not isinstance(type_name, str) or not isinstance(command_id, str):
        raise corrupt("bad seq, type or command_id")
    if not isinstance(obj["data"], dict):
        raise corrupt("data must be an object")
    if obj["checksum"] != compute_checksum(seq, type_name, command_id, obj["data"]):
        raise corrupt("checksum mismatch")
    if seq != line_number:
        raise corrupt(f"expected sequence number {line_number}, found {seq}")
    try:
        event = event_from_data(type_name, obj["data"])
    except ValueError as exc:
        raise corrupt(str(exc)) from None
    return Record(seq, command_id, event)


class EventStore:
    """An append-only log of events persisted as JSON Lines at `path`.

    The whole file is read and verified when the store is opened; a missing file is an
    empty log. Each line is the canonical JSON of
    ``{"seq", "type", "command_id", "data", "checksum"}``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._records: list[Record] = []
        if self.path.exists():
            self._load()

    def _load(self) -> None:
        text = self.path.read_bytes().decode("utf-8", errors="replace")
        if not text:
            return
        lines = text.split("\n")
        if lines[-1] != "":
            raise CorruptLogError(f"line {len(lines)}: truncated (no final newline)", len(lines))
        for number, line in enumerate(lines[:-1], start=1):
            self._records.append(_decode_line(line, number))

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest record; 0 for an empty log."""
        return len(self._records)

    def records(self, after: int = 0) -> list[Record]:
        """The records with a sequence number greater than `after`, oldest first."""
        return self._records[max(after, 0) :]

    def append(self, event: Event, command_id: str) -> Record:
        """Write `event` as the next record and return it."""
        seq = self.last_seq + 1
        type_name, data = event_type_name(event), event_to_data(event)
        line = {
            "seq": seq,
            "type": type_name,
            "command_id": command_id,
            "data": data,
            "checksum": compute_checksum(seq, type_name, command_id, data),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(canonical_json(line) + "\n")
        record = Record(seq, command_id, event)
        self._records.append(record)
        return record

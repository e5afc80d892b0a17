"""Snapshots of the ledger state, stored next to the log as one checksummed JSON file."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .state import LedgerState
from .store import canonical_json


class SnapshotFile:
    """Reads and writes the latest snapshot at `path`.

    The file is a JSON object ``{"seq": n, "state": {...}, "checksum": "..."}``; it is
    replaced atomically, so a crash leaves either the old or the new snapshot.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @staticmethod
    def _checksum(seq: int, state: object) -> str:
        body = canonical_json({"seq": seq, "state": state})
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def load(self) -> LedgerState | None:
        """The stored state, or None if there is no snapshot or it is damaged."""
        try:
            obj = json.loads(self.path.read_text(encoding="utf-8"))
            seq, state = obj["seq"], obj["state"]
            if type(seq) is not int or obj["checksum"] != self._checksum(seq, state):
                return None
            restored = LedgerState.from_json(state)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return restored if restored.seq == seq else None

    def save(self, state: LedgerState) -> None:
        """Write a snapshot of `state`, replacing the previous one."""
        data = state.to_json()
        obj = {"seq": state.seq, "state": data, "checksum": self._checksum(state.seq, data)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(canonical_json(obj), encoding="utf-8")
        os.replace(temporary, self.path)

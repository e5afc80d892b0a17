"""The run directory of an intent analysis: every file name once, and append-only JSONL results
that a resumed run reads back to skip what is done.

```
runs/intent-<timestamp>-<name>/
  config.yaml        the resolved config (a resume runs with exactly this)
  plan.md            the analysis plan, written before any result
  log.json           what streaming the whole log found; scrub.json what the scrubber replaced
  prompts.jsonl      the analysed prompts, scrubbed
  facets.jsonl       one line per prompt: its facets (or why there are none)
  embeddings.npy     one row per prompt (embeddings.json: ids, embedder, text)
  clusters.json      both clusterings, the hierarchy, stability and agreement
  names.jsonl        cluster and group names; fixes.jsonl the fixes
  conversations.jsonl, judgements.jsonl, pairs.jsonl   the closed loop
  gold.jsonl         the judge's labels of the gold set
  intent.json        every number of the report
  report.md, report.html, map.png, clusters.png, loop.png
  transcripts/       every model request and reply, one file per stage
```
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

CONFIG = "config.yaml"
PLAN = "plan.md"
LOG = "log.json"
SCRUB = "scrub.json"
PROMPTS = "prompts.jsonl"
FACETS = "facets.jsonl"
EMBEDDINGS = "embeddings.npy"
EMBEDDINGS_META = "embeddings.json"
CLUSTERS = "clusters.json"
NAMES = "names.jsonl"
FIXES = "fixes.jsonl"
CONVERSATIONS = "conversations.jsonl"
JUDGEMENTS = "judgements.jsonl"
PAIRS = "pairs.jsonl"
GOLD = "gold.jsonl"
USERS = "users.jsonl"
RESULTS = "intent.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
TRANSCRIPTS = "transcripts"


@dataclass(frozen=True)
class RunFolder:
    """One analysis' folder."""

    path: Path

    @classmethod
    def new(cls, out: Path | None, name: str) -> RunFolder:
        """`out` (made), or runs/intent-<timestamp>-<name>/."""
        if out is None:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            out = Path("runs") / f"intent-{stamp}-{name}"
        out.mkdir(parents=True, exist_ok=True)
        return cls(out)

    def file(self, name: str) -> Path:
        """A file of the folder, by one of the names above."""
        return self.path / name

    def holds_run(self) -> bool:
        """Whether an analysis was started here."""
        return self.file(CONFIG).is_file()

    def write_json(self, name: str, data: Any) -> None:
        """Write a JSON file whole (through a temporary file, so it is never half written)."""
        path = self.file(name)
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)

    def read_json(self, name: str) -> Any:
        """A JSON file's data, or None when it is not there."""
        path = self.file(name)
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def rows(self, name: str) -> Iterator[dict[str, Any]]:
        """The lines of an append-only JSONL file; a last line cut by a crash is skipped."""
        path = self.file(name)
        if not path.is_file():
            return
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if isinstance(row, dict):
                    yield row

    def append(self, name: str, row: dict[str, Any]) -> None:
        """Append one line (flushed at once: a killed run keeps every finished line)."""
        path = self.file(name)
        # A line cut by a crash must not swallow the next one: end it first.
        cut = path.is_file() and path.stat().st_size > 0 and _last_byte(path) != b"\n"
        with open(path, "a", encoding="utf-8") as stream:
            stream.write(("\n" if cut else "") + json.dumps(row, ensure_ascii=False) + "\n")
            stream.flush()

    def done(self, name: str, key: str = "key") -> dict[str, dict[str, Any]]:
        """The rows of a JSONL file by their key: what a resumed run skips."""
        return {str(row[key]): row for row in self.rows(name) if key in row}


def _last_byte(path: Path) -> bytes:
    with open(path, "rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1)

"""A chaos run's directory: the resolved chaos.yaml, probes, the append-only episodes file,
the Chaos Toolkit style journal, replays and the report."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from chaos._config import ChaosConfig
from chaos._episode import Episode
from chaos._errors import ChaosError
from chaos._probes import ProbeResult

CONFIG = "chaos.yaml"
EPISODES = "episodes.jsonl"
PROBES = "probes.json"
JOURNAL = "journal.json"
REPLAYS = "replays"
TRANSCRIPTS = "transcripts"


class ChaosRunDir:
    """The files of one chaos run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def new(cls, out: Path | None, config: ChaosConfig) -> ChaosRunDir:
        """runs/chaos-<timestamp>-<name>/ (or `out` itself), holding the resolved config."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        path = out if out is not None else Path("runs") / f"chaos-{stamp}-{config.name}"
        if (path / CONFIG).exists():
            raise ChaosError(
                f"{path} already holds a chaos run; fix: continue it with "
                f"`experiment chaos resume {path}`, or give another --out"
            )
        path.mkdir(parents=True, exist_ok=True)
        data = config.model_dump(mode="json", exclude_defaults=False)
        (path / CONFIG).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return cls(path)

    @classmethod
    def existing(cls, path: Path) -> ChaosRunDir:
        """A chaos run made earlier (to resume or report)."""
        if not (path / CONFIG).is_file():
            raise ChaosError(
                f"{path}: no {CONFIG} there; fix: give a directory made by `experiment chaos run`"
            )
        return cls(path)

    def config(self) -> ChaosConfig:
        """The run's resolved configuration."""
        from chaos._config import load_config

        return load_config(self.path / CONFIG)

    # --- episodes: one JSON line each, appended as they finish ---
    def episodes(self) -> list[Episode]:
        """Every finished episode (a half-written last line, from a kill, is skipped)."""
        path = self.path / EPISODES
        if not path.is_file():
            return []
        found: dict[str, Episode] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                episode = Episode.model_validate_json(line)
            except ValueError:
                continue
            found[episode.key] = episode
        return list(found.values())

    def append(self, episode: Episode) -> None:
        """Add a finished episode (flushed and synced: a kill loses at most the running one)."""
        path = self.path / EPISODES
        torn = path.is_file() and path.stat().st_size > 0 and not _ends_with_newline(path)
        with path.open("a", encoding="utf-8") as stream:
            # A line torn by a kill is closed first, so that it stays alone (and unread).
            stream.write(("\n" if torn else "") + episode.model_dump_json() + "\n")
            stream.flush()
            os.fsync(stream.fileno())

    # --- probes and journal ---
    def probes(self) -> list[ProbeResult] | None:
        """The probe results, once the probes ran."""
        path = self.path / PROBES
        if not path.is_file():
            return None
        return [ProbeResult.model_validate(item) for item in json.loads(path.read_text())]

    def write_probes(self, probes: list[ProbeResult]) -> None:
        """Keep the probe results."""
        data = [p.model_dump(mode="json") for p in probes]
        (self.path / PROBES).write_text(json.dumps(data, indent=2), encoding="utf-8")

    def write_journal(self, journal: dict[str, Any]) -> None:
        """The Chaos Toolkit style journal of the run."""
        (self.path / JOURNAL).write_text(json.dumps(journal, indent=2), encoding="utf-8")

    def journal(self) -> dict[str, Any] | None:
        """The journal, once written."""
        path = self.path / JOURNAL
        return json.loads(path.read_text()) if path.is_file() else None

    def replay_dir(self, key: str) -> Path:
        """A new folder for one episode's steps and screenshots."""
        root = self.path / REPLAYS
        root.mkdir(exist_ok=True)
        slug = re.sub(r"[^A-Za-z0-9.-]+", "-", key).strip("-")[:90]
        folder = root / f"{len(list(root.iterdir())) + 1:03d}-{slug}"
        folder.mkdir()
        return folder

    def replays(self) -> int:
        """Episodes whose steps are kept."""
        root = self.path / REPLAYS
        return len(list(root.iterdir())) if root.is_dir() else 0

    @property
    def transcripts(self) -> Path:
        """Where model-driven agents' transcripts go."""
        return self.path / TRANSCRIPTS


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1) == b"\n"

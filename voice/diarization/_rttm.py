"""RTTM files and pyannote.core annotations.

RTTM (NIST Rich Transcription Time Marked) has one SPEAKER line per turn:

    SPEAKER <file-id> <channel> <onset> <duration> <NA> <NA> <speaker> <NA> <NA>

Reading is strict (a bad line is one error naming the file, the line and the fix); the turns
become pyannote.core Annotations, which pyannote.metrics scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voice._errors import VoiceError
from voice.diarization._types import SpeakerTurn

if TYPE_CHECKING:
    from pyannote.core import Annotation  # type: ignore[import-untyped]


class RttmError(VoiceError):
    """An RTTM file that cannot be read; the message names the file, the line and the fix."""


def read_rttm(path: Path) -> dict[str, list[SpeakerTurn]]:
    """file-id -> its speaker turns, in file order."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RttmError(
            f"{path}: cannot read the RTTM file ({exc}); fix: pass a text file"
        ) from exc
    turns: dict[str, list[SpeakerTurn]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0].startswith((";", "#")) or fields[0] != "SPEAKER":
            continue  # comments and the other RTTM record types (SPKR-INFO, LEXEME...)
        file_id, turn = _parse(path, number, fields)
        turns.setdefault(file_id, []).append(turn)
    if not turns:
        raise RttmError(f"{path}: no SPEAKER line; fix: write one line per speaker turn")
    return turns


def _parse(path: Path, number: int, fields: list[str]) -> tuple[str, SpeakerTurn]:
    where = f"{path}: line {number}"
    if len(fields) < 8:
        raise RttmError(
            f"{where}: {len(fields)} fields, expected 10; fix: "
            "SPEAKER <file> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>"
        )
    try:
        onset, duration = float(fields[3]), float(fields[4])
    except ValueError as exc:
        raise RttmError(f"{where}: onset and duration must be seconds; fix: use numbers") from exc
    if onset < 0 or duration < 0:
        raise RttmError(f"{where}: negative onset or duration; fix: use seconds >= 0")
    return fields[1], SpeakerTurn(speaker=fields[7], start=onset, end=onset + duration)


def rttm_lines(file_id: str, turns: Iterable[SpeakerTurn]) -> list[str]:
    """SPEAKER lines for the turns, in time order."""
    ordered = sorted(turns, key=lambda t: (t.start, t.speaker))
    return [
        f"SPEAKER {file_id} 1 {t.start:.3f} {t.duration:.3f} <NA> <NA> {t.speaker} <NA> <NA>"
        for t in ordered
    ]


def write_rttm(path: Path, recordings: Mapping[str, Sequence[SpeakerTurn]]) -> Path:
    """Write every recording's turns to one RTTM file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [line for name, turns in recordings.items() for line in rttm_lines(name, turns)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def to_annotation(turns: Iterable[SpeakerTurn], uri: str = "recording") -> Annotation:
    """The turns as a pyannote.core Annotation (zero-length turns dropped)."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    for index, turn in enumerate(turns):
        if turn.end > turn.start:
            annotation[Segment(turn.start, turn.end), index] = turn.speaker
    return annotation


def from_annotation(annotation: Annotation) -> list[SpeakerTurn]:
    """An Annotation's tracks as turns, in time order."""
    return [
        SpeakerTurn(speaker=str(label), start=float(segment.start), end=float(segment.end))
        for segment, _, label in annotation.itertracks(yield_label=True)
    ]


def overlap_seconds(turns: Sequence[SpeakerTurn]) -> float:
    """Time during which two or more of the turns' speakers talk at once."""
    edges = sorted([(t.start, 1) for t in turns] + [(t.end, -1) for t in turns])
    total, active, last = 0.0, 0, 0.0
    for at, change in edges:
        if active >= 2:
            total += at - last
        active, last = active + change, at
    return total

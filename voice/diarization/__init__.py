"""Speaker diarization for the voice lab: who spoke when, offline and streaming, scored by DER.

Synthetic multi-speaker conversations with exact references (piper, espeak-ng, sox), pipelines
on Resemblyzer's bundled speaker encoder (offline: VAD, windows, agglomerative or spectral
clustering, Viterbi resegmentation; streaming: online clustering with a bounded look-ahead),
pyannote.metrics' DER and JER, and speaker tags in the live Pipecat loop. Command:
`experiment voice diarize`.

The typed results and settings load eagerly (pydantic only); the entry points below load on
first use, since they bring numpy, torch and the models (and voice's bench types import these
results).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from voice.diarization._config import PIPELINES, DiarizeConfig
from voice.diarization._rttm import RttmError, read_rttm, write_rttm
from voice.diarization._types import (
    DerParts,
    DiarizationResult,
    LatencyPoint,
    Pooled,
    Recording,
    Score,
    SpeakerLabel,
    SpeakerLoopResult,
    SpeakerTurn,
)

if TYPE_CHECKING:
    from voice.diarization._report import DiarizeReportPaths, write_diarization_report
    from voice.diarization._run import BUNDLED, diarize, load_inputs, run_diarization
    from voice.diarization._score import score_pair
    from voice.diarization._synth import ConversationSpec, synthesize_conversation

_LAZY = {
    "BUNDLED": "voice.diarization._run",
    "diarize": "voice.diarization._run",
    "load_inputs": "voice.diarization._run",
    "run_diarization": "voice.diarization._run",
    "DiarizeReportPaths": "voice.diarization._report",
    "write_diarization_report": "voice.diarization._report",
    "score_pair": "voice.diarization._score",
    "ConversationSpec": "voice.diarization._synth",
    "synthesize_conversation": "voice.diarization._synth",
}


def __getattr__(name: str) -> Any:
    """The entry points, imported when first used."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BUNDLED",
    "PIPELINES",
    "ConversationSpec",
    "DerParts",
    "DiarizationResult",
    "DiarizeConfig",
    "DiarizeReportPaths",
    "LatencyPoint",
    "Pooled",
    "Recording",
    "RttmError",
    "Score",
    "SpeakerLabel",
    "SpeakerLoopResult",
    "SpeakerTurn",
    "diarize",
    "load_inputs",
    "read_rttm",
    "run_diarization",
    "score_pair",
    "synthesize_conversation",
    "write_diarization_report",
    "write_rttm",
]

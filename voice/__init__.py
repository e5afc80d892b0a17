"""regenlab's streaming voice lab: where the time goes in a cascaded STT → LLM → TTS pipeline.

An offline Pipecat pipeline (Silero VAD, Smart Turn, faster-whisper, our LLM providers, piper)
with per-turn latency timelines, barge-in and turn-taking measurements, a latency-budget
simulator over pipeline designs and end-to-end speech models, and speaker diarization
(voice.diarization: offline and streaming, scored by DER, and speaker tags in the live loop).
Commands: `experiment voice …`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voice._bench import analyse, run_bench
    from voice._config import BenchConfig, VendorFile, VoiceConfigError, load_yaml
    from voice._conversation import run_conversation
    from voice._errors import VoiceError
    from voice._report import write_report
    from voice._script import Script, load_script
    from voice._simulator import end_to_end_profiles, local_profile, simulate_all, vendor_profiles
    from voice._tradeoffs import trade_offs
    from voice._types import DESIGNS, BenchResult, ConversationRun

# The lab loads heavy libraries (torch, pipecat, numpy): names are imported on first use.
_EXPORTS = {
    "BenchConfig": "voice._config",
    "BenchResult": "voice._types",
    "ConversationRun": "voice._types",
    "DESIGNS": "voice._types",
    "Script": "voice._script",
    "VendorFile": "voice._config",
    "VoiceConfigError": "voice._config",
    "VoiceError": "voice._errors",
    "analyse": "voice._bench",
    "end_to_end_profiles": "voice._simulator",
    "load_script": "voice._script",
    "load_yaml": "voice._config",
    "local_profile": "voice._simulator",
    "run_bench": "voice._bench",
    "run_conversation": "voice._conversation",
    "simulate_all": "voice._simulator",
    "trade_offs": "voice._tradeoffs",
    "vendor_profiles": "voice._simulator",
    "write_report": "voice._report",
}

__all__ = [
    "DESIGNS",
    "BenchConfig",
    "BenchResult",
    "ConversationRun",
    "Script",
    "VendorFile",
    "VoiceConfigError",
    "VoiceError",
    "analyse",
    "end_to_end_profiles",
    "load_script",
    "load_yaml",
    "local_profile",
    "run_bench",
    "run_conversation",
    "simulate_all",
    "trade_offs",
    "vendor_profiles",
    "write_report",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

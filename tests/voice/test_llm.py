"""The LLM step on its own: streaming per design, preemption, and cancellation on interruption."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from tests.voice.pipeline_support import (
    LONG_MOON,
    REPLIES,
    VOICE_MODULES,
    require,
    scripted_llm,
)

require(*VOICE_MODULES)

from pipecat.frames.frames import (  # noqa: E402 - after the dependency check
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.tests.utils import SleepFrame, run_test  # noqa: E402

from agents.models import GenerateConfig, Message, MockModel, ToolSpec  # noqa: E402
from voice._llm import StreamingLLM, same_words  # noqa: E402
from voice._observer import Recorder  # noqa: E402
from voice._types import Design  # noqa: E402


def make(design: Design, model: MockModel | None = None) -> StreamingLLM:
    return StreamingLLM(
        model or scripted_llm(),
        design=design,
        recorder=Recorder(),
        system_prompt="Be brief.",
        config=GenerateConfig(max_output_tokens=100),
    )


def said(text: str) -> list[Frame]:
    """A user turn of one speech segment, as the pipeline reports it."""
    return [
        UserStartedSpeakingFrame(),
        VADUserStoppedSpeakingFrame(),
        TranscriptionFrame(text, "user", "now", finalized=True),
        UserStoppedSpeakingFrame(),
    ]


def texts(frames: Sequence[Frame]) -> list[str]:
    return [f.text for f in frames if isinstance(f, LLMTextFrame)]


def run(llm: StreamingLLM, frames: list[Frame]) -> Sequence[Frame]:
    down, _ = asyncio.run(run_test(llm, frames_to_send=frames))
    return down


def test_streaming_sends_the_reply_chunk_by_chunk() -> None:
    llm = make("streaming")
    down = run(llm, [*said("What is the capital of France?"), SleepFrame(0.6)])
    assert texts(down) == ["The", " capital", " of", " France", " is", " Paris."]
    kinds = [type(f) for f in down]
    assert kinds.index(LLMFullResponseStartFrame) < kinds.index(LLMTextFrame)
    assert kinds.index(LLMFullResponseEndFrame) > max(
        i for i, k in enumerate(kinds) if k is LLMTextFrame
    )
    assert [m.role for m in llm.history] == ["system", "user", "assistant"]
    assert llm.history[-1].content == "The capital of France is Paris."


def test_non_streaming_sends_the_whole_reply_once() -> None:
    down = run(make("non_streaming"), [*said("What is the capital of France?"), SleepFrame(0.6)])
    assert texts(down) == ["The capital of France is Paris."]


def test_an_interruption_cancels_the_generation_and_stops_the_model() -> None:
    model = scripted_llm()
    llm = make("streaming", model)
    frames = [
        *said("Tell me about the moon."),
        SleepFrame(0.8),
        InterruptionFrame(),
        SleepFrame(0.5),
    ]
    down = run(llm, frames)
    [gen] = llm.generations
    assert gen.cancelled and not gen.finished
    assert gen.thread_done.is_set(), "the worker thread closed the model's stream and exited"
    total = len(LONG_MOON.split())
    assert 0 < len(gen.chunks) < total
    # The model itself stopped: its stream was closed early, so it recorded a partial reply.
    assert 0 < model.calls[-1].output_tokens < total
    assert LONG_MOON.startswith(gen.reply)
    assert LLMFullResponseEndFrame not in [type(f) for f in down], "the reply was cut, not ended"
    # The cut reply is what the conversation remembers the bot saying.
    assert llm.history[-1].content == gen.reply


def test_preemptive_keeps_its_guess_when_the_final_transcript_matches() -> None:
    llm = make("preemptive")
    frames = [
        UserStartedSpeakingFrame(),
        VADUserStoppedSpeakingFrame(),
        TranscriptionFrame("What is the capital of France?", "user", "now", finalized=True),
        SleepFrame(0.5),  # the turn detector is still deciding
        UserStoppedSpeakingFrame(),
        SleepFrame(0.4),
    ]
    down = run(llm, frames)
    [gen] = llm.generations
    assert gen.released and gen.finished
    assert "".join(texts(down)) == "The capital of France is Paris."
    events = [e.kind for e in llm._recorder.events]
    assert events.index("llm_first_token") < events.index("llm_release")


def test_preemptive_restarts_when_the_user_goes_on() -> None:
    def reply(messages: list[Message], tools: list[ToolSpec]) -> dict[str, Any]:
        asked = messages[-1].content
        return REPLIES["france"] if "France" in asked else REPLIES["moon"]

    llm = make("preemptive", MockModel("restart", reply))
    frames = [
        UserStartedSpeakingFrame(),
        VADUserStoppedSpeakingFrame(),
        TranscriptionFrame("Tell me about", "user", "now", finalized=True),
        SleepFrame(0.3),
        VADUserStartedSpeakingFrame(),  # a mid-sentence pause: the user goes on
        VADUserStoppedSpeakingFrame(),
        TranscriptionFrame("the capital of France.", "user", "now", finalized=True),
        UserStoppedSpeakingFrame(),
        SleepFrame(0.6),
    ]
    down = run(llm, frames)
    first, final = llm.generations
    assert first.cancelled and not first.released
    assert final.text == "Tell me about the capital of France." and final.released
    assert "".join(texts(down)) == "The capital of France is Paris."


def test_the_turn_waits_for_a_transcript_still_on_its_way() -> None:
    llm = make("streaming")
    frames = [
        UserStartedSpeakingFrame(),
        VADUserStoppedSpeakingFrame(),
        TranscriptionFrame("Hello there.", "user", "now", finalized=True),
        VADUserStoppedSpeakingFrame(),  # a second segment, still being transcribed ...
        UserStoppedSpeakingFrame(),  # ... when the turn detector ends the turn
        SleepFrame(0.2),
        TranscriptionFrame("What is the capital of France?", "user", "now", finalized=True),
        SleepFrame(0.6),
    ]
    run(llm, frames)
    [gen] = llm.generations
    assert gen.text == "Hello there. What is the capital of France?"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("Hello, there!", "hello there", True), ("hello there", "hello where", False)],
)
def test_same_words_ignores_case_and_punctuation(a: str, b: str, same: bool) -> None:
    assert same_words(a, b) is same

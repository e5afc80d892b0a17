"""Hand-built ConversationRuns for the analysis tests: every number is known in advance."""

from __future__ import annotations

from voice import ConversationRun
from voice._types import STAGES, BargeIn, Design, TurnTimeline

# Offsets from vad_stop of each event, per design: (eot, final, first_token, sentence, audio, play)
OFFSETS: dict[Design, tuple[float, ...]] = {
    "non_streaming": (0.05, 0.40, 0.70, 2.20, 2.40, 2.42),
    "streaming": (0.05, 0.40, 0.70, 0.90, 1.00, 1.02),
    "preemptive": (0.05, 0.40, 0.60, 0.80, 0.90, 0.92),
}
EVENTS = STAGES[1:]
USER = ("hello there", "what is the weather", "tell me a story", "stop please", "thanks")


def turn(
    index: int, start: float, offsets: tuple[float, ...], *, jitter: float = 0.0
) -> TurnTimeline:
    """A turn whose user stops speaking at start + 1 s; every later offset grows by jitter."""
    vad = start + 1.0
    events = {"vad_stop": vad}
    for name, offset in zip(EVENTS, offsets, strict=True):
        grow = jitter if name not in ("end_of_turn", "final_transcript") else 0.0
        events[name] = vad + offset + grow
    return TurnTimeline(
        index=index,
        user_text=USER[index % len(USER)],
        transcript=USER[index % len(USER)].capitalize() + ".",
        reply="Sure. Here you go.",
        user_speech_start=start,
        events=events,
        voice_to_voice_s=events["playback_start"] - vad,
        interrupted=index in (1, 3),
    )


def run(design: Design, *, scale: float = 1.0, turns: int = 5) -> ConversationRun:
    """Five turns 10 s apart with growing LLM latency (jitter 0, 0.01, ...), two barge-ins."""
    offsets = tuple(value * scale for value in OFFSETS[design])
    timelines = [turn(i, 10.0 * i, offsets, jitter=0.01 * i) for i in range(turns)]
    barge_ins = [
        BargeIn(
            turn=i,
            user_speech_start=10.0 * i + 4.0,
            bot_audio_stopped=10.0 * i + 4.0 + 0.1 * (i + 1),
            stop_time_s=0.1 * (i + 1),
            llm_cancelled=True,
            tts_cleared=True,
        )
        for i in (1, 3)
        if i < turns
    ]
    return ConversationRun(
        design=design,
        conversation="five-turns",
        turns=timelines,
        barge_ins=barge_ins,
        models={"stt": "whisper tiny.en", "llm": "mock/voice", "tts": "piper joe"},
    )


def runs(scale: float = 1.0) -> list[ConversationRun]:
    """One run per design."""
    return [run(design, scale=scale) for design in OFFSETS]

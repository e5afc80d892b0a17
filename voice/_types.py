"""Typed results of the voice lab: per-turn timelines, barge-ins, stage statistics, simulations.

Times are seconds since the conversation started (the first audio frame sent to the pipeline).
The pipeline (voice._conversation) fills ConversationRun; the bench (voice.cli) adds the stats,
the simulator's predictions and their check against the measurements in BenchResult.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from voice.diarization._types import DiarizationResult, SpeakerLabel, SpeakerLoopResult

STAGES: tuple[str, ...] = (
    "vad_stop",
    "end_of_turn",
    "final_transcript",
    "llm_first_token",
    "first_sentence",
    "tts_first_audio",
    "playback_start",
)
"""The events of one turn's timeline, in causal order."""

Design = Literal["non_streaming", "streaming", "preemptive"]
"""non_streaming: full reply, then TTS; streaming: sentence-level TTS; preemptive: streaming with
the LLM started on the interim transcript."""

DESIGNS: tuple[Design, ...] = ("non_streaming", "streaming", "preemptive")
"""Every design, in the order reports list them."""

SimDesign = Literal["non_streaming", "streaming", "preemptive", "end_to_end"]
"""What the budget simulator combines: the cascade's designs and end-to-end speech models."""
END_TO_END: SimDesign = "end_to_end"
"""One speech-to-speech model: audio in, audio out, no STT/LLM/TTS stages."""

VOICE_TO_VOICE = "voice_to_voice"
"""The StageStats name of the end-to-end latency (playback_start - vad_stop)."""


class TurnTimeline(BaseModel):
    """One user turn and the bot's answer, as timestamps of the pipeline's stages."""

    index: int
    """Position of the turn in the conversation, from 0."""
    user_text: str
    """What the script said."""
    transcript: str | None = None
    """The final STT transcript (None when STT produced nothing)."""
    reply: str | None = None
    """The LLM's reply as spoken (possibly cut by a barge-in)."""
    user_speech_start: float | None = None
    """When the user's speech began (VAD start)."""
    events: dict[str, float] = Field(default_factory=dict)
    """Stage -> time; keys from STAGES, missing when the stage did not happen."""
    voice_to_voice_s: float | None = None
    """playback_start - vad_stop."""
    interrupted: bool = False
    """The user barged in during this turn's bot speech."""


class BargeIn(BaseModel):
    """The user talked while the bot spoke: how fast the bot stopped, and what was cancelled."""

    turn: int
    """Index of the turn whose bot speech was interrupted."""
    user_speech_start: float
    """When the interrupting speech began."""
    bot_audio_stopped: float | None = None
    """When the last bot audio frame was played (None: it never stopped)."""
    stop_time_s: float | None = None
    """bot_audio_stopped - user_speech_start."""
    llm_cancelled: bool
    """The LLM generation was cancelled (not run to completion)."""
    tts_cleared: bool
    """Queued TTS audio was dropped."""


class ConversationRun(BaseModel):
    """One scripted conversation through one design of the pipeline."""

    design: Design
    """Which cascade ran."""
    conversation: str
    """Name of the scripted conversation."""
    turns: list[TurnTimeline]
    """Per-turn timelines, in order."""
    barge_ins: list[BargeIn] = Field(default_factory=list)
    """Every interruption of the bot by the user."""
    models: dict[str, str] = Field(default_factory=dict)
    """stt, llm, tts, vad, turn -> what ran."""
    notes: list[str] = Field(default_factory=list)
    """Anything a reader of the report should know about this run."""
    speaker_labels: list[SpeakerLabel] = Field(default_factory=list)
    """With speaker tags on: each VAD segment's speaker tag."""
    llm_inputs: list[str] = Field(default_factory=list)
    """The user messages the LLM answered (released generations), in order."""


class TurnTakingResult(BaseModel):
    """End-of-turn decisions on utterances that pause mid-sentence."""

    utterances: int
    """Utterances played, each with at least one mid-sentence pause."""
    false_end_of_turn_without_smart_turn: int
    """Utterances cut at a pause when only VAD silence decides the end of turn."""
    false_end_of_turn_with_smart_turn: int
    """Utterances cut at a pause with Smart Turn deciding."""
    notes: list[str] = Field(default_factory=list)
    """How the turns were decided (VAD stop_secs, Smart Turn version, ...)."""

    def rate(self, *, smart_turn: bool) -> float | None:
        """False end-of-turn rate (None without utterances)."""
        if self.utterances == 0:
            return None
        count = (
            self.false_end_of_turn_with_smart_turn
            if smart_turn
            else self.false_end_of_turn_without_smart_turn
        )
        return count / self.utterances


class StageStats(BaseModel):
    """Percentiles of one stage's durations (or of voice-to-voice) over a conversation."""

    stage: str
    """A duration name of voice._stats.DURATIONS, or "voice_to_voice"."""
    n: int
    """How many turns had this duration."""
    p50_s: float | None = None
    """Median, seconds (None when n == 0)."""
    p95_s: float | None = None
    """95th percentile, seconds (linear interpolation; None when n == 0)."""


class SimulatedDesign(BaseModel):
    """The budget simulator's prediction of voice-to-voice latency for a design and components."""

    design: SimDesign
    """Which cascade is simulated."""
    profile: str
    """Name of the component combination (e.g. "local (measured)", "cloud: deepgram+groq+...")."""
    components: dict[str, str] = Field(default_factory=dict)
    """Component slot (end_of_turn, stt, llm, tts, playback) -> the distribution used."""
    p50_s: float
    """Predicted voice-to-voice median, seconds."""
    p95_s: float
    """Predicted voice-to-voice 95th percentile, seconds."""
    contributions_s: dict[str, float] = Field(default_factory=dict)
    """Per-stage mean contribution to voice-to-voice, seconds (sums to the predicted mean)."""
    fraction_under_400ms: float = 0.0
    """Share of simulated turns under 400 ms."""
    fraction_under_800ms: float = 0.0
    """Share of simulated turns under 800 ms."""
    samples: int = 0
    """Monte Carlo draws behind the prediction."""

    @property
    def under_400ms(self) -> bool:
        """The predicted median is under 400 ms."""
        return self.p50_s < 0.4

    @property
    def under_800ms(self) -> bool:
        """The predicted median is under 800 ms."""
        return self.p50_s < 0.8


class SimulatorCheck(BaseModel):
    """The simulator's prediction for the local pipeline against what the pipeline measured."""

    design: SimDesign
    """The design compared."""
    predicted_p50_s: float
    """Simulated voice-to-voice median from the locally measured component samples."""
    measured_p50_s: float
    """Measured voice-to-voice median."""
    relative_error: float
    """|predicted - measured| / measured."""
    within_20_percent: bool
    """relative_error <= tolerance (the issue's bar: 0.20)."""
    tolerance: float = 0.2
    """The relative error allowed."""


class TradeOff(BaseModel):
    """End-to-end vs cascade: one design's latency, interruption, control and price, with what
    each figure rests on."""

    design: str
    """The design (a cascade's components, or the end-to-end model)."""
    kind: Literal["cascade", "end_to_end"]
    """Three stages (STT, LLM, TTS) or one speech model."""
    p50_s: float | None = None
    """Voice-to-voice median, seconds (None: no figure)."""
    p95_s: float | None = None
    """Voice-to-voice 95th percentile, seconds."""
    latency_basis: str
    """Measured here, simulated from vendors' claims, or no published figure."""
    barge_in: str
    """How the user talking over the bot is handled, and how fast when measured."""
    tools: str
    """Tool use."""
    guardrails: str
    """Where a text filter can act on what is said."""
    usd_per_minute: float | None = None
    """Cost of a conversation minute from published prices (None: no published price)."""
    cost_basis: str
    """How the cost was computed, or why there is none."""
    runs_here: str
    """Whether this machine runs it."""


class BenchResult(BaseModel):
    """Everything `experiment voice bench` measured and predicted; saved as bench.json."""

    runs: list[ConversationRun]
    """One run per design."""
    turn_taking: TurnTakingResult | None = None
    """False end-of-turn counts on the paused utterances (None when not measured)."""
    stats: dict[Design, list[StageStats]] = Field(default_factory=dict)
    """Per design: per-stage durations and "voice_to_voice"."""
    streaming_vs_non_streaming_p50_ratio: float | None = None
    """Streaming voice-to-voice p50 / non-streaming p50, from the same bench."""
    simulator: list[SimulatedDesign] = Field(default_factory=list)
    """The simulator's predictions (local measured profile and vendor profiles)."""
    simulator_check: list[SimulatorCheck] = Field(default_factory=list)
    """Predicted vs measured p50 of the local pipeline, per design, within 20 %?"""
    diarization: DiarizationResult | None = None
    """Offline and streaming diarization of the bundled multi-speaker conversations."""
    speaker_loop: SpeakerLoopResult | None = None
    """The live loop with speaker tags: two voices talking to the bot."""
    end_to_end: list[TradeOff] = Field(default_factory=list)
    """End-to-end speech-to-speech models against the cascades (claims and measurements)."""
    notes: list[str] = Field(default_factory=list)
    """Limits of this bench (CPU only, smoke-test LLM, ...)."""

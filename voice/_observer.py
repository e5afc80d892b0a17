"""Per-turn timelines and barge-in records, from what the pipeline did.

A `Recorder` is a Pipecat observer: it logs the frames that mark a stage (VAD stop, the user
turn's end, transcripts, TTS audio) and the components log what no frame shows (the Smart Turn
decision, LLM tokens, playback times, what an interruption dropped). Every event carries the
seconds since the simulated microphone started, so one log orders them all. `build_timelines`
then turns the log into TurnTimelines and BargeIns: a pure function, tested on literal logs.

Stage definitions (times in seconds since the conversation started):

    vad_stop          the last VAD stop of the user's turn (VAD_STOP_SECS after the speech ended)
    end_of_turn       the turn detector's decision that the user is done (Smart Turn's verdict,
                      or the silence timer without it)
    final_transcript  when the turn's transcript is final: the last segment's transcript has
                      arrived and the turn has ended (a transcript that comes before the end of
                      the turn is an interim one: more speech may follow)
    llm_first_token   the first token of the generation that was spoken; in the preemptive
                      design it may come before end_of_turn: that is the point of preemption
    first_sentence    the first text handed to TTS for synthesis (non_streaming: the whole reply)
    tts_first_audio   TTS's first audio frame of the reply
    playback_start    the reply's first audio reaching the (simulated) loudspeaker
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    MetricsFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.metrics.metrics import TurnMetricsData
from pipecat.observers.base_observer import BaseObserver, FramePushed
from pipecat.processors.frame_processor import FrameDirection

from voice._types import STAGES, BargeIn, TurnTimeline

_FRAME_EVENTS: tuple[tuple[type, str], ...] = (
    (VADUserStartedSpeakingFrame, "vad_start"),
    (VADUserStoppedSpeakingFrame, "vad_stop"),
    (UserStartedSpeakingFrame, "turn_start"),
    (UserStoppedSpeakingFrame, "turn_stop"),
    (BotStartedSpeakingFrame, "bot_started"),
)


@dataclass(frozen=True)
class Event:
    """Something that happened in the pipeline, at `at` seconds since the conversation started."""

    at: float
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlaybackRun:
    """One stretch of bot audio played without a break."""

    start: float
    """When its first audio chunk started playing."""
    stop: float
    """When its last audio chunk finished playing."""


class Recorder(BaseObserver):
    """Logs the pipeline's events on one clock: seconds since the microphone's first frame."""

    def __init__(self) -> None:
        super().__init__(observe_every_push=False)
        self.events: list[Event] = []
        """Everything logged, in the order it happened."""
        self.runs: list[PlaybackRun] = []
        """The bot's playback, kept by the loudspeaker."""
        self._t0 = time.monotonic()
        self._audio_pending = False

    def start_clock(self) -> None:
        """Make now the conversation's time zero (the microphone calls it at its first frame)."""
        self._t0 = time.monotonic()

    def now(self) -> float:
        """Seconds since the conversation started."""
        return time.monotonic() - self._t0

    def log(self, kind: str, at: float | None = None, **data: Any) -> Event:
        """Record an event, at `at` or now."""
        event = Event(self.now() if at is None else at, kind, data)
        self.events.append(event)
        if kind == "tts_request":
            self._audio_pending = True  # the next TTS audio frame is this request's first
        return event

    async def on_push_frame(self, data: FramePushed) -> None:
        """Log the frames that mark a stage (each frame once, when it is first pushed)."""
        frame = data.frame
        if data.direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TranscriptionFrame):
            self.log("transcript", text=frame.text)
        elif isinstance(frame, TTSAudioRawFrame):
            if self._audio_pending:
                self._audio_pending = False
                self.log("tts_audio")
        elif isinstance(frame, MetricsFrame):
            for item in frame.data:
                if isinstance(item, TurnMetricsData):  # Smart Turn's verdict at a VAD stop
                    self.log(
                        "smart_turn",
                        complete=item.is_complete,
                        probability=item.probability,
                        inference_ms=item.e2e_processing_time_ms,
                    )
        else:
            for frame_type, kind in _FRAME_EVENTS:
                if isinstance(frame, frame_type):
                    self.log(kind)


# --- from the log to timelines -------------------------------------------------------------


@dataclass
class _Turn:
    """A user turn as the pipeline saw it, filled in while reading the log."""

    start: float
    utterance: int | None
    vad_stops: list[float] = field(default_factory=list)
    end_of_turn: float | None = None
    transcripts: list[tuple[float, str]] = field(default_factory=list)
    released: float | None = None
    generation: int | None = None
    first_sentence: float | None = None
    tts_audio: float | None = None
    playback: float | None = None


@dataclass
class _Generation:
    started: float
    text: str
    first_token: float | None = None
    done: float | None = None
    cancelled: bool = False
    reply: str = ""


@dataclass
class Timelines:
    """What `build_timelines` found: the turns, the barge-ins and anything odd."""

    turns: list[TurnTimeline]
    barge_ins: list[BargeIn]
    notes: list[str]


@dataclass(frozen=True)
class Spoken:
    """What the script had the user say, and when it was played."""

    index: int
    text: str
    onset: float
    end: float
    barge_in: bool


def build_timelines(events: list[Event], runs: list[PlaybackRun]) -> Timelines:
    """Per-turn timelines and barge-ins from a Recorder's log and the playback runs."""
    spoken = _spoken(events)
    turns, generations = _read(events, spoken)
    for turn in turns:
        turn.playback = _first_run_after(runs, turn)
    timelines = [
        _timeline(turn, spoken, generations) for turn in turns if turn.utterance is not None
    ]
    barge_ins, notes = _barge_ins(events, runs, spoken, turns, generations)
    interrupted = {b.turn for b in barge_ins}
    for timeline in timelines:
        timeline.interrupted = timeline.index in interrupted
    notes += [
        f"turn {t.index}: no reply was played"
        for t in timelines
        if "playback_start" not in t.events
    ]
    indices = [t.index for t in timelines]
    notes += [
        f"utterance {i} was split into {indices.count(i)} user turns"
        for i in sorted(set(indices))
        if indices.count(i) > 1
    ]
    return Timelines(timelines, barge_ins, notes)


def _spoken(events: list[Event]) -> list[Spoken]:
    return [
        Spoken(e.data["index"], e.data["text"], e.at, e.data["end"], e.data["barge_in"])
        for e in events
        if e.kind == "utterance"
    ]


def _utterance_at(spoken: list[Spoken], at: float) -> int | None:
    """The utterance being played at `at` (VAD hears speech a little after it starts)."""
    playing = [s for s in spoken if s.onset <= at <= s.end + 0.5]
    return playing[-1].index if playing else None


def _read(events: list[Event], spoken: list[Spoken]) -> tuple[list[_Turn], dict[int, _Generation]]:
    """Walk the log once: user turns and the LLM generations, TTS requests attached to turns."""
    turns: list[_Turn] = []
    generations: dict[int, _Generation] = {}
    replying: _Turn | None = None  # the last turn whose reply is under way
    for e in events:
        last = turns[-1] if turns else None
        turn = last if last and last.released is None else None  # the turn under way
        if e.kind == "turn_start":
            turns.append(_Turn(e.at, _utterance_at(spoken, e.at)))
        elif turn and e.kind in ("vad_start", "vad_stop"):
            turn.end_of_turn = None  # a decision answers the latest VAD stop only
            if e.kind == "vad_stop":
                turn.vad_stops.append(e.at)
        elif turn and e.kind == "eot" and turn.end_of_turn is None:
            turn.end_of_turn = e.at
        elif last and last.generation is None and e.kind == "transcript":
            last.transcripts.append((e.at, e.data["text"]))  # until the reply starts
        elif turn and e.kind == "turn_stop":
            turn.released, replying = e.at, turn
        else:
            _generation_event(e, generations, replying)
    return turns, generations


def _generation_event(
    e: Event, generations: dict[int, _Generation], replying: _Turn | None
) -> None:
    gen = generations.get(e.data.get("generation", -1))
    if e.kind == "llm_start":
        generations[e.data["generation"]] = _Generation(e.at, e.data["text"])
    elif gen and e.kind == "llm_first_token":
        gen.first_token = e.at
    elif gen and e.kind == "llm_done":
        gen.done, gen.cancelled, gen.reply = e.at, e.data["cancelled"], e.data["reply"]
    elif replying and e.kind == "llm_release":
        replying.generation = e.data["generation"]
    elif replying and replying.generation is not None:
        if e.kind == "tts_request" and replying.first_sentence is None:
            replying.first_sentence = e.at
        elif e.kind == "tts_audio" and replying.tts_audio is None:
            replying.tts_audio = e.at


def _first_run_after(runs: list[PlaybackRun], turn: _Turn) -> float | None:
    if turn.released is None or turn.tts_audio is None:
        return None
    starts = [r.start for r in runs if r.start >= turn.tts_audio]
    return min(starts) if starts else None


def _timeline(
    turn: _Turn, spoken: list[Spoken], generations: dict[int, _Generation]
) -> TurnTimeline:
    assert turn.utterance is not None
    said = next(s for s in spoken if s.index == turn.utterance)
    gen = generations.get(turn.generation) if turn.generation is not None else None
    events = _events(turn, gen)
    v2v = (
        events["playback_start"] - events["vad_stop"]
        if _has(events, "playback_start", "vad_stop")
        else None
    )
    return TurnTimeline(
        index=turn.utterance,
        user_text=said.text,
        transcript=" ".join(t.strip() for _, t in turn.transcripts) or None,
        reply=(gen.reply or None) if gen else None,
        user_speech_start=said.onset,
        events=events,
        voice_to_voice_s=v2v,
    )


def _has(events: dict[str, float], *keys: str) -> bool:
    return all(k in events for k in keys)


def _events(turn: _Turn, gen: _Generation | None) -> dict[str, float]:
    last_vad = turn.vad_stops[-1] if turn.vad_stops else None
    final = None
    if turn.transcripts and turn.released is not None:
        final = max(turn.transcripts[-1][0], turn.end_of_turn or turn.released)
    values: dict[str, float | None] = {
        "vad_stop": last_vad,
        "end_of_turn": turn.end_of_turn,
        "final_transcript": final,
        "llm_start": gen.started if gen else None,
        "llm_first_token": gen.first_token if gen else None,
        "first_sentence": turn.first_sentence,
        "tts_first_audio": turn.tts_audio,
        "playback_start": turn.playback,
    }
    return {k: v for k, v in values.items() if v is not None}


def _barge_ins(
    events: list[Event],
    runs: list[PlaybackRun],
    spoken: list[Spoken],
    turns: list[_Turn],
    generations: dict[int, _Generation],
) -> tuple[list[BargeIn], list[str]]:
    records, notes = [], []
    for said in (s for s in spoken if s.barge_in):
        run = next((r for r in runs if r.start <= said.onset < r.stop), None)
        if run is None:
            notes.append(f"turn {said.index}: the bot was not speaking when the user barged in")
            continue
        turn = next(
            (
                t
                for t in reversed(turns)
                if t.playback is not None and t.playback <= run.start + 1e-9
            ),
            None,
        )
        gen = generations.get(turn.generation) if turn and turn.generation is not None else None
        if gen and not gen.cancelled and turn is not None:
            notes.append(
                f"turn {turn.utterance}: the LLM had finished its reply before the user barged in"
            )
        records.append(
            BargeIn(
                turn=turn.utterance if turn and turn.utterance is not None else said.index - 1,
                user_speech_start=said.onset,
                bot_audio_stopped=run.stop,
                stop_time_s=run.stop - said.onset,
                llm_cancelled=bool(gen and gen.cancelled and (gen.done or 0) >= said.onset),
                tts_cleared=_cleared(events, said.onset),
            )
        )
    return records, notes


def _cleared(events: list[Event], onset: float) -> bool:
    """Whether the first interruption after `onset` dropped queued TTS text or audio."""
    after = [
        e for e in events if e.at >= onset and e.kind in ("tts_interrupted", "speaker_interrupted")
    ]
    if not after:
        return False
    first = after[0].at
    return any(
        e.data.get("pending") or e.data.get("dropped_bytes", 0) > 0
        for e in after
        if e.at - first < 0.5
    )


def stages_in_order(events: dict[str, float], stages: tuple[str, ...] = STAGES) -> bool:
    """Whether the stages present in `events` happened in the order given."""
    times = [events[s] for s in stages if s in events]
    return all(a <= b for a, b in itertools.pairwise(times))

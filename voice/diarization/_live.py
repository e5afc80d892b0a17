"""Speaker tags in the live Pipecat loop: who said each user turn, kept in the LLM's context.

SpeakerTagger sits after STT. It keeps the microphone's audio; at each VAD stop it embeds the
segment just spoken (Resemblyzer, in a worker thread, so it runs while Whisper transcribes the
same segment) and assigns it to a speaker by online clustering (no enrolment: the first voice
is Speaker 1). When the segment's transcript arrives, the tagger waits for the label if it is
not ready yet (that wait is the latency diarization adds), and prefixes the transcript with
"Speaker N: " at the start of a user turn or when the speaker changes within it. The LLM step
then sees, and keeps in its history, who said what.

Transcripts are matched to VAD segments by number: the bundled Whisper service marks each
transcript with the segment it transcribed (SegmentTranscriptionFrame), so a segment without
words (no transcript) shifts nothing. From other STT services, transcripts match in order.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from voice._audio import USER_RATE
from voice._observer import Recorder
from voice._script import Script, load_script
from voice._stats import percentile
from voice.diarization._cluster import OnlineClusters
from voice.diarization._embed import embed_segment, to_float
from voice.diarization._types import SpeakerLabel, SpeakerLoopResult, SpeakerTurnCheck

if TYPE_CHECKING:
    from agents.models import Model
    from voice._types import ConversationRun

KEEP_S = 30.0
"""Seconds of microphone audio kept for the segments still to embed."""
ONSET_MARGIN_S = 0.1
"""Audio taken before the VAD's own start estimate (its start_secs), not to clip the onset."""
NEW_SPEAKER_BELOW = 0.75
"""A segment less similar than this to every known speaker is a new speaker."""
UPDATE_ABOVE = 0.8
"""Segments at least this similar to their speaker refine its centroid."""
CONFIDENT_S = 1.0
"""Shorter segments ("Hello,") join the closest speaker but never found one or move it."""


@dataclass
class SegmentTranscriptionFrame(TranscriptionFrame):
    """A transcript that knows which VAD segment it transcribes (0, 1, ... in order)."""

    segment: int = -1


@dataclass
class _Segment:
    index: int
    start: float
    end: float
    label: asyncio.Future[SpeakerLabel]


class SpeakerTagger(FrameProcessor):
    """Tags each user transcript with the speaker of its VAD segment."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(name="SpeakerTagger")
        self._recorder = recorder
        self._clusters = OnlineClusters(NEW_SPEAKER_BELOW, UPDATE_ABOVE)
        self._audio = bytearray()
        self._first_sample = 0  # index of _audio[0] in the whole microphone signal
        self._samples = 0  # samples received so far
        self._start: float | None = None
        self._segments: deque[_Segment] = deque()
        self._count = 0
        self._turn_label: str | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="speaker")
        self.labels: list[SpeakerLabel] = []
        """Every segment's tag, in order."""

    async def cleanup(self) -> None:
        """Stop the embedding thread."""
        await super().cleanup()  # type: ignore[no-untyped-call]  # pipecat leaves it unannotated
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def _now(self) -> float:
        return self._samples / USER_RATE

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Keep audio, embed segments at VAD stops, tag transcripts; pass every frame on."""
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self._keep(frame.audio)
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self._start = max(0.0, self._now - frame.start_secs - ONSET_MARGIN_S)
        elif isinstance(frame, VADUserStoppedSpeakingFrame) and self._start is not None:
            self._embed_later(self._start, self._now - frame.stop_secs)
            self._start = None
        elif isinstance(frame, UserStartedSpeakingFrame):
            self._turn_label = None  # a new user turn: its first transcript gets a tag
        elif isinstance(frame, TranscriptionFrame) and direction == FrameDirection.DOWNSTREAM:
            await self._tag(frame)
        await self.push_frame(frame, direction)

    def _keep(self, pcm: bytes) -> None:
        self._audio += pcm
        self._samples += len(pcm) // 2
        excess = len(self._audio) // 2 - int(KEEP_S * USER_RATE)
        if excess > 0:
            del self._audio[: excess * 2]
            self._first_sample += excess

    def _embed_later(self, start: float, end: float) -> None:
        first = max(0, round(start * USER_RATE) - self._first_sample)
        last = max(first, round(end * USER_RATE) - self._first_sample)
        pcm = np.frombuffer(bytes(self._audio[first * 2 : last * 2]), dtype="<i2").copy()
        index, self._count = self._count, self._count + 1
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, self._label, index, start, end, pcm)
        self._segments.append(_Segment(index, start, end, future))

    def _label(self, index: int, start: float, end: float, pcm: Any) -> SpeakerLabel:
        """The worker thread: embed the segment and assign it to a speaker."""
        started = time.perf_counter()
        vector = embed_segment(to_float(pcm))
        confident = end - start >= CONFIDENT_S
        speaker, similarity = self._clusters.assign(vector, confident=confident)
        return SpeakerLabel(
            segment=index,
            start=start,
            end=end,
            label=f"Speaker {speaker + 1}",
            similarity=similarity,
            embed_s=time.perf_counter() - started,
            waited_s=0.0,
        )

    async def _tag(self, frame: TranscriptionFrame) -> None:
        number = frame.segment if isinstance(frame, SegmentTranscriptionFrame) else None
        while number is not None and self._segments and self._segments[0].index < number:
            self._segments.popleft()  # segments Whisper found no words in
        if not self._segments or (number is not None and self._segments[0].index != number):
            self._recorder.log("note", text="a transcript came without a VAD segment to tag")
            return
        segment = self._segments.popleft()
        arrived = time.perf_counter()
        label = await segment.label
        label = label.model_copy(update={"waited_s": time.perf_counter() - arrived})
        self.labels.append(label)
        self._recorder.log("speaker", label=label.label, segment=label.segment)
        if label.label != self._turn_label:
            frame.text = f"{label.label}: {frame.text.strip()}"
            self._turn_label = label.label


# --- the speaker-tagged loop, checked against its script ------------------------------------


def run_speaker_loop(
    script: Path, *, llm: str | Model, out_dir: Path, smart_turn: bool = True
) -> tuple[SpeakerLoopResult, ConversationRun]:
    """Two (or more) synthetic speakers talk to the bot through the streaming design with
    speaker tags on; every user turn's tag is checked against who the script says spoke."""
    from voice._conversation import run_conversation

    run = run_conversation(
        script, "streaming", llm=llm, smart_turn=smart_turn, out_dir=out_dir, speaker_tags=True
    )
    result = check_speakers(load_script(script), run, spoken(out_dir / "events.jsonl"))
    (out_dir / "speakers.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result, run


class Spoken(NamedTuple):
    """When the microphone played an utterance of the script."""

    utterance: int
    onset: float
    end: float


def spoken(events: Path) -> list[Spoken]:
    """The utterances as played, from a run's events.jsonl."""
    rows = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines() if line]
    return [Spoken(r["index"], r["at"], r["end"]) for r in rows if r.get("kind") == "utterance"]


def check_speakers(
    script: Script, run: ConversationRun, utterances: Sequence[Spoken]
) -> SpeakerLoopResult:
    """Per utterance of the script: the tag on the first segment inside it, right or wrong under
    the best one-to-one mapping of tags to the script's speakers (an utterance the pipeline
    merged into the previous user turn is still checked by its own segment); and what the
    tagging cost in time."""
    turns = []
    for said in utterances:
        line = script.utterances[said.utterance]
        turns.append(
            SpeakerTurnCheck(
                index=said.utterance,
                speaker=line.speaker or "(default voice)",
                label=_label_within(said, run.speaker_labels),
                llm_text=_llm_text(line.text, run.llm_inputs),
            )
        )
    mapping = best_mapping([(t.label, t.speaker) for t in turns])
    for check in turns:
        check.correct = check.label is not None and mapping.get(check.label) == check.speaker
    waits = [label.waited_s for label in run.speaker_labels]
    v2v = [t.voice_to_voice_s for t in run.turns if t.voice_to_voice_s is not None]
    return SpeakerLoopResult(
        conversation=run.conversation,
        turns=turns,
        labels=run.speaker_labels,
        accuracy=sum(t.correct for t in turns) / len(turns) if turns else None,
        added_p50_s=percentile(waits, 50),
        added_p95_s=percentile(waits, 95),
        embed_p50_s=percentile([label.embed_s for label in run.speaker_labels], 50),
        voice_to_voice_p50_s=percentile(v2v, 50),
        notes=_loop_notes(run),
    )


def _label_within(said: Spoken, labels: Sequence[SpeakerLabel]) -> str | None:
    """The tag of the first segment that overlaps the utterance as played."""
    inside = [label for label in labels if label.end > said.onset and label.start < said.end]
    return min(inside, key=lambda label: label.start).label if inside else None


def _llm_text(said: str, inputs: Sequence[str]) -> str | None:
    """The LLM input that carries most of the utterance's words (its tags included)."""
    words = set(same_words_key(said).split())
    if not words:
        return None
    best = max(
        inputs, key=lambda text: len(words & set(same_words_key(text).split())), default=None
    )
    if best is None or len(words & set(same_words_key(best).split())) < len(words) / 2:
        return None
    return best


def same_words_key(text: str) -> str:
    """Lower-case words joined by spaces, punctuation and tags aside, for containment tests."""
    untagged = re.sub(r"Speaker \d+:\s*", " ", text)
    return " ".join(re.findall(r"[a-z0-9']+", untagged.lower()))


def best_mapping(pairs: Sequence[tuple[str | None, str]]) -> dict[str, str]:
    """The one-to-one tag -> speaker mapping that makes the most pairs agree (Hungarian)."""
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    tags = sorted({tag for tag, _ in pairs if tag is not None})
    speakers = sorted({speaker for _, speaker in pairs})
    if not tags or not speakers:
        return {}
    counts = np.zeros((len(tags), len(speakers)))
    for tag, speaker in pairs:
        if tag is not None:
            counts[tags.index(tag), speakers.index(speaker)] += 1
    rows, columns = linear_sum_assignment(-counts)
    return {tags[r]: speakers[c] for r, c in zip(rows, columns, strict=True) if counts[r, c] > 0}


def _loop_notes(run: ConversationRun) -> list[str]:
    notes = [
        "Tags come from Resemblyzer embeddings of each VAD segment, assigned by online "
        f"clustering (new speaker below cosine {NEW_SPEAKER_BELOW}; segments under "
        f"{CONFIDENT_S:g} s only join a speaker), without enrolment; an utterance's tag is its "
        "first segment's. Accuracy is under the best one-to-one mapping of "
        "tags to the script's speakers.",
        "The wait is measured in the tagger: from the transcript's arrival to its tagged "
        "release; the embedding runs in a thread from the VAD stop, beside Whisper.",
    ]
    transcripts = sum(1 for t in run.turns if t.transcript)
    if len(run.speaker_labels) != transcripts:
        notes.append(
            f"{len(run.speaker_labels)} segments were tagged for {transcripts} transcribed "
            "turns: a turn spanning several segments, or a segment without words."
        )
    return notes

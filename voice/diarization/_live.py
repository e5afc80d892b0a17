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
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
from voice.diarization._cluster import OnlineClusters
from voice.diarization._embed import embed_segment, to_float
from voice.diarization._types import SpeakerLabel

if TYPE_CHECKING:
    pass

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

"""Typed results of the diarization lab: speaker turns, DER/JER scores, the latency-DER curve.

Times are seconds from the start of the recording. Error rates are shares of the reference's
speech time (pyannote.metrics' definitions), not percentages.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

COLLARS_S: tuple[float, ...] = (0.0, 0.5)
"""pyannote.metrics collars scored: none, and its 500 ms collar (±250 ms around each reference
boundary, the "250 ms collar" of NIST md-eval's `-c 0.25`)."""


class SpeakerTurn(BaseModel):
    """One stretch of one speaker's speech (an RTTM SPEAKER line)."""

    speaker: str
    """Speaker label (the reference's name, or the pipeline's cluster name)."""
    start: float = Field(ge=0)
    """Seconds from the start of the recording."""
    end: float = Field(ge=0)
    """Seconds from the start of the recording (after start)."""

    @property
    def duration(self) -> float:
        """end - start."""
        return self.end - self.start


class Interval(BaseModel):
    """A pooled rate with its percentile-bootstrap interval over conversations."""

    value: float
    """The rate over every conversation pooled (errors summed over reference time summed)."""
    low: float | None = None
    """2.5th percentile of the bootstrap (None with fewer than two conversations)."""
    high: float | None = None
    """97.5th percentile of the bootstrap (None with fewer than two conversations)."""
    n: int
    """Conversations pooled."""


class DerParts(BaseModel):
    """pyannote.metrics' DiarizationErrorRate and JaccardErrorRate on one recording."""

    der: float
    """Diarization error rate: (missed + false alarm + confusion) / total."""
    jer: float
    """Jaccard error rate (DIHARD II): mean over reference speakers of 1 - Jaccard index."""
    missed_s: float
    """Reference speech with too few hypothesis speakers, seconds."""
    false_alarm_s: float
    """Hypothesis speech with too few reference speakers, seconds."""
    confusion_s: float
    """Speech given to the wrong speaker under the optimal mapping, seconds."""
    total_s: float
    """Scored reference speech (overlap counted once per speaker), seconds."""
    jer_speakers: float = 0.0
    """JaccardErrorRate's speaker count component (for pooling)."""
    jer_error: float = 0.0
    """JaccardErrorRate's summed speaker error component (for pooling)."""

    def rate(self, part: str) -> float:
        """missed, false_alarm or confusion as a share of total."""
        seconds: float = getattr(self, f"{part}_s")
        return seconds / self.total_s if self.total_s else 0.0


class Score(BaseModel):
    """One pipeline on one conversation at one collar."""

    conversation: str
    """Name of the recording."""
    pipeline: str
    """Name of the diarization pipeline (e.g. offline-ahc, streaming-1.0s)."""
    collar_s: float
    """pyannote.metrics collar (total width around each reference boundary)."""
    parts: DerParts
    """DER, JER and the DER's parts."""
    reference_speakers: int
    """Speakers in the reference."""
    hypothesis_speakers: int
    """Speakers the pipeline found."""


class Pooled(BaseModel):
    """One pipeline over every conversation at one collar, with 95 % bootstrap intervals."""

    pipeline: str
    """Name of the diarization pipeline."""
    collar_s: float
    """pyannote.metrics collar."""
    der: Interval
    """Pooled DER."""
    jer: Interval
    """Pooled JER (speaker errors summed over speakers summed)."""
    missed: float
    """Pooled missed speech rate."""
    false_alarm: float
    """Pooled false alarm rate."""
    confusion: float
    """Pooled confusion rate."""
    speaker_count_errors: int = 0
    """Conversations where the number of speakers found differs from the reference's."""


class LatencyPoint(BaseModel):
    """The streaming pipeline at one look-ahead: pooled DER and what a step costs."""

    latency_s: float
    """Look-ahead: a frame's label is emitted this long after the frame was heard (plus the
    compute time of one step)."""
    der: Interval
    """Pooled DER without a collar."""
    der_collar: Interval
    """Pooled DER with the 500 ms collar."""
    jer: Interval
    """Pooled JER without a collar."""
    assign_p50_s: float
    """Median time to average a point's windows and assign it (online clustering)."""
    assign_p95_s: float
    """95th percentile of that time."""
    label_delay_p95_s: float
    """Look-ahead + one window's embedding (p95) + the assignment (p95): when a point's label
    is out, after the point was heard (add up to half a step of grid rounding)."""


class Recording(BaseModel):
    """A diarized recording: its reference (when known) and every pipeline's hypothesis."""

    name: str
    """Recording name (the file's stem or the synthetic conversation's name)."""
    duration_s: float
    """Length of the audio."""
    source: str
    """Where it came from (a WAV path, or the synthetic conversation and its voices)."""
    reference: list[SpeakerTurn] | None = None
    """Reference turns (None when no RTTM was given)."""
    overlap_s: float = 0.0
    """Reference time with two or more speakers (a one-label-per-frame pipeline must miss at
    least this much speech)."""
    hypotheses: dict[str, list[SpeakerTurn]] = Field(default_factory=dict)
    """Pipeline -> the turns it found."""
    seconds: dict[str, float] = Field(default_factory=dict)
    """Pipeline -> wall time it took on this recording."""


class DiarizationResult(BaseModel):
    """Everything a diarization run measured; saved as diarization.json."""

    recordings: list[Recording]
    """The recordings, with references and hypotheses."""
    scores: list[Score] = Field(default_factory=list)
    """Per recording x pipeline x collar (empty without references)."""
    pooled: list[Pooled] = Field(default_factory=list)
    """Per pipeline x collar, over every recording."""
    curve: list[LatencyPoint] = Field(default_factory=list)
    """The streaming pipeline's DER as a function of its look-ahead."""
    headline: list[str] = Field(default_factory=list)
    """The configured pipelines (the tables show these; the curve's others are in `curve`)."""
    window_embed_p50_s: float | None = None
    """Median time to embed one 1.6 s window alone (what a stream pays per step)."""
    window_embed_p95_s: float | None = None
    """95th percentile of that time."""
    settings: dict[str, str] = Field(default_factory=dict)
    """The pipelines' settings, for the report."""
    notes: list[str] = Field(default_factory=list)
    """Caveats of this run."""


class SpeakerLabel(BaseModel):
    """The live loop's speaker tag on one speech segment of a user turn."""

    segment: int
    """Sequence number of the VAD segment in the conversation."""
    start: float
    """Segment start, seconds on the conversation clock."""
    end: float
    """Segment end (the VAD stop, less its stop_secs)."""
    label: str
    """The tag given (Speaker 1, Speaker 2, ...)."""
    similarity: float
    """Cosine similarity to the speaker's centroid when assigned (1.0 for a new speaker)."""
    embed_s: float
    """Compute time of the segment's embedding and assignment."""
    waited_s: float
    """How long the segment's transcript was held waiting for the tag (the added latency)."""


class SpeakerTurnCheck(BaseModel):
    """One utterance of the speaker-tagged live loop against the script."""

    index: int
    """Utterance index in the script."""
    speaker: str
    """Who the script says spoke."""
    label: str | None
    """The tag on the first VAD segment inside the utterance (None if untagged)."""
    correct: bool = False
    """The tag maps to the speaker under the best one-to-one mapping."""
    llm_text: str | None = None
    """The user message the LLM received for this turn (tag included)."""


class SpeakerLoopResult(BaseModel):
    """Diarization inside the live Pipecat loop: label accuracy and the latency it adds."""

    conversation: str
    """Name of the scripted conversation."""
    turns: list[SpeakerTurnCheck]
    """Per utterance of the script."""
    labels: list[SpeakerLabel]
    """Per VAD segment."""
    accuracy: float | None
    """Share of utterances whose tag is right under the best one-to-one label mapping."""
    added_p50_s: float | None
    """Median time a transcript waited for its speaker tag."""
    added_p95_s: float | None
    """95th percentile of that wait."""
    embed_p50_s: float | None
    """Median embedding + assignment time per segment (runs while Whisper transcribes)."""
    voice_to_voice_p50_s: float | None = None
    """Voice-to-voice p50 of the tagged run (for context)."""
    notes: list[str] = Field(default_factory=list)
    """How the labels were made."""

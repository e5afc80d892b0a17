"""Settings of the diarization pipelines (`experiment voice diarize --config FILE`).

The defaults were chosen on voice/conversations/diarization-dev/dev_three.yaml, a conversation
that the bundled results never score (other sentences, other voice variants).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

PIPELINES: tuple[str, ...] = (
    "offline-ahc",
    "offline-ahc-known",
    "offline-spectral",
    "offline-spectral-known",
    "streaming",
)
"""Every pipeline: offline with agglomerative or spectral clustering, the number of speakers
estimated or known (`-known`: the reference's count, or --speakers), and the streaming one."""


class DiarizeConfig(BaseModel):
    """How the pipelines detect speech, embed it and cluster it."""

    model_config = ConfigDict(extra="forbid")

    pipelines: list[str] = Field(default_factory=lambda: list(PIPELINES), min_length=1)
    """Pipelines to run (see PIPELINES)."""
    vad_mode: int = Field(default=3, ge=0, le=3)
    """webrtcvad aggressiveness (3: the most ready to call a frame non-speech)."""
    vad_bridge_s: float = Field(default=0.2, ge=0)
    """Speech gaps shorter than this are joined."""
    vad_min_s: float = Field(default=0.15, ge=0)
    """Speech shorter than this is dropped."""
    step_s: float = Field(default=0.2, gt=0, le=1.6)
    """Spacing of the embedding windows (and the labels' time resolution)."""
    ahc_threshold: float = Field(default=0.4, gt=0, lt=1)
    """Agglomerative: cosine distance at which clusters stop merging."""
    spectral_neighbours: float = Field(default=0.3, gt=0, le=1)
    """Spectral: share of each window's most similar windows kept in the affinity."""
    max_speakers: int = Field(default=6, ge=1, le=20)
    """Largest number of speakers an estimate may give."""
    switch_penalty: float = Field(default=0.2, ge=0)
    """Resegmentation: similarity given up to change speaker without a pause."""
    latency_s: float = Field(default=1.6, gt=0)
    """The streaming pipeline's look-ahead: labels come this long after the audio."""
    curve_latencies_s: list[float] = Field(
        default_factory=lambda: [0.2, 0.4, 0.8, 1.2, 1.6, 2.4, 3.2]
    )
    """Look-aheads of the latency-DER curve."""
    new_speaker_below: float = Field(default=0.75, gt=0, lt=1)
    """Streaming: a window less similar than this to every speaker founds a new one."""
    update_above: float = Field(default=0.85, gt=0, le=1)
    """Streaming: only windows at least this similar to their speaker update its centroid."""
    min_speech_share: float = Field(default=0.5, ge=0, le=1)
    """Streaming: a point founds a speaker or moves a centroid only when at least this share of
    its windows is speech."""
    seed: int = 0
    """Seed of spectral clustering's k-means and of the bootstrap."""

    @field_validator("pipelines")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = [name for name in value if name not in PIPELINES]
        if unknown:
            raise ValueError(f"unknown pipeline(s) {unknown}; use {', '.join(PIPELINES)}")
        return value

    @field_validator("curve_latencies_s")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(latency <= 0 for latency in value):
            raise ValueError("every latency must be above 0")
        return sorted(set(value))

    def describe(self) -> dict[str, str]:
        """The settings as report rows."""
        return {name: str(value) for name, value in self.model_dump().items()}

"""The voice lab's YAML inputs, validated: bench settings and the vendors' latency figures.

Bad input raises VoiceConfigError with one line that names the file, the field and the fix;
the CLI prints it and exits 2 (experiments.cli.user_errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from usererrors import load_model
from voice._errors import VoiceError
from voice._types import DESIGNS, Design

DEFAULT_VENDORS = Path(__file__).with_name("vendors.yaml")
"""The vendors' published figures shipped with the package."""

Model = TypeVar("Model", bound=BaseModel)


class VoiceConfigError(VoiceError):
    """A voice lab input file that cannot be used; the message names the field and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Constant(_Strict):
    """Always the same latency."""

    kind: Literal["constant"]
    value: float = Field(ge=0)
    """Seconds."""


class LogNormal(_Strict):
    """A lognormal latency fitted through its median and 95th percentile."""

    kind: Literal["lognormal"]
    p50: float = Field(gt=0)
    """Median, seconds."""
    p95: float = Field(gt=0)
    """95th percentile, seconds (above p50)."""

    @model_validator(mode="after")
    def _ordered(self) -> LogNormal:
        if self.p95 <= self.p50:
            raise ValueError("p95 must be above p50")
        return self


class Normal(_Strict):
    """A normal latency (draws may be negative: prefer lognormal for real components)."""

    kind: Literal["normal"]
    mean: float
    """Seconds."""
    sd: float = Field(ge=0)
    """Standard deviation, seconds."""


class Empirical(_Strict):
    """Measured latencies, resampled with replacement."""

    kind: Literal["empirical"]
    samples: list[float] = Field(min_length=1)
    """Seconds, one per measured turn."""


Dist = Annotated[Constant | LogNormal | Normal | Empirical, Field(discriminator="kind")]
"""A latency distribution as written in YAML (`kind:` picks the family)."""


class Claim(_Strict):
    """Where a published figure comes from."""

    claim: str
    """The vendor's words, paraphrased."""
    source: str
    """URL of the page that states it."""
    published: str | None = None
    """The page's own date, when it has one."""
    accessed: str
    """When we read it (YYYY-MM-DD)."""
    note: str | None = None
    """What we assumed to turn the claim into a distribution."""


class SttVendor(Claim):
    """A cloud STT: vad_stop (end of speech) -> final transcript."""

    latency: Dist
    """Server-side latency as the vendor states it (network added from assumptions)."""
    usd_per_hour: float | None = Field(default=None, ge=0)
    """Published price per hour of streamed session (None: not known here)."""


class LlmVendor(Claim):
    """A cloud LLM: time to first token and output speed."""

    ttft: Dist
    """Time to first token, server side."""
    tokens_per_s: float = Field(gt=0)
    """Output speed after the first token."""
    genai_prices: str | None = Field(default=None, pattern=r"^[\w.-]+/[\w.:-]+$")
    """provider/model in the genai-prices table, for its price per token (None: unpriced)."""


class TtsVendor(Claim):
    """A cloud TTS: text in -> first audio out."""

    first_audio: Dist
    """Time to first audio, server side."""
    usd_per_1k_chars: float | None = Field(default=None, ge=0)
    """Published price per 1,000 characters synthesized (None: not known here)."""
    price_source: str | None = None
    """Where the price comes from, when it is not the `source` page."""


class SpeechToSpeech(Claim):
    """An end-to-end speech model: user audio in, spoken answer out, no text stage between."""

    first_audio: Dist | None
    """End of the user's speech -> first answer audio, as published (None: no figure)."""
    turn_detection: Dist = Field(default_factory=lambda: Constant(kind="constant", value=0.0))
    """What the service waits, beyond our VAD's stop, before it answers."""
    open_weights: bool
    """The weights are published."""
    runs_here: str
    """Whether it runs on this machine, and why not."""
    barge_in: str
    """How it handles the user talking over it (the vendor's documentation)."""
    tools: str
    """Tool use."""
    guardrails: str
    """Where a text filter could act on what it says."""
    usd_per_mtok_audio_in: float | None = Field(default=None, ge=0)
    """Published price per million input audio tokens."""
    usd_per_mtok_audio_out: float | None = Field(default=None, ge=0)
    """Published price per million output audio tokens."""
    audio_tokens_in_per_minute: float | None = Field(default=None, gt=0)
    """Input audio tokens per minute of the user's speech (the vendor's tokenization)."""
    audio_tokens_out_per_minute: float | None = Field(default=None, gt=0)
    """Output audio tokens per minute of the model's speech."""
    price_source: str | None = None
    """Where the prices and token rates come from."""


class CostAssumptions(_Strict):
    """What one minute of conversation holds, ours, to turn published prices into $/minute."""

    user_share: float = Field(default=0.5, ge=0, le=1)
    """Share of the minute the user talks (the bot talks the rest)."""
    turns_per_minute: float = Field(default=4, gt=0)
    """Exchanges per minute."""
    context_tokens: int = Field(default=600, ge=0)
    """Tokens the cascade's LLM reads at each turn (system prompt and history)."""
    chars_per_second: float = Field(default=14, gt=0)
    """Characters of text per second of the bot's speech (TTS is priced per character)."""


class Assumptions(_Strict):
    """Our assumptions, not vendors' figures: the simulator needs them to combine the claims."""

    network_s: float = Field(default=0.05, ge=0)
    """One network round trip added to every cloud component."""
    first_sentence_tokens: int = Field(default=12, gt=0)
    """Tokens in a reply's first sentence."""
    reply_tokens: int = Field(default=40, gt=0)
    """Tokens in a whole reply."""
    reply_audio_s: float = Field(default=8.0, gt=0)
    """Seconds of speech in a whole reply."""
    tts_speed_x: float = Field(default=20.0, gt=0)
    """Cloud TTS synthesis speed, times real time (non-streaming waits for the whole file)."""
    restart_rate: float = Field(default=0.1, ge=0, le=1)
    """Share of preemptive generations restarted because the final transcript differed."""
    end_of_turn: Dist = Field(default_factory=lambda: LogNormal(kind="lognormal", p50=0.1, p95=0.3))
    """vad_stop -> end-of-turn decision when nothing was measured."""
    playback: Dist = Field(default_factory=lambda: Constant(kind="constant", value=0.02))
    """First audio -> playback start (one 20 ms frame) when nothing was measured."""
    cost: CostAssumptions = Field(default_factory=CostAssumptions)
    """A minute of conversation, for the cost per minute."""


class VendorFile(_Strict):
    """voice/vendors.yaml: vendors' published latency claims, not our measurements."""

    disclaimer: str
    """Says that the figures are vendors' claims."""
    assumptions: Assumptions = Field(default_factory=Assumptions)
    """What the simulator assumes to combine them."""
    stt: dict[str, SttVendor] = Field(default_factory=dict)
    """Cloud speech-to-text services by name."""
    llm: dict[str, LlmVendor] = Field(default_factory=dict)
    """Cloud LLMs by name."""
    tts: dict[str, TtsVendor] = Field(default_factory=dict)
    """Cloud text-to-speech services by name."""
    speech_to_speech: dict[str, SpeechToSpeech] = Field(default_factory=dict)
    """End-to-end speech-to-speech models by name."""


class BenchConfig(_Strict):
    """Settings of `experiment voice bench`, from --config FILE (options override them)."""

    llm: str = "local/gemma-3-270m"
    """provider/model of the LLM."""
    designs: list[Design] = Field(default_factory=lambda: list(DESIGNS), min_length=1)
    """Designs to run."""
    conversation: Path | None = None
    """Scripted conversation YAML [default: the bundled 5-turn one]."""
    turn_taking: Path | None = None
    """Utterances with mid-sentence pauses [default: the bundled set]; see measure_turn_taking."""
    measure_turn_taking: bool = True
    """Measure the false end-of-turn rates with and without Smart Turn."""
    smart_turn: bool = True
    """Decide end of turn with Smart Turn (else VAD silence only)."""
    vendors: Path = DEFAULT_VENDORS
    """Vendors' published figures for the simulator."""
    samples: int = Field(default=20_000, gt=0)
    """Monte Carlo draws per simulated design."""
    seed: int = 0
    """Seed of the Monte Carlo draws."""
    tolerance: float = Field(default=0.2, gt=0)
    """Relative error under which the simulator counts as validated."""
    diarization: bool = True
    """Diarize the bundled multi-speaker conversations (offline, streaming, latency curve)."""
    speaker_loop: bool = True
    """Run the live loop with speaker tags on the two-speaker conversation (streaming design)."""
    speaker_conversation: Path | None = None
    """Two-speaker conversation for the speaker loop [default: the bundled one]."""


def load_yaml(path: Path, model: type[Model]) -> Model:
    """Read and validate a YAML file; every failure is one VoiceConfigError line."""
    return load_model(path, model, VoiceConfigError)

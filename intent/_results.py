"""intent.json, typed: every number the report shows, each traceable to the run's JSONL files."""

from __future__ import annotations

from pydantic import BaseModel, Field

from analysis import Estimate
from intent._log import LogSummary
from intent._scrub import ScrubReport

RESULTS_VERSION = 1


class ClusterRow(BaseModel):
    """One k-means cluster."""

    cluster: int
    name: str | None = None
    description: str | None = None
    group: int
    """Its top-level group in the hierarchy."""
    size: int
    share: Estimate
    """Share of the analysed prompts (Wilson interval)."""
    bad_outcome: Estimate | None = None
    """Share of its prompts with a bad outcome, among those with any outcome (Wilson)."""
    outcomes: dict[str, int] = Field(default_factory=dict)
    missing: dict[str, int] = Field(default_factory=dict)
    """Prompts that miss each constraint kind, most common first (facets)."""
    missing_per_prompt: float = 0.0
    ambiguity: dict[str, int] = Field(default_factory=dict)
    """Prompts per ambiguity type other than none (facets)."""
    representatives: list[str] = Field(default_factory=list)
    """Ids of the prompts nearest the centroid."""
    examples: list[str] = Field(default_factory=list)
    """Their scrubbed texts."""
    planted: dict[str, int] = Field(default_factory=dict)
    """Planted intents of its prompts (synthetic log only)."""


class GroupRow(BaseModel):
    """A top-level group of the hierarchy."""

    group: int
    name: str | None = None
    description: str | None = None
    clusters: list[int]
    size: int


class ScoreAgreement(BaseModel):
    """A clustering against planted labels."""

    ari: float
    nmi: float


class Validation(BaseModel):
    """The pipeline against the synthetic log's planted taxonomy."""

    kmeans: ScoreAgreement
    hdbscan: ScoreAgreement
    hdbscan_noise_share: float
    hdbscan_clusters: int
    hdbscan_clustered: ScoreAgreement | None = None
    """HDBSCAN on the prompts it did not call noise."""
    prompt_only: ScoreAgreement | None = None
    """k-means (same k) on the prompt's embedding alone, when facets were embedded too."""
    groups_vs_domain: ScoreAgreement | None = None
    """The hierarchy's top level against the planted domains."""
    planted_intents: int
    ari_over_seeds: Estimate | None = None
    """ARI against the planted intents, per k-means seed."""
    missing_recall: Estimate | None = None
    """Planted missing constraints (prompt, kind) that the facets list as missing."""
    missing_precision: Estimate | None = None
    """Kinds the facets list as missing that were planted missing (a lower bound: a kind the
    generator did not plant may still be missing)."""
    ambiguity_recall: Estimate | None = None
    """Prompts with a planted ambiguity whose facets name any ambiguity."""
    ambiguity_false_alarm: Estimate | None = None
    """Prompts with none planted whose facets name one."""
    ambiguity_type_accuracy: Estimate | None = None
    """Among planted ambiguous prompts, the share whose type the facets name right."""


class Stability(BaseModel):
    """How much the clustering moves."""

    seeds: Estimate | None
    """ARI between every pair of k-means seeds (mean, 2.5th-97.5th percentiles)."""
    bootstrap: Estimate | None
    """ARI between each bootstrap resample's clustering and the full one, on its prompts."""


class PolicyRow(BaseModel):
    """One policy's metrics over the simulated users (bootstrap intervals)."""

    policy: str
    coverage: Estimate | None = None
    recovery: Estimate | None = None
    turns: Estimate | None = None
    success: Estimate | None = None
    drift: Estimate | None = None


class Difference(BaseModel):
    """A paired difference, policy - reference, over the same simulated users."""

    policy: str
    reference: str
    metric: str
    cluster: int | None = None
    """None: pooled over the tested clusters."""
    estimate: Estimate
    p_value: float | None = None
    """Sign-flip randomisation test of a zero mean difference."""
    p_holm: float | None = None
    """Holm-adjusted over the fixes (primary metric, pooled, against the original)."""


class PairRow(BaseModel):
    """Side-by-side judging of one policy against the original."""

    policy: str
    wins: int
    losses: int
    ties: int
    unparsed: int
    win_rate: Estimate | None = None
    """Wins among decided pairs (Wilson)."""
    first_shown_chosen: Estimate | None = None
    """How often the judge chose whichever answer was shown first (position bias)."""


class LoopResults(BaseModel):
    """The closed loop."""

    clusters: list[int]
    users: int
    planted_users: bool
    policies: list[str]
    fixes: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Per cluster (c<N>), each fix's text."""
    rows: list[PolicyRow]
    differences: list[Difference]
    pairs: list[PairRow] = Field(default_factory=list)


class GoldResults(BaseModel):
    """The judge model against the hand labels of the gold set."""

    n: int
    labelled: int
    """Items the model's reply could be read for."""
    clarification_kappa: Estimate | None = None
    clarification_agreement: float | None = None
    ambiguity_kappa: Estimate | None = None
    missing_kappa: dict[str, float | None] = Field(default_factory=dict)
    """Per constraint kind with at least one positive label: kappa of missing / not missing."""
    missing_kappa_mean: float | None = None


class Link(BaseModel):
    """Bad outcomes of prompts with and without a missing constraint (facets)."""

    with_missing: Estimate | None = None
    without_missing: Estimate | None = None


class IntentResults(BaseModel):
    """Everything one analysis found."""

    version: int = RESULTS_VERSION
    name: str
    source: str
    """log, or regenlab (an experiment's journals)."""
    log: LogSummary
    scrub: ScrubReport
    models: dict[str, str]
    embedder: str
    embed_text: str
    facets_failed: int
    """Prompts whose facet reply did not parse."""
    k: int
    k_criterion: str
    silhouettes: dict[int, float]
    hdbscan_min_cluster_size: int
    clusters: list[ClusterRow]
    groups: list[GroupRow]
    stability: Stability
    link: Link
    validation: Validation | None = None
    loop: LoopResults | None = None
    gold: GoldResults | None = None
    failures: dict[str, int] = Field(default_factory=dict)
    """Replies that did not parse, per stage."""
    usage: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Per role: calls, input and output tokens, seconds."""
    timings: dict[str, float] = Field(default_factory=dict)
    """Wall-clock seconds per stage of this invocation (a resumed stage is quick)."""
    caveats: list[str] = Field(default_factory=list)

"""The typed data of the training lab: a run's configuration, its results and the comparison.

Every boundary (the YAML config, the per-rank JSON the workers write, compare.json) goes
through these models, so a wrong field fails once, with its name, instead of deep in a plot.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from usererrors import RegenlabError


class TrainingError(RegenlabError):
    """The training lab cannot go on: bad input, a missing package, a failed run.

    The message is one line that names what is wrong and the fix; the CLI prints it and exits 2.
    """


Strategy = Literal["single", "ddp", "fsdp2_zero2", "fsdp2_zero3", "zero1", "zero2", "zero3"]
"""How the model states are split across ranks (see DESIGN and the issue)."""

STRATEGIES: tuple[Strategy, ...] = (
    "single",
    "ddp",
    "fsdp2_zero2",
    "fsdp2_zero3",
    "zero1",
    "zero2",
    "zero3",
)
"""Every strategy, in the order reports list them."""

ZeroStage = Literal["dp", "zero1", "zero2", "zero3"]
"""The four memory regimes of the ZeRO paper: plain data parallelism and stages 1 to 3."""


class TrainSettings(BaseModel):
    """Everything about a training run except its strategy (what a comparison holds fixed)."""

    model_config = ConfigDict(extra="forbid")

    model_size: str = "tiny"
    """"tiny" (~1M parameters), "small" (~10M), "base" (~100M) or explicit dims."""
    seq_len: int = Field(default=64, gt=0)
    """Tokens per sequence."""
    micro_batch: int = Field(default=4, gt=0)
    """Sequences per rank per step."""
    steps: int = Field(default=20, gt=0)
    """Optimizer steps."""
    lr: float = Field(default=1e-3, gt=0)
    """Adam learning rate."""
    seed: int = 0
    """Seeds the model init and the data order, so strategies see the same run."""
    world_size: int = Field(default=2, gt=0)
    """Processes; ignored (1) for the single strategy."""
    eval_every: int = Field(default=10, gt=0)
    """Steps between held-out evaluations."""
    checkpoint_every: int | None = Field(default=None, gt=0)
    """Steps between distributed checkpoints; None writes none."""
    checkpoint_dir: str | None = None
    """Where checkpoints go; None means under the run's output directory."""
    activation_checkpointing: bool = False
    """Recompute activations in backward to trade compute for memory."""
    cpu_offload: bool = False
    """Keep optimizer states (and, for stage 3, parameters) in host memory."""
    bf16: bool = True
    """Mixed precision (bf16 compute, fp32 master weights)."""


class TrainConfig(TrainSettings):
    """One training run: strategy, model, data shape and schedule."""

    strategy: Strategy
    """How model states are split across ranks."""


class StepRecord(BaseModel):
    """One optimizer step as rank 0 saw it."""

    step: int
    loss: float
    """Training loss of this step's batch."""
    step_time_s: float
    """Wall-clock seconds of forward, backward and optimizer step."""
    tokens: int
    """Tokens processed in this step over all ranks."""


class RankMemory(BaseModel):
    """What one rank held: its peak process memory and its model-state shards."""

    rank: int
    peak_rss_bytes: int
    """Peak resident set size of the rank's process (on CPU this includes everything)."""
    param_bytes: int
    """Bytes of parameters this rank holds (local shards only)."""
    grad_bytes: int
    """Bytes of gradients this rank holds (local shards only)."""
    optimizer_bytes: int
    """Bytes of optimizer states this rank holds (local shards only; fp32 master copy included)."""
    peak_device_bytes: int | None = None
    """Peak accelerator memory allocated by the rank (GPU runs only; None on CPU)."""

    @property
    def model_state_bytes(self) -> int:
        """Parameters + gradients + optimizer states: what the ZeRO formulas predict."""
        return self.param_bytes + self.grad_bytes + self.optimizer_bytes


class TrainResult(BaseModel):
    """What one training run measured."""

    config: TrainConfig
    parameters: int
    """Ψ, the model's parameter count."""
    steps: list[StepRecord] = Field(default_factory=list)
    """Per-step records from rank 0."""
    eval_losses: list[tuple[int, float]] = Field(default_factory=list)
    """(step, held-out loss) pairs."""
    first_step_loss: float
    final_eval_loss: float
    tokens_per_s: float
    """Tokens over all ranks ÷ training wall-clock seconds."""
    mean_step_time_s: float
    ranks: list[RankMemory] = Field(default_factory=list)
    """One entry per rank."""
    restarts: int = 0
    """Times the group was restarted after a failure."""
    resumed_from_step: int | None = None
    """Checkpoint step the last restart resumed from."""
    notes: list[str] = Field(default_factory=list)
    """Caveats a reader must see next to the numbers."""


class FormulaMemory(BaseModel):
    """The ZeRO paper's model-state bytes per rank for one stage, Ψ and N."""

    stage: ZeroStage
    params: float
    """Ψ, parameters."""
    ranks: int
    """N, data-parallel degree."""
    k: int = 12
    """Optimizer-state bytes per parameter (12 for mixed-precision Adam)."""
    bytes_per_rank: float
    """Parameters + gradients + optimizer states per rank."""
    param_bytes: float = 0.0
    """The parameters' share of bytes_per_rank."""
    grad_bytes: float = 0.0
    """The gradients' share of bytes_per_rank."""
    optimizer_bytes: float = 0.0
    """The optimizer states' share of bytes_per_rank."""


class FormulaCheck(BaseModel):
    """One strategy's measured model-state bytes per rank against its ZeRO formula."""

    strategy: Strategy
    stage: ZeroStage
    """The formula the strategy is checked against."""
    measured_bytes: float
    """Model-state bytes per rank, averaged over ranks."""
    formula_bytes: float
    ratio: float
    """measured ÷ formula."""
    within_10pct: bool
    """Whether the ratio lies in [0.9, 1.1]."""


class FailureRun(BaseModel):
    """A run in which one rank was SIGKILLed mid-training and the group restarted."""

    result: TrainResult
    kill_rank: int
    """The rank that was killed."""
    kill_at_step: int
    """The step at which it was killed."""
    max_restarts: int
    """torchrun's --max-restarts."""


class CompareResult(BaseModel):
    """Every strategy's result on the same model, data and seed, plus the checks on them."""

    results: list[TrainResult]
    formula_checks: list[FormulaCheck] = Field(default_factory=list)
    """One per strategy that has a ZeRO formula."""
    gguf_check: str = ""
    """What was found about loading the Gemma 3 GGUF in transformers."""
    failure: FailureRun | None = None
    """A run with a rank killed mid-training, when one was made."""

"""What a run writes: run.json (what was run, on what), variants.jsonl (every variant, with its
tags and checks) and results.jsonl (one line per model call, appended as each call finishes, so
a killed run loses nothing it finished and a resumed run skips what is there)."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from robustness._errors import SuiteError
from robustness._variants import Variant

RUN_FILE = "run.json"
VARIANTS_FILE = "variants.jsonl"
RESULTS_FILE = "results.jsonl"
METRICS_FILE = "metrics.json"


class CheckRecord(BaseModel):
    """One assertion's verdict."""

    type: str
    """The assertion type."""
    passed: bool
    """Whether it passed."""
    score: float
    """Its score (0-1 for most types)."""
    reason: str = ""
    """Why, in a few words."""


class CallRecord(BaseModel):
    """One model call: which variant, which case, the reply and its verdict."""

    key: str
    """`<variant id>|<case id>|<repeat>`: unique in a run."""
    variant_id: str
    """The variant's id."""
    prompt_id: str
    """Its base prompt."""
    family: str
    """clean, format, structure, length, noise, paraphrase or dir."""
    kind: str
    """The family's kind."""
    severity: int
    """0 (clean) to 3."""
    seed: int
    """The variant's seed index."""
    relation: Literal["clean", "INV", "DIR"]
    """clean, INV (the answer must not change) or DIR (it must change)."""
    case_id: str
    """The test case."""
    repeat: int = 0
    """Repeat index (clean calls are repeated for the noise floor)."""
    call_seed: int = 0
    """The sampling seed sent with the call."""
    output: str = ""
    """The reply's text."""
    passed: bool = False
    """The case's verdict on the reply."""
    score: float = 0.0
    """The case's weighted score on the reply."""
    checks: list[CheckRecord] = Field(default_factory=list)
    """Each assertion's verdict."""
    error: str | None = None
    """Why the call failed (then it is left out of the metrics)."""
    latency_s: float = 0.0
    """Seconds the call took."""
    input_tokens: int = 0
    """Prompt tokens."""
    output_tokens: int = 0
    """Reply tokens."""
    cost_usd: float | None = 0.0
    """Cost (None: no price known)."""
    cache_hit: bool = False
    """Answered from the response cache."""
    source: Literal["regenlab", "promptfoo"] = "regenlab"
    """Who called the model: our runner, or promptfoo (an imported results file)."""
    promptfoo_passed: bool | None = None
    """promptfoo's own verdict on the same reply (imported results only)."""
    promptfoo_score: float | None = None
    """promptfoo's score on the same reply (imported results only)."""

    @classmethod
    def start(cls, variant: Variant, case_id: str, key: str, **fields: object) -> CallRecord:
        """A record of `variant` on one case, its reply and verdict still to fill in."""
        return cls.model_validate(
            {
                "key": key,
                "variant_id": variant.id,
                "prompt_id": variant.prompt_id,
                "family": variant.family,
                "kind": variant.kind,
                "severity": variant.severity,
                "seed": variant.seed,
                "relation": variant.relation,
                "case_id": case_id,
                **fields,
            }
        )


class RunInfo(BaseModel):
    """What a run is: run.json."""

    suite: str
    """The suite file."""
    suite_name: str
    """The suite's name."""
    digest: str
    """Hash of the suite's prompts, cases, checks and variant settings."""
    profile: str
    """The profile run (quick, full, ...)."""
    model: str
    """provider/model under test."""
    metric: Literal["pass", "score"] = "pass"
    """What drops are measured on (the suite's `metric`)."""
    groups: dict[str, str] = Field(default_factory=dict)
    """Prompt id -> metrics group, where the suite groups prompts."""
    source: Literal["regenlab", "promptfoo"] = "regenlab"
    """Whether our runner made the calls, or promptfoo did (import)."""
    started: str
    """When the run began (ISO 8601, UTC)."""
    load_average: list[float] = Field(default_factory=list)
    """The machine's 1/5/15-minute load when the run began."""
    cpus: int = 0
    """CPU cores of the machine."""
    versions: dict[str, str] = Field(default_factory=dict)
    """regenlab, Python and llama-cpp-python versions."""
    planned_calls: int = 0
    """Calls in the plan."""
    stopped: str | None = None
    """Why the run stopped before its plan was done (budget), if it did."""
    wall_s: float = 0.0
    """Seconds spent calling the model, summed over sessions (a resumed run adds its own)."""
    notes: list[str] = Field(default_factory=list)
    """Things a reader should know (fallbacks, skipped metrics)."""


class ResultsLog:
    """results.jsonl: appended line by line under a lock, read back for resume and metrics."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / RESULTS_FILE
        self._lock = threading.Lock()

    def append(self, record: CallRecord) -> None:
        """Write one record and flush it to disk."""
        line = record.model_dump_json() + "\n"
        with self._lock, open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())

    def read(self) -> list[CallRecord]:
        """Every complete record; a line cut by a crash is skipped, a later duplicate wins."""
        if not self.path.exists():
            return []
        records: dict[str, CallRecord] = {}
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                record = CallRecord.model_validate_json(line)
            except ValidationError:
                continue
            records[record.key] = record
        return list(records.values())


def write_variants(folder: Path, variants: Iterable[Variant]) -> None:
    """variants.jsonl, written whole (a temporary file renamed into place)."""
    path = folder / VARIANTS_FILE
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(v.model_dump_json() + "\n" for v in variants), encoding="utf-8")
    temporary.replace(path)


def read_variants(folder: Path) -> list[Variant]:
    """The variants a run made; a broken file is a one-line error."""
    path = folder / VARIANTS_FILE
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            out.append(Variant.model_validate_json(line))
        except ValidationError as exc:
            raise SuiteError(
                f"{path}: line {number} is not a variant ({exc.errors()[0]['msg']}); fix: "
                "delete the file to make the variants again"
            ) from exc
    return out


def write_json(path: Path, model: BaseModel) -> None:
    """A pydantic model as indented JSON, replaced atomically."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(model.model_dump_json(indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def read_run(folder: Path) -> RunInfo:
    """run.json of a run folder; anything else is a one-line error."""
    path = folder / RUN_FILE
    if not path.is_file():
        raise SuiteError(
            f"{folder}: no {RUN_FILE}; fix: give a folder written by `experiment robustness run`"
        )
    try:
        return RunInfo.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise SuiteError(
            f"{path}: not a robustness run record ({exc}); fix: rerun the suite"
        ) from exc

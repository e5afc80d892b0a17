"""The runner: a suite's variants through our model layer (retries, the AIMD limiter of hosted
providers, the response cache, a budget), every call appended to results.jsonl as it finishes.

Repeats of the clean prompt go through a model with no response cache: each is a fresh call,
so their spread is the noise floor. A run folder that already holds results is resumed: calls
whose key is there are not made again.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agents import ModelError
from agents.models import GenerateConfig, Model, get_model
from robustness._checks import Reply, case_assertions, grade, redirected
from robustness._errors import SuiteError
from robustness._graders import RunGraders, judge_for
from robustness._load import LoadedSuite, load_suite
from robustness._plan import Call, messages_for, plan_calls
from robustness._records import (
    RUN_FILE,
    VARIANTS_FILE,
    CallRecord,
    CheckRecord,
    ResultsLog,
    RunInfo,
    read_run,
    read_variants,
    write_json,
    write_variants,
)
from robustness._suite import Profile
from robustness._variants import Variant, generate_variants

CACHED_PROVIDERS = frozenset({"anthropic", "openai", "openai-compatible"})
"""Hosted models are worth caching; local and scripted ones answer as fast without it."""


@dataclass(frozen=True)
class Progress:
    """Where a run stands, for a live line."""

    phase: str
    """paraphrases, calls or done."""
    done: int
    """Calls (or paraphrases) finished, this session and before."""
    total: int
    """Calls (or paraphrases) planned."""
    errors: int = 0
    """Calls that failed."""
    spent_usd: float = 0.0
    """Cost so far (known prices only)."""


ProgressHandler = Callable[[Progress], None]


def default_out(name: str) -> Path:
    """`runs/robustness-<UTC time>-<suite name>`."""
    return Path("runs") / f"robustness-{datetime.now(UTC):%Y%m%d-%H%M%S}-{name}"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("regenlab", "llama-cpp-python"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


class Runner:
    """One run of a suite in one folder."""

    def __init__(
        self,
        loaded: LoadedSuite,
        folder: Path,
        profile_name: str,
        model: str | Model,
        *,
        cache: bool,
        max_cost: float | None,
        max_concurrency: int | None,
        on_progress: ProgressHandler | None,
    ) -> None:
        self.loaded = loaded
        self.folder = folder
        self.profile_name = profile_name
        self.profile: Profile = loaded.profile(profile_name)
        self.model_name = model if isinstance(model, str) else model.id
        self.given = None if isinstance(model, str) else model
        """A model instance passed in (tests, notebooks): used as it is, for every call."""
        self.cache = cache
        self.max_cost = max_cost
        self.on_progress = on_progress or (lambda progress: None)
        local = self.model_name.startswith(("local/", "mock/"))
        self.concurrency = max_concurrency or loaded.suite.max_concurrency or (1 if local else 4)
        self.log = ResultsLog(folder)
        self._spent = 0.0
        self._errors = 0
        self._lock = threading.Lock()

    # --- models ---

    def _model(self, cached: bool) -> Model:
        if self.given is not None:
            return self.given
        model = get_model(self.model_name, base_url=self.loaded.suite.base_url)
        if cached and self.cache and model.provider in CACHED_PROVIDERS:
            from agents.models import ResponseCache, default_cache_path

            model.cache = ResponseCache(default_cache_path())
        return model

    # --- the run ---

    def info(self) -> RunInfo:
        """run.json: an existing one (resume) or a new one."""
        if (self.folder / RUN_FILE).exists():
            info = read_run(self.folder)
            if info.digest != self.loaded.digest():
                raise SuiteError(
                    f"{self.folder}: was run with a different version of {self.loaded.path}; "
                    "fix: give a new --out folder, or restore the suite it was run with"
                )
            if info.profile != self.profile_name or info.model != self.model_name:
                raise SuiteError(
                    f"{self.folder}: was run with --profile {info.profile} --model {info.model}; "
                    "fix: resume with the same options, or give a new --out folder"
                )
            return info
        return RunInfo(
            suite=str(self.loaded.path),
            suite_name=self.loaded.suite.name,
            digest=self.loaded.digest(),
            profile=self.profile_name,
            model=self.model_name,
            metric=self.loaded.suite.metric,
            groups={p.id: p.group for p in self.loaded.prompts if p.group != p.id},
            started=datetime.now(UTC).isoformat(timespec="seconds"),
            load_average=[round(x, 2) for x in os.getloadavg()],
            cpus=os.cpu_count() or 0,
            versions=_versions(),
        )

    def variants(self) -> list[Variant]:
        """variants.jsonl if the folder has it, else made now (paraphrases by the model)."""
        if (self.folder / VARIANTS_FILE).exists():
            return read_variants(self.folder)
        variants = generate_variants(self.loaded)
        variants += self._paraphrases()
        write_variants(self.folder, variants)
        return variants

    def _paraphrases(self) -> list[Variant]:
        spec = self.loaded.suite.variants
        families = self.profile.families or spec.families
        if "paraphrase" not in families or "paraphrase" not in spec.families:
            return []
        from robustness._paraphrase import paraphrase_variants

        severities = self.profile.severities or spec.severities
        seeds = min(self.profile.seeds or spec.seeds, spec.seeds)
        total = len(self.loaded.prompts) * len(severities) * seeds
        writer = self.given if self.given and not spec.paraphrase.model else None
        writer = writer or get_model(
            spec.paraphrase.model or self.model_name, base_url=self.loaded.suite.base_url
        )
        made: list[Variant] = []

        def done(variant: Variant) -> None:
            made.append(variant)
            self.on_progress(Progress("paraphrases", len(made), total))

        self.on_progress(Progress("paraphrases", 0, total))
        return paraphrase_variants(
            self.loaded,
            writer,
            severities=list(severities),
            seeds=seeds,
            max_output_tokens=spec.paraphrase.max_output_tokens,
            judge=spec.paraphrase.judge,
            on_done=done,
        )

    def run(self) -> RunInfo:
        """Make every planned call that results.jsonl does not hold yet."""
        self.folder.mkdir(parents=True, exist_ok=True)
        info = self.info()
        write_json(self.folder / RUN_FILE, info)
        variants = self.variants()
        calls = plan_calls(self.loaded, variants, self.profile, self.loaded.suite.variants.seed)
        finished = {r.key for r in self.log.read()}
        self._spent = sum(r.cost_usd or 0.0 for r in self.log.read())
        todo = [c for c in calls if c.key not in finished]
        info.planned_calls = len(calls)
        started = time.monotonic()
        stopped = self.execute(todo, done=len(calls) - len(todo), total=len(calls))
        info.stopped = stopped
        if stopped is None:
            self._posix(info, variants)
        info.wall_s += time.monotonic() - started
        write_json(self.folder / RUN_FILE, info)
        self.on_progress(Progress("done", len(calls) - len(todo), len(calls), self._errors))
        return info

    def _posix(self, info: RunInfo, variants: list[Variant]) -> None:
        """posix.json for the profile's sample (embedded models: they give log-probabilities)."""
        spec = self.profile.posix
        from robustness._posix import POSIX_FILE, LlamaScorer, PosixResult, posix_cases

        if spec is None or (self.folder / POSIX_FILE).exists():
            return
        if not self.model_name.startswith("local/") or self.given is not None:
            note = f"POSIX not computed: {self.model_name} gives no log-probabilities here"
            info.notes = [*[n for n in info.notes if n != note], note]
            return
        from agents.models import local_model_path

        scorer = LlamaScorer(local_model_path(self.model_name.removeprefix("local/")))
        case_vars = {c.id: c.vars for c in self.loaded.cases}
        self.on_progress(Progress("posix", 0, spec.cases))
        cases = posix_cases(
            self.log.read(),
            {v.id: v for v in variants},
            case_vars,
            scorer,
            cases=spec.cases,
            per_case=spec.variants,
            on_done=lambda n, total: self.on_progress(Progress("posix", n, total)),
        )
        write_json(self.folder / POSIX_FILE, PosixResult(model=self.model_name, cases=cases))

    def execute(self, calls: list[Call], *, done: int, total: int) -> str | None:
        """Run the calls with at most `concurrency` in flight; stop at the budget.

        `done` of `total` calls were made before (the progress counts from there); returns why
        it stopped early, or None once every call is recorded.
        """
        clean_model, variant_model = self._model(cached=False), self._model(cached=True)
        graders = RunGraders(judge_for(self.loaded, self.model_name))
        pending: set[Future[CallRecord]] = set()
        queue: Iterator[Call] = iter(calls)
        stopped = None
        self.on_progress(Progress("calls", done, total))
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            while True:
                while len(pending) < self.concurrency and stopped is None:
                    if self.max_cost is not None and self._spent >= self.max_cost:
                        stopped = f"budget: ${self._spent:.4f} spent of --max-cost {self.max_cost}"
                        break
                    call = next(queue, None)
                    if call is None:
                        break
                    model = clean_model if call.variant.relation == "clean" else variant_model
                    pending.add(pool.submit(self._call, call, model, graders))
                if not pending:
                    return stopped
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done += 1
                    self._record(future.result(), done, total)

    def _record(self, record: CallRecord, done: int, total: int) -> None:
        self.log.append(record)
        with self._lock:
            self._spent += record.cost_usd or 0.0
            self._errors += record.error is not None
        self.on_progress(Progress("calls", done, total, self._errors, self._spent))

    def _call(self, call: Call, model: Model, graders: RunGraders) -> CallRecord:
        """One model call and its verdict."""
        variant, case = call.variant, call.case
        record = CallRecord.start(
            variant, case.id, call.key, repeat=call.repeat, call_seed=call.seed
        )
        generation = self.loaded.suite.generation
        config = GenerateConfig(
            max_output_tokens=generation.max_output_tokens,
            temperature=generation.temperature,
            timeout_s=generation.timeout_s,
            seed=call.seed,
        )
        try:
            reply = model.generate(messages_for(variant, case.vars), config=config)
        except ModelError as exc:
            return record.model_copy(update={"error": str(exc)[:500]})
        usage = reply.usage
        assertions = case_assertions(self.loaded.suite, case)
        if variant.relation == "DIR":
            assertions = redirected(assertions, variant.expect_map)
        threshold = case.threshold if case.threshold is not None else self.loaded.suite.threshold
        verdict = grade(
            assertions, Reply(reply.text, case.vars, self.loaded.suite.output), threshold, graders
        )
        return record.model_copy(
            update={
                "output": reply.text,
                "passed": verdict.passed,
                "score": verdict.score,
                "checks": [CheckRecord(**r._asdict()) for r in verdict.checks],
                "latency_s": usage.latency_s,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cost_usd": usage.cost_usd,
                "cache_hit": usage.cache_hits > 0,
            }
        )


def run_suite(
    suite: Path | str,
    *,
    profile: str = "quick",
    model: str | Model | None = None,
    out: Path | None = None,
    max_cost: float | None = None,
    cache: bool = True,
    max_concurrency: int | None = None,
    resamples: int = 10_000,
    on_progress: ProgressHandler | None = None,
) -> Path:
    """Run a suite (or resume the run in `out`), then write its metrics and report.

    `model` is a provider/model string (default: the suite's) or a Model instance; `resamples`
    is the number of bootstrap resamples behind each interval.

    Returns the run folder: run.json, variants.jsonl, results.jsonl, metrics.json,
    report.md, report.html and the plots.
    """
    loaded = load_suite(suite)
    folder = out or default_out(loaded.suite.name)
    runner = Runner(
        loaded,
        folder,
        profile,
        model or loaded.suite.model,
        cache=cache,
        max_cost=max_cost,
        max_concurrency=max_concurrency,
        on_progress=on_progress,
    )
    runner.run()
    from robustness._report import write_report

    write_report(folder, resamples=resamples)
    return folder

"""Running and resuming trials: the library functions behind `experiment run` and `resume`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import ValidationError

from agents import ToolMiddleware
from agents.models import Model, get_model, takes_option
from experiments._config import RunConfig
from experiments._errors import ExperimentsError, TaskFormatError
from experiments._events import EventHandler, TrialStarted, ignore
from experiments._results import TrialResult
from experiments._rundir import RunDir, RunRecord
from experiments._tasks import LoadedTask, find_task
from experiments._workflow import TrialContext, build_graph, checkpointer
from sandbox import Sandbox, get_sandbox

ModelSpec = str | Model
RegeneratorSpec = str | Model | Callable[[str], Model]
MiddlewareFactory = Callable[[str], ToolMiddleware | None]
"""Given an agent's role (builder, regenerator:<arm>), the middleware around its tool calls."""


def run_trials(
    task: str | Path,
    *,
    builder_model: ModelSpec | None = None,
    regenerator_model: RegeneratorSpec | None = None,
    arms: Sequence[str] = ("journal", "prompt"),
    journal_style: str = "structured",
    code_policy: str = "none",
    snippet_lines: int = 5,
    trials: int = 1,
    out: Path = Path("runs"),
    sandbox: str = "auto",
    base_url: str | None = None,
    max_turns: int | None = None,
    tokens_per_turn: int | None = None,
    max_cost: float | None = None,
    seed: int = 0,
    cache: bool = True,
    on_event: EventHandler | None = None,
    tool_middleware: MiddlewareFactory | None = None,
) -> list[TrialResult]:
    """Run `trials` trials of the journal-and-regenerate experiment on one task.

    Models are `provider/model` strings or `Model` instances (the regenerator may also be a
    callable that builds one per arm). `tool_middleware`, given an agent's role, returns what
    wraps that agent's tool calls (or None). Each trial gets its own run directory under `out`.
    """
    loaded = load_task_arg(task)
    results = []
    for trial in range(trials):
        config = _config(
            task=loaded.task_file.resolve(),
            builder_model=_model_id(builder_model),
            regenerator_model=_model_id(regenerator_model),
            arms=list(arms),
            journal_style=journal_style,
            code_policy={"name": code_policy, "max_lines": snippet_lines},
            sandbox=sandbox,
            base_url=base_url,
            max_turns=max_turns,
            tokens_per_turn=tokens_per_turn,
            max_cost_usd=max_cost,
            seed=seed + trial,
            cache=cache,
        )
        # Models and sandbox first: a bad --builder-model must not leave a run directory behind.
        models = _models(config, builder_model, regenerator_model)
        box = get_sandbox(config.sandbox)
        run = RunDir.new(Path(out), loaded.id)
        record = run.write_record(config, loaded.id, box.name)
        (on_event or ignore)(TrialStarted(str(run.path), trial + 1, trials))
        context = _context(run, record, loaded, models, box, on_event)
        context.tool_middleware = tool_middleware
        results.append(execute(context))
    return results


def load_task_arg(task: str | Path) -> LoadedTask:
    """The task a command names: a task id, or the path of a task folder or its task.yaml.

    A path that does not exist is reported as such, in one line naming it as given, rather than
    looked up as a task id under the tasks folder.
    """
    path = Path(task)
    looks_like_path = path.suffix in (".yaml", ".yml") or len(path.parts) > 1
    if looks_like_path and not path.exists():
        raise TaskFormatError(
            f"{task}: no such task file or folder; fix: give the path of a task folder or its "
            "task.yaml, or a task id (`experiment tasks list` shows them)"
        )
    return find_task(str(task))


def run_trial(
    config: RunConfig, run_dir: Path, *, on_event: EventHandler | None = None
) -> TrialResult:
    """Run one trial in `run_dir`: a new one, or the continuation of what is there."""
    models = _models(config, None, None)
    box = get_sandbox(config.sandbox)
    task = find_task(str(config.task))
    run = RunDir(run_dir)
    if run.has(RunDir.RUN):
        record = run.read_record()
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        record = run.write_record(config, task.id, box.name)
    return execute(_context(run, record, task, models, box, on_event))


def resume_trial(
    run_dir: Path,
    *,
    builder_model: ModelSpec | None = None,
    regenerator_model: RegeneratorSpec | None = None,
    on_event: EventHandler | None = None,
) -> TrialResult:
    """Continue a killed or interrupted run from its last completed step."""
    run = RunDir(run_dir)
    record = run.read_record()
    models = _models(record.config, builder_model, regenerator_model)
    task = find_task(str(record.config.task))
    box = get_sandbox(record.config.sandbox)
    return execute(_context(run, record, task, models, box, on_event))


def execute(context: TrialContext) -> TrialResult:
    """Run the workflow of one trial to its end, from wherever its checkpoint stands."""
    thread: Any = {"configurable": {"thread_id": context.run.name}}
    graph = build_graph(checkpointer(context.run))
    snapshot = graph.get_state(thread)
    if snapshot.values and not snapshot.next:
        return context.run.read_results()  # finished in an earlier process
    if "analyze" not in (snapshot.values or {}).get("steps", {}):
        context.collect_early()
    try:
        graph.invoke(None if snapshot.values else {}, thread, context=context)
    except KeyboardInterrupt:
        context.finish(graph.get_state(thread).values, "interrupted")
        raise
    except Exception as exc:  # the run stays resumable; the error is recorded, not lost
        message = f"{type(exc).__name__}: {exc}"
        return context.finish(graph.get_state(thread).values, "error", message)
    from experiments.reports import write_trial_report

    assert context.result is not None  # the last node wrote it
    write_trial_report(context.run.path, result=context.result, analyses=context.analyses)
    return context.result


def _config(**fields: Any) -> RunConfig:
    try:
        return RunConfig.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise ExperimentsError(f"--{field.replace('_', '-')}: {first['msg']}") from exc


def _model_id(spec: ModelSpec | RegeneratorSpec | None) -> str:
    if spec is None:
        return RunConfig.model_fields["builder_model"].default  # type: ignore[no-any-return]
    if isinstance(spec, Model):
        return spec.id
    if callable(spec):
        return spec("journal").id
    return spec


class _Models(NamedTuple):
    builder: Model
    regenerators: dict[str, Model]
    """One per arm."""


def _models(
    config: RunConfig, builder: ModelSpec | None, regenerator: RegeneratorSpec | None
) -> _Models:
    """The models of one trial, built from instances, factories or `provider/model` strings."""

    def make(spec: ModelSpec | RegeneratorSpec | None, fallback: str, arm: str) -> Model:
        if isinstance(spec, Model):
            return spec
        if callable(spec):
            return spec(arm)
        name = spec or fallback
        # --base-url is for the models that talk to a server; the others of the trial ignore it.
        url = config.base_url if takes_option(name, "base_url") else None
        return get_model(name, base_url=url)

    _check_base_url(config, builder, regenerator)
    return _Models(
        builder=make(builder, config.builder_model, "builder"),
        regenerators={arm: make(regenerator, config.regenerator_model, arm) for arm in config.arms},
    )


def _check_base_url(
    config: RunConfig, builder: ModelSpec | None, regenerator: RegeneratorSpec | None
) -> None:
    """A base URL that no model of the trial would use is a mistake worth one line."""
    if config.base_url is None:
        return
    names = [
        spec if isinstance(spec, str) else fallback
        for spec, fallback in (
            (builder, config.builder_model),
            (regenerator, config.regenerator_model),
        )
        if spec is None or isinstance(spec, str)
    ]
    if names and not any(takes_option(name, "base_url") for name in names):
        models = ", ".join(dict.fromkeys(names))
        raise ExperimentsError(
            f"--base-url: no model of this run talks to a server ({models}); "
            "fix: leave --base-url out, or use an openai-compatible/… model"
        )


def _context(
    run: RunDir,
    record: RunRecord,
    task: LoadedTask,
    models: _Models,
    sandbox: Sandbox,
    on_event: EventHandler | None,
) -> TrialContext:
    context = TrialContext(
        run=run,
        record=record,
        task=task,
        builder=models.builder,
        regenerators=models.regenerators,
        sandbox=sandbox,
        on_event=on_event or ignore,
    )
    if record.config.cache:
        _attach_cache([context.builder, *context.regenerators.values()], record.config.seed)
    return context


CACHED_PROVIDERS = frozenset({"anthropic", "openai", "openai-compatible"})
"""Hosted models are worth caching; local and scripted ones answer as fast without it."""


def _attach_cache(models: list[Model], trial: int) -> None:
    from agents.models import ResponseCache, default_cache_path

    cache = ResponseCache(default_cache_path())
    for model in models:
        if model.provider in CACHED_PROVIDERS:
            model.cache, model.trial = cache, trial

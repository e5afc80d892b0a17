"""Chaos for our own pipeline: faults between the journal-and-regenerate agents and their tools
and model, injected through the experiment's generic hooks (a tool middleware per agent role,
and model instances), each fault run as its own trials beside a fault-free baseline.

What "survived" means: the trial completed and nothing was lost against the baseline, which
runs the same models on the same task: no journal entry dropped, duplicated or garbled, no
file of the original missing, the same hidden-test pass rates. The report says, per fault, what
was lost and how fidelity moved.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agents import Journal, Toolbox, ToolHandler, ToolMiddleware, ToolResult, Workspace
from agents.models import Model, ToolCall, get_model, takes_option
from analysis import Estimate, bootstrap_mean, caveats_markdown, fmt, report_page
from chaos._config import PipelineChaos, load_pipeline_chaos
from chaos._faults import (
    JournalCorrupt,
    JournalDrop,
    JournalDuplicate,
    PipelineFault,
    PipelineModelError,
    PipelineModelTimeout,
    SandboxDenied,
    ToolErrorFault,
    TruncatedOutput,
    WrongOutput,
)
from chaos._model_faults import FaultyModel
from chaos._probes import ProbeResult, _model_probe
from chaos._schedule import ALWAYS, Trigger

FAKE_PASS = "exit code 0\n1 passed in 0.01s\n"
DENIED = "error: sandbox: permission denied (bwrap: setting up uid map: Operation not permitted)"

PIPELINE_FILE = "pipeline.json"
"""The typed result of a pipeline chaos run, beside its report."""


class Injection:
    """One pipeline fault at work in one trial: the middleware and model wrappers it hands to
    `experiments.run_trials`, and how often it fired, per agent role."""

    def __init__(self, fault: PipelineFault, seed: str) -> None:
        self.fault = fault
        self.seed = seed
        self.triggers: dict[str, Trigger] = {}
        self.models: list[FaultyModel] = []
        self.acknowledged: dict[str, int] = {}
        """Per role, journal entries the agent was told it wrote."""

    @property
    def fired(self) -> int:
        """Times the fault acted, all roles together."""
        return sum(t.fired for t in self.triggers.values()) + sum(m.fired for m in self.models)

    def _trigger(self, role: str) -> Trigger:
        if role not in self.triggers:
            self.triggers[role] = Trigger(
                self.fault.schedule, f"{self.seed}:{role}:{self.fault.name}"
            )
        return self.triggers[role]

    def middleware(self, role: str) -> ToolMiddleware | None:
        """What wraps the tool calls of the agent in `role` (None: the fault spares it)."""
        fault = self.fault
        if isinstance(fault, PipelineModelError | PipelineModelTimeout):
            return None
        if not fault.hits_role(role):
            return None

        def around(call: ToolCall, handler: ToolHandler) -> ToolResult:
            if not fault.hits_tool(call.name) or not self._trigger(role)():
                result = handler(call)
                self._count_journal(role, call, result)
                return result
            return self._apply(role, call, handler)

        return around

    def model(self, model: Model, role: str) -> Model:
        """`model` behind the fault, for a model fault that hits `role`."""
        fault = self.fault
        if isinstance(fault, PipelineModelError | PipelineModelTimeout) and (
            role.split(":", 1)[0] in fault.roles
        ):
            wrapped = FaultyModel(model, fault, f"{self.seed}:{role}")
            self.models.append(wrapped)
            return wrapped
        return model

    def _count_journal(self, role: str, call: ToolCall, result: ToolResult) -> None:
        if call.name == "journal" and not result.error:
            self.acknowledged[role] = self.acknowledged.get(role, 0) + 1

    def _apply(self, role: str, call: ToolCall, handler: ToolHandler) -> ToolResult:
        fault = self.fault
        if isinstance(fault, ToolErrorFault):
            return ToolResult(f"error: the {call.name} tool failed (injected fault)", error=True)
        if isinstance(fault, SandboxDenied):
            return ToolResult(DENIED, error=True)
        if isinstance(fault, JournalDrop):
            self._count_journal(role, call, ToolResult("added"))
            kind = call.arguments.get("kind", "step")
            return ToolResult(f"added journal #{self.acknowledged[role]} ({kind})")
        if isinstance(fault, JournalCorrupt):
            text = str(call.arguments.get("text", ""))
            call = call.model_copy(
                update={"arguments": {**call.arguments, "text": self.garble(text)}}
            )
        result = handler(call)
        self._count_journal(role, call, result)
        if isinstance(fault, JournalDuplicate) and not result.error:
            handler(call)
        if isinstance(fault, TruncatedOutput):
            return ToolResult(result.text[: fault.keep_chars], result.error, result.done)
        if isinstance(fault, WrongOutput):
            return ToolResult(_wrong(call.name, result.text), error=False, done=result.done)
        return result

    def garble(self, text: str) -> str:
        """The text with its words shuffled and its second half gone (seeded)."""
        words = text.split()
        random.Random(f"{self.seed}:{text}").shuffle(words)
        return " ".join(words[: max(1, len(words) // 2)])


def _wrong(tool: str, text: str) -> str:
    if tool == "run":
        return FAKE_PASS
    if tool == "list_files":
        return "(no files)"
    return ""


# --- probes: each fault on a real Toolbox in a scratch workspace ---
PROBE_CALLS = {
    "write_file": {
        "path": "probe.py",
        "content": "VALUE = 1  # the probe value: long enough to show a cut\n",
    },
    "read_file": {"path": "probe.py"},
    "list_files": {},
    "run": {"command": "printf 'probe output line %s\\n' 1 2 3 4 5 6; exit 3"},
    "journal": {"kind": "step", "text": "wrote probe.py holding the probe value one"},
}


def probe_pipeline_fault(fault: PipelineFault) -> ProbeResult:
    """Run the fault, forced on, around a real Toolbox (and a journal); compare with a control."""
    if isinstance(fault, PipelineModelError | PipelineModelTimeout):
        control, treatment, fired = _model_probe(fault.model_copy(update={"schedule": ALWAYS}))
        return ProbeResult(
            fault=fault.name,
            kind=fault.kind_name,
            fired=fired,
            control=control,
            treatment=treatment,
        )
    tool = (fault.tools or fault.default_tools)[0]
    control = _probe_run(None, tool)
    forced = fault.model_copy(update={"schedule": ALWAYS, "roles": ["builder"]})
    treatment = _probe_run(Injection(forced, "probe"), tool)
    return ProbeResult(
        fault=fault.name,
        kind=fault.kind_name,
        fired=control != treatment,
        control=control,
        treatment=treatment,
    )


def _probe_run(injection: Injection | None, tool: str) -> str:
    from sandbox import get_sandbox

    with tempfile.TemporaryDirectory(prefix="regenlab-chaos-probe-") as folder:
        journal = Journal(task="probe", style="structured")
        toolbox = Toolbox(
            Workspace(Path(folder)),
            get_sandbox("local"),
            journal=journal,
            middleware=injection.middleware("builder") if injection else None,
        )
        if tool in ("read_file", "list_files"):
            toolbox.call(
                ToolCall(id="setup", name="write_file", arguments=PROBE_CALLS["write_file"])
            )
        result = toolbox.call(ToolCall(id="probe", name=tool, arguments=PROBE_CALLS[tool]))
        files = sorted(p.name for p in Path(folder).iterdir() if not p.name.startswith("."))
        entries = [e.text for e in journal.entries]
    status = "error" if result.error else "ok"
    return f"{status}: {result.text[:80]!r}; files {files}; journal {entries}"


# --- the run ---
class ArmOutcome(BaseModel):
    """One arm of a trial under a fault, against the baseline trial."""

    fidelity: float | None
    baseline_fidelity: float | None


class FaultOutcome(BaseModel):
    """What one pipeline fault did, over its trials."""

    fault: str
    kind: str
    probe: ProbeResult
    fired: int
    """Times the fault acted in the trials (a result counts only when the probe fired and it
    acted in the run)."""
    trials: int
    completed: int
    """Trials that completed."""
    survived: bool
    """Every trial completed and nothing was lost against its baseline."""
    lost: list[str] = Field(default_factory=list)
    """What was lost, in words."""
    original_pass_rate: Estimate | None = None
    baseline_pass_rate: Estimate | None = None
    fidelity: dict[str, Estimate] = Field(default_factory=dict)
    """Per arm, fidelity under the fault."""
    fidelity_change: dict[str, Estimate] = Field(default_factory=dict)
    """Per arm, fidelity minus the baseline's, paired by trial."""
    run_dirs: list[str] = Field(default_factory=list)


class PipelineChaosResult(BaseModel):
    """The pipeline chaos run: the baseline and each fault."""

    folder: str
    name: str
    task: str
    baseline_completed: int
    trials: int
    faults: list[FaultOutcome]
    report: str


ModelFactory = Callable[[str], Model]


def run_pipeline_chaos(
    task: str | Path,
    *,
    chaos: Path,
    builder_model: str = "local/qwen2.5-coder-1.5b",
    regenerator_model: str = "local/qwen2.5-coder-1.5b",
    arms: Sequence[str] = ("journal", "prompt"),
    trials: int = 1,
    out: Path = Path("runs"),
    base_url: str | None = None,
    on_event: Callable[[str], None] | None = None,
    **run_options: Any,
) -> PipelineChaosResult:
    """`experiment run TASK --chaos FILE`: a baseline, then each fault of FILE, `trials` trials
    each, and a report of what survived. `run_options` go to `experiments.run_trials`."""
    from experiments import load_task_arg

    spec = load_pipeline_chaos(chaos)
    loaded = load_task_arg(task)  # a bad task: one line, before anything is made
    say = on_event or (lambda line: None)
    folder = out / f"chaos-{datetime.now().strftime('%Y%m%d-%H%M%S')}-{spec.name}"
    folder.mkdir(parents=True, exist_ok=True)

    def models(role: str) -> Model:
        name = builder_model if role == "builder" else regenerator_model
        return get_model(name, base_url=base_url if takes_option(name, "base_url") else None)

    common = {"arms": list(arms), **run_options}
    baseline = [
        _trial(loaded.task_file, folder / "baseline", models, None, spec.seed + t, common)
        for t in range(trials)
    ]
    say(f"baseline: {sum(r.status == 'completed' for r in baseline)}/{trials} completed")
    outcomes = []
    for fault in spec.faults:
        probe = probe_pipeline_fault(fault)
        injections = [Injection(fault, f"{spec.seed}:{t}") for t in range(trials)]
        results = [
            _trial(loaded.task_file, folder / _slug(fault.name), models, inj, spec.seed + t, common)
            for t, inj in enumerate(injections)
        ]
        outcome = assess(fault, probe, injections, results, baseline)
        say(
            f"{fault.name}: {'survived' if outcome.survived else 'lost ' + '; '.join(outcome.lost)}"
        )
        outcomes.append(outcome)
    result = PipelineChaosResult(
        folder=str(folder),
        name=spec.name,
        task=loaded.id,
        baseline_completed=sum(r.status == "completed" for r in baseline),
        trials=trials,
        faults=outcomes,
        report=str(folder / "report.md"),
    )
    write_pipeline_report(folder, result, spec)
    return result


def _trial(
    task: Path,
    out: Path,
    models: ModelFactory,
    injection: Injection | None,
    seed: int,
    common: dict[str, Any],
) -> Any:
    from experiments import run_trials

    wrap = injection.model if injection else (lambda model, role: model)
    [result] = run_trials(
        task,
        builder_model=wrap(models("builder"), "builder"),
        regenerator_model=lambda arm: wrap(models("regenerator"), f"regenerator:{arm}"),
        tool_middleware=injection.middleware if injection else None,
        trials=1,
        seed=seed,
        out=out,
        **common,
    )
    return result


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def assess(
    fault: PipelineFault,
    probe: ProbeResult,
    injections: Sequence[Injection],
    results: Sequence[Any],
    baseline: Sequence[Any],
) -> FaultOutcome:
    """Compare each trial under the fault with the baseline trial of the same seed."""
    lost: list[str] = []
    for result, base in zip(results, baseline, strict=True):
        lost += _losses(result, base)
    arms = sorted({arm for r in [*results, *baseline] for arm in r.fidelity})
    fidelity, change = {}, {}
    for arm in arms:
        pairs = [
            (r.fidelity.get(arm), b.fidelity.get(arm))
            for r, b in zip(results, baseline, strict=True)
        ]
        values = [v for v, _ in pairs if v is not None]
        if values:
            fidelity[arm] = bootstrap_mean(values)
        diffs = [v - b for v, b in pairs if v is not None and b is not None]
        if diffs:
            change[arm] = bootstrap_mean(diffs)
    completed = sum(r.status == "completed" for r in results)
    return FaultOutcome(
        fault=fault.name,
        kind=fault.kind_name,
        probe=probe,
        fired=sum(i.fired for i in injections),
        trials=len(results),
        completed=completed,
        survived=completed == len(results) and not lost,
        lost=sorted(set(lost)),
        original_pass_rate=_mean([r.pass_rates.get("original") for r in results]),
        baseline_pass_rate=_mean([b.pass_rates.get("original") for b in baseline]),
        fidelity=fidelity,
        fidelity_change=change,
        run_dirs=[r.run_dir for r in results],
    )


def _mean(values: Sequence[float | None]) -> Estimate | None:
    kept = [v for v in values if v is not None]
    return bootstrap_mean(kept) if kept else None


def _losses(result: Any, base: Any) -> list[str]:
    """What a trial under a fault lost against the baseline trial, in words."""
    if result.status != "completed":
        return [f"the trial ({result.status}: {(result.error or '')[:120]})"]
    lost = []
    mine, theirs = _journal_texts(Path(result.run_dir)), _journal_texts(Path(base.run_dir))
    missing = len([t for t in theirs if t not in mine])
    if len(mine) < len(theirs):
        lost.append(f"{len(theirs) - len(mine)} of {len(theirs)} journal entries")
    elif len(mine) > len(theirs):
        lost.append(f"journal integrity ({_entries(len(mine) - len(theirs))} written twice)")
    if missing and len(mine) >= len(theirs):
        lost.append(f"{_entries(missing)} garbled")
    files, base_files = _files(Path(result.run_dir)), _files(Path(base.run_dir))
    gone = sorted(base_files - files)
    if gone:
        lost.append(f"files of the original: {', '.join(gone)}")
    for name, rate in base.pass_rates.items():
        now = result.pass_rates.get(name)
        if now is not None and now < rate - 1e-9:
            lost.append(f"hidden tests on {name}: {rate:.0%} → {now:.0%}")
    return lost


def _entries(count: int) -> str:
    return f"{count} journal {'entry' if count == 1 else 'entries'}"


def _journal_texts(run_dir: Path) -> list[str]:
    path = run_dir / "journal.jsonl"
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    return [json.loads(line)["text"] for line in lines if line.strip()]


def _files(run_dir: Path) -> set[str]:
    root = run_dir / "original"
    if not root.is_dir():
        return set()
    # Hidden folders and caches (.git, .pytest_cache, __pycache__) are by-products, not work.
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file()
        and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(root).parts
        )
    }


def write_pipeline_report(folder: Path, result: PipelineChaosResult, spec: PipelineChaos) -> None:
    """report.md, report.html and pipeline.json of a pipeline chaos run."""
    (folder / PIPELINE_FILE).write_text(result.model_dump_json(indent=2), encoding="utf-8")
    caveats = [
        "Each fault's trials are compared with baseline trials of the same models and seeds; "
        "with a scripted mock model (a test double) the agents do not react to the faults, so "
        "the table shows what the pipeline keeps, not how an agent copes.",
    ]
    if result.trials < 3:
        caveats.append(f"{result.trials} trial(s) per fault: no interval is a finding.")
    silent = [f.fault for f in result.faults if not f.probe.fired or f.fired == 0]
    if silent:
        caveats.append(f"Faults that did not fire (left out of the verdicts): {', '.join(silent)}.")
    lines = [
        f"# Pipeline chaos: {result.name} on {result.task}",
        "",
        caveats_markdown(caveats),
        f"Baseline: {result.baseline_completed}/{result.trials} trial(s) completed. "
        f"{spec.description}".strip(),
        "",
        "| fault | fired (probe / run) | completed | survived | lost | original pass rate "
        "(baseline) | fidelity change per arm |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in result.faults:
        change = "; ".join(
            f"{arm}: {_show(v, 'ratio', difference=True)}" for arm, v in f.fidelity_change.items()
        )
        lines.append(
            f"| {f.fault} | {'yes' if f.probe.fired else 'no'} / {f.fired} | "
            f"{f.completed}/{f.trials} | {'**yes**' if f.survived else 'no'} | "
            f"{'; '.join(f.lost) or 'nothing'} | {_show(f.original_pass_rate)} "
            f"({_show(f.baseline_pass_rate)}) | {change or '-'} |"
        )
    lines += ["", "## Probes", "", "| fault | without the fault | with it |", "|---|---|---|"]
    for f in result.faults:
        lines.append(f"| {f.fault} | {_cell(f.probe.control)} | {_cell(f.probe.treatment)} |")
    markdown = "\n".join(lines) + "\n"
    (folder / "report.md").write_text(markdown, encoding="utf-8")
    (folder / "report.html").write_text(report_page(f"Pipeline chaos: {result.name}", markdown))


def _show(est: Estimate | None, kind: fmt.Kind = "pct", *, difference: bool = False) -> str:
    """An estimate; a single trial's value alone (the caveats say it has no interval)."""
    if est is not None and est.n == 1:
        return fmt.value(est.mean, kind, difference=difference)
    return fmt.estimate(est, kind, difference=difference)


def _cell(text: str, limit: int = 90) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""What the `experiment` commands print: trials, tasks, task checks, model checks, and the live
progress of a trial or an experiment (rich, on the console).

Everything interpolated is escaped: brackets in paths and messages are text, not rich markup.
rich and `analysis.fmt` are imported inside the printers: `experiment --help` loads neither.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from agents.models import ModelCheck
    from experiments._check import TaskCheck
    from experiments._events import ProgressEvent
    from experiments._matrix import ExperimentProgress
    from experiments._results import TrialResult
    from experiments._tasks import LoadedTask


def esc(value: object) -> str:
    """`value` as text that rich prints as it is: brackets in messages and paths are not markup."""
    from rich.markup import escape

    return escape(str(value))


def console(stderr: bool = False) -> Console:
    """The console the commands print to."""
    from rich.console import Console

    # Errors stay on one line however narrow the terminal; tables and panels wrap.
    return Console(stderr=stderr, highlight=False, soft_wrap=stderr)


def print_json(data: Any) -> None:
    """`data` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def print_trial(result: TrialResult) -> None:
    """A finished (or failed) trial: one row per codebase, then its error and notes."""
    from rich.table import Table

    from analysis import fmt

    out = console()
    table = Table("codebase", "pass rate", "passed", "fidelity", "agent stop", "turns", "cost")
    for name, tests in result.tests.items():
        agent = result.builder if name == "original" else result.regenerators.get(name)
        fid = result.fidelity.get(name)
        table.add_row(
            esc(name),
            fmt.rate(tests.pass_rate),
            f"{tests.passed}/{tests.total}",
            "-" if name == "original" else fmt.ratio(fid),
            esc(agent.stop_reason) if agent else "-",
            str(agent.turns) if agent else "-",
            fmt.usd(agent.usage.cost_usd if agent else None),
        )
    table.title = esc(f"{result.task}: {result.status} ({result.run_dir})")
    out.print(table)
    if result.error:
        out.print(f"[red]error:[/red] {esc(result.error)}")
        out.print(f"resume with: experiment resume {esc(result.run_dir)}")
    for note in result.notes:
        out.print(f"[yellow]note:[/yellow] {esc(note)}")


def print_wall_time(started: float) -> None:
    """How long the command took, from `time.monotonic()` at its start."""
    import time

    from analysis import fmt

    console().print(f"wall time: {fmt.duration(time.monotonic() - started)}")


class ProgressPrinter:
    """Prints a trial's progress events as they come, and remembers the run directory."""

    def __init__(self, run_dir: str | None = None) -> None:
        self.run_dir = run_dir
        """The run directory of the trial under way (for the resume hint)."""
        self.out = console()

    def __call__(self, event: ProgressEvent) -> None:
        from agents import ToolEvent
        from analysis import fmt
        from experiments._events import AgentStarted, JournalSealed, TestsFinished, TrialStarted

        out = self.out
        if isinstance(event, TrialStarted):
            self.run_dir = event.run_dir
            out.print(f"[bold]trial {event.trial}/{event.of}[/bold] → {esc(event.run_dir)}")
        elif isinstance(event, ToolEvent):
            mark = "[red]✗[/red]" if event.error else "·"
            what = esc(f"{event.role} turn {event.turn}: {event.tool} {event.target}")
            out.print(f"  {mark} {what}  [dim]({event.output_tokens} output tokens)[/dim]")
        elif isinstance(event, TestsFinished):
            out.print(f"  hidden tests on {esc(event.codebase)}: {fmt.rate(event.pass_rate)}")
        elif isinstance(event, AgentStarted):
            out.print(f"[cyan]{esc(event.step)}[/cyan] with {esc(event.model)}")
        elif isinstance(event, JournalSealed):
            out.print(f"[cyan]seal_journal[/cyan]: {event.entries} entries")


def experiment_line(p: ExperimentProgress) -> str:
    """The live line of an experiment: trials done / running / failed, tokens, cost, ETA."""
    from analysis import fmt

    eta = "-" if p.eta_s is None else f"{p.eta_s:.0f} s"
    tokens = p.usage.input_tokens + p.usage.output_tokens
    return (
        f"trials {p.done + p.skipped}/{p.total} done · {len(p.running)} running · "
        f"{len(p.failed)} failed · {tokens} tokens · {p.usage.retries} retries · "
        f"cost {fmt.usd(p.usage.cost_usd)} · ETA {eta}"
    )


@contextmanager
def live_line(out: Console) -> Iterator[Callable[[str], None]]:
    """One line redrawn in place; ended with a newline however the output is connected."""
    from rich.live import Live
    from rich.text import Text

    try:
        with Live(console=out, auto_refresh=False, transient=False) as live:
            yield lambda text: live.update(Text(text), refresh=True)
    finally:
        if not out.is_terminal:
            out.line()  # off a terminal, Live prints its last line at the end, unended


def print_experiment_end(folder: Path, p: ExperimentProgress) -> None:
    """The summary of an experiment run: finished and failed trials, why it stopped."""
    from experiments._rundir import ExperimentDir

    out = console()
    out.print(
        f"{p.done + p.skipped}/{p.total} trials finished, "
        f"{len(p.failed)} failed → {esc(ExperimentDir(folder).results_log)}"
    )
    for key, error in p.errors.items():
        out.print(f"[red]failed[/red] {esc(key)}: {esc(error)}", soft_wrap=True)
    if p.stopped:
        out.print(f"[yellow]stopped:[/yellow] {esc(p.stopped)}")
    if p.failed:
        out.print(f"rerun the failed ones with: experiment retry {esc(folder)} --failed")


def task_summary(task: LoadedTask) -> dict[str, Any]:
    """A task's one-line facts, as JSON."""
    return {
        "id": task.id,
        "title": task.spec.title,
        "difficulty": task.spec.difficulty,
        "hidden_tests": task.hidden_test_count,
        "folder": str(task.folder),
    }


def print_task_table(tasks: tuple[LoadedTask, ...]) -> None:
    """The tasks, one row each."""
    from rich.table import Table

    table = Table("id", "title", "difficulty", "hidden tests", title=f"{len(tasks)} task(s)")
    for task in tasks:
        row = (task.id, task.spec.title, task.spec.difficulty, str(task.hidden_test_count))
        table.add_row(*(esc(cell) for cell in row))
    console().print(table)


def print_task(task: LoadedTask) -> None:
    """One task: its settings, then its prompt."""
    from rich.markdown import Markdown
    from rich.panel import Panel
    from rich.table import Table

    spec = task.spec
    facts = Table.grid(padding=(0, 2))
    rows = [
        ("id", spec.id),
        ("title", spec.title),
        ("difficulty", spec.difficulty),
        ("language", spec.language),
        ("tags", ", ".join(spec.tags) or "-"),
        ("folder", str(task.folder)),
        ("hidden tests", f"{task.hidden_test_count} in {len(task.hidden_test_files)} file(s)"),
        ("tests", f"timeout {spec.tests.timeout_s} s, import root {spec.tests.import_root!r}"),
        (
            "limits",
            f"{spec.limits.max_turns} turns, {spec.limits.max_output_tokens} output tokens, "
            f"{spec.limits.timeout_s} s",
        ),
        ("visible tests", str(task.visible_tests_dir) if task.visible_tests_dir else "none"),
    ]
    for name, value in rows:
        facts.add_row(f"[bold]{name}[/bold]", esc(value))
    out = console()
    out.print(facts)
    out.print(Panel(Markdown(spec.prompt), title="prompt", title_align="left"))


def print_checks(checks: list[TaskCheck]) -> None:
    """`experiment tasks check`: each task's scores on its reference, empty and mutant code."""
    from rich.table import Table

    from analysis import fmt

    table = Table("task", "tests", "reference", "empty", "mutant", "removed", "result")
    for c in checks:
        mutant = "-" if c.mutant is None else fmt.rate(c.mutant)
        verdict = "[green]ok[/green]" if c.ok else "[red]FAIL[/red]"
        row = (c.task, str(c.tests), fmt.rate(c.reference), fmt.rate(c.empty), mutant)
        table.add_row(*(esc(cell) for cell in (*row, c.removed or "-")), verdict)
    backend = checks[0].backend if checks else "-"
    table.title = f"{sum(c.ok for c in checks)}/{len(checks)} task(s) ok (sandbox: {backend})"
    out = console()
    out.print(table)
    for c in checks:
        for problem in c.problems:
            out.print(f"[red]{esc(c.task)}:[/red] {esc(problem)}")


def print_model_check(result: ModelCheck) -> None:
    """`experiment models check`: the reply, its speed and its usage."""
    from rich.panel import Panel

    from analysis import fmt

    usage = result.usage
    speed = f"{result.tokens_per_second:.1f} tokens/s" if result.tokens_per_second else "n/a"
    cost = (
        "unknown (no price for this model)"
        if usage.cost_usd is None
        else fmt.usd(usage.cost_usd, digits=6)
    )
    out = console()
    out.print(f"[bold]model[/bold]   {esc(result.model)}")
    out.print(f"[bold]prompt[/bold]  {esc(result.prompt)}")
    out.print(Panel(esc(result.reply or "(empty reply)"), title="reply", title_align="left"))
    out.print(
        f"[bold]speed[/bold]   {speed}  (load {result.load_s:.2f} s, call {usage.latency_s:.2f} s)"
    )
    out.print(
        f"[bold]usage[/bold]   input {usage.input_tokens} · output {usage.output_tokens} · "
        f"cached {usage.cached_tokens} · retries {usage.retries} · cost {cost}"
    )
    for note in result.notes:
        out.print(f"[yellow]note[/yellow]    {esc(note)}")

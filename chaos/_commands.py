"""The library behind the smaller `experiment chaos` commands: list and check the tasks, probe
the faults, serve the web world for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from chaos._agents import OracleAgent
from chaos._browser import Browser
from chaos._config import BUNDLED, load_config
from chaos._episode import run_episode
from chaos._errors import ChaosConfigError
from chaos._faults import WebFault
from chaos._probes import ProbeResult, probe
from chaos._server import WebWorld
from chaos._tasks import WebTask, bundled_tasks, select_tasks


class TaskProof(BaseModel):
    """The oracle on one task without faults: does its plan solve it?"""

    task: str
    requires: list[str]
    solved: bool
    steps: int
    problems: list[str]
    """Why not, when it did not."""


def list_web_tasks() -> list[WebTask]:
    """The web world's tasks."""
    return list(bundled_tasks())


def check_web_tasks(tasks: list[str] | None = None) -> list[TaskProof]:
    """Run each task's oracle without faults: proof that every task is solvable here."""
    chosen = select_tasks(bundled_tasks(), tasks or [])
    proofs = []
    with WebWorld() as world, Browser() as browser:
        for task in chosen:
            run = run_episode(
                world=world,
                browser=browser,
                task=task,
                agent=OracleAgent(),
                fault=None,
                phase="before",
                trial=0,
                seed="check",
            )
            episode = run.episode
            problems = episode.check_failures + ([episode.reason] if episode.reason else [])
            proofs.append(
                TaskProof(
                    task=task.id,
                    requires=list(task.requires),
                    solved=episode.success,
                    steps=episode.steps,
                    problems=problems,
                )
            )
    return proofs


def probe_faults(
    config: Path | None = None, *, faults: list[str] | None = None
) -> list[ProbeResult]:
    """Every fault of a chaos.yaml (the bundled one by default) on its probe."""
    chosen: list[WebFault] = list(load_config(config or BUNDLED).method.faults)
    if faults:
        chosen = [f for f in chosen if f.kind_name in faults]
        if not chosen:
            raise ChaosConfigError(
                f"--faults: none of {faults} is in the config; fix: name its kinds"
            )
    with WebWorld() as world, Browser() as browser:
        return [probe(fault, world, browser) for fault in chosen]


@contextmanager
def serve_world(port: int = 0) -> Iterator[WebWorld]:
    """The web world, served until the block ends (for a person and a browser of their own)."""
    with WebWorld(port) as world:
        yield world

"""A Chaos Toolkit extension: the lab's probes and episodes as functions that `chaos run`
(chaostoolkit on PyPI) can call from an experiment file (provider type `python`, module
`chaos.toolkit`); chaos/experiments/chaostoolkit.json is one.

Each call starts its own web world and browser and stops them before it returns, so an
activity leaves nothing running and needs no rollback.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

__all__ = ["fault_fires", "success_rate"]


def _fault(spec: dict[str, Any] | None) -> Any:
    from chaos._faults import WebFault

    return None if spec is None else TypeAdapter(WebFault).validate_python(spec)


def fault_fires(fault: dict[str, Any]) -> bool:
    """Probe: whether `fault` (a fault of chaos.yaml, e.g. {"kind": "popup"}) fires on its probe."""
    from chaos._browser import Browser
    from chaos._probes import probe
    from chaos._server import WebWorld

    with WebWorld() as world, Browser() as browser:
        return probe(_fault(fault), world, browser).fired


def success_rate(
    agent: str = "heuristic", tasks: list[str] | None = None, fault: dict[str, Any] | None = None
) -> float:
    """Probe: the share of `tasks` (default: all) an agent (oracle or heuristic) solves, with
    `fault` in the browser (default: none), one episode each."""
    from chaos._agents import HeuristicAgent, OracleAgent
    from chaos._browser import Browser
    from chaos._episode import run_episode
    from chaos._server import WebWorld
    from chaos._tasks import bundled_tasks, select_tasks

    actor = {"oracle": OracleAgent, "heuristic": HeuristicAgent}[agent]()
    chosen = select_tasks(bundled_tasks(), tasks or [])
    parsed = _fault(fault)
    solved = 0
    with WebWorld() as world, Browser() as browser:
        for task in chosen:
            run = run_episode(
                world=world,
                browser=browser,
                task=task,
                agent=actor,
                fault=parsed,
                phase="method",
                trial=0,
                seed=f"toolkit:{task.id}",
            )
            solved += run.episode.success
    return solved / len(chosen)

"""The web world in Debian's Chromium: every fault proves it fired on its probe, the heuristic
agent recovers where the oracle does not, and nothing is left running afterwards."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from chaos import Browser, HeuristicAgent, OracleAgent, WebWorld, load_config, probe, run_episode
from chaos._config import BUNDLED
from chaos._faults import (
    MalformedToolCall,
    ModelHttpError,
    ModelTimeout,
    NetworkError,
    Popup,
    WebFault,
)
from chaos._schedule import Schedule
from chaos._tasks import bundled_tasks, select_tasks
from tests.chaos.conftest import need_browser

pytestmark = pytest.mark.slow

CATALOGUE: list[WebFault] = [
    *load_config(BUNDLED).method.faults,
    NetworkError(error="aborted"),
    ModelHttpError(),
    ModelTimeout(),
    MalformedToolCall(),
]


def test_every_fault_of_the_catalogue_fires_on_its_probe(world: WebWorld, browser: Browser) -> None:
    kinds = set()
    for fault in CATALOGUE:
        result = probe(fault, world, browser)
        assert result.fired, f"{fault.name}: without {result.control!r}, with {result.treatment!r}"
        kinds.add(fault.kind_name)
    assert len(kinds) == 16  # every kind of the web catalogue


def test_the_careful_agent_recovers_where_the_script_does_not(
    world: WebWorld, browser: Browser
) -> None:
    tasks = select_tasks(bundled_tasks(), ["product-price", "newsletter-signup", "loyalty-points"])
    faults: list[WebFault] = [
        Popup(schedule=Schedule(first=1)),
        NetworkError(schedule=Schedule(first=1)),
    ]
    solved = {"oracle": 0, "heuristic": 0}
    for fault in faults:
        for agent in (OracleAgent(), HeuristicAgent()):
            for task in tasks:
                run = run_episode(
                    world=world,
                    browser=browser,
                    task=task,
                    agent=agent,
                    fault=fault,
                    phase="method",
                    trial=0,
                    seed="t",
                )
                assert run.episode.fired >= 1, (fault.name, task.id)
                solved[agent.name] += run.episode.success
    assert solved == {"oracle": 0, "heuristic": 6}


def _children(pid: int) -> set[int]:
    """Every live descendant of `pid`, read from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_the_world_the_browser_and_an_agent_leave_nothing_behind() -> None:
    need_browser()
    before = _children(os.getpid())
    task = select_tasks(bundled_tasks(), ["cart-two-kettles"])[0]
    with WebWorld() as world, Browser() as browser:
        port = world.port
        assert _children(os.getpid()) - before, "Chromium runs while the browser is open"
        run = run_episode(
            world=world,
            browser=browser,
            task=task,
            agent=HeuristicAgent(),
            fault=Popup(),
            phase="method",
            trial=0,
            seed="t",
        )
        assert run.episode.success
    assert _children(os.getpid()) - before == set()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass

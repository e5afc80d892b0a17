"""The labs' commands, each a sub-app under `experiment`: the one place the core names a lab.

Each lab's cli module imports only typer at import time, so `experiment --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer


def register_labs(app: typer.Typer) -> None:
    """Hang every lab's commands off the `experiment` app."""
    from chaos.cli import chaos_app
    from infra.cli import cloud_app
    from intent.cli import intent_app
    from robustness.cli import robustness_app
    from training.cli import train_app
    from voice.cli import voice_app

    app.add_typer(cloud_app, name="cloud")
    app.add_typer(voice_app, name="voice")
    app.add_typer(train_app, name="train")
    app.add_typer(robustness_app, name="robustness")
    app.add_typer(intent_app, name="intent")
    app.add_typer(chaos_app, name="chaos")


def run_with_chaos(task: str, *, chaos: Path, **options: Any) -> None:
    """`experiment run TASK --chaos FILE`: the chaos lab's faults in the pipeline, each beside a
    baseline, and the table of what survived (chaos.cli.run_with_chaos)."""
    from chaos.cli import run_with_chaos as run

    run(task, chaos=chaos, **options)

"""Shared helpers of the real-training tests: the dependency gate and the tiny configuration."""

from __future__ import annotations

import importlib.util
import os
from typing import Any

import pytest

from training import Strategy, TrainConfig


def require(*modules: str) -> None:
    """Skip when a training dependency is missing; in CI (env CI set) fail instead."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return
    message = f"{', '.join(missing)} not installed (scripts/setup installs the training extra)"
    if os.environ.get("CI"):
        pytest.fail(f"CI must test training: {message}")
    pytest.skip(message)


def tiny(strategy: Strategy, **overrides: Any) -> TrainConfig:
    """The CI configuration: ~0.86M parameters, 2 ranks, 64-token sequences, global batch 8."""
    values: dict[str, Any] = {
        "model_size": "tiny",
        "seq_len": 64,
        "micro_batch": 4,
        "steps": 30,
        "lr": 1e-3,
        "seed": 0,
        "world_size": 2,
        "eval_every": 10,
    }
    return TrainConfig(strategy=strategy, **{**values, **overrides})

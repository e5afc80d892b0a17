"""regenlab's distributed training lab: one process, DDP, FSDP2 and DeepSpeed ZeRO 1/2/3 compared.

Memory per rank against ZeRO's formulas, throughput, loss, and fault tolerance (a rank killed
mid-training restarts from a sharded checkpoint). Commands: `experiment train …`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from training._compare import (
        CompareConfig,
        default_core,
        load_config,
        parse_strategies,
        run_compare,
        run_one,
    )
    from training._formulas import all_stages, format_bytes, model_state_memory
    from training._launch import free_port
    from training._measure import peak_rss_bytes
    from training._report import scaling_table
    from training._types import (
        STRATEGIES,
        FormulaMemory,
        RankMemory,
        StepRecord,
        Strategy,
        TrainConfig,
        TrainingError,
        TrainResult,
        TrainSettings,
    )

# The lab loads heavy libraries (torch, pipecat, numpy): names are imported on first use.
_EXPORTS = {
    "default_core": "training._compare",
    "StepRecord": "training._types",
    "RankMemory": "training._types",
    "peak_rss_bytes": "training._measure",
    "free_port": "training._launch",
    "CompareConfig": "training._compare",
    "FormulaMemory": "training._types",
    "STRATEGIES": "training._types",
    "Strategy": "training._types",
    "TrainConfig": "training._types",
    "TrainResult": "training._types",
    "TrainSettings": "training._types",
    "TrainingError": "training._types",
    "all_stages": "training._formulas",
    "format_bytes": "training._formulas",
    "load_config": "training._compare",
    "model_state_memory": "training._formulas",
    "parse_strategies": "training._compare",
    "run_compare": "training._compare",
    "run_one": "training._compare",
    "scaling_table": "training._report",
}

__all__ = [
    "STRATEGIES",
    "CompareConfig",
    "FormulaMemory",
    "RankMemory",
    "StepRecord",
    "Strategy",
    "TrainConfig",
    "TrainResult",
    "TrainSettings",
    "TrainingError",
    "all_stages",
    "default_core",
    "format_bytes",
    "free_port",
    "load_config",
    "model_state_memory",
    "parse_strategies",
    "peak_rss_bytes",
    "run_compare",
    "run_one",
    "scaling_table",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

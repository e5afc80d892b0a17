"""regenlab's prompt-robustness lab: hundreds of meaning-preserving variants of an application's
prompts (format, structure, length, noise, paraphrase) and meaning-changing controls, run
through our model layer, with drops, flip rates and Robust Pass measured against the clean
prompt's own noise floor, 95 % intervals over test cases and Holm-corrected fragility calls.
promptfoo suites are read as they are, and suites round-trip through promptfoo itself.

Commands: `experiment robustness variants | run | report | export | import`. Names are imported
on first use, so that `experiment --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from robustness._checks import CaseVerdict, CheckResult, extract_json, grade
    from robustness._errors import RobustnessError, SuiteError, ToolMissing
    from robustness._interop import Agreement, Imported, export_promptfoo, import_promptfoo
    from robustness._load import LoadedSuite, Prompt, load_suite
    from robustness._metrics import Metrics, compute_metrics
    from robustness._paraphrase import paraphrase_variants
    from robustness._plan import Call, messages_for, plan_calls
    from robustness._posix import LlamaScorer, posix
    from robustness._promptfoo import Export, suite_from_promptfoo
    from robustness._records import CallRecord, RunInfo
    from robustness._report import ReportPaths, write_report
    from robustness._runner import Progress, Runner, run_suite
    from robustness._suite import FAMILIES, Assertion, Case, Profile, Suite
    from robustness._tool import promptfoo_command
    from robustness._variants import KINDS, Variant, VariantCheck, generate_variants, make_variants

_EXPORTS = {
    "CaseVerdict": "robustness._checks",
    "CheckResult": "robustness._checks",
    "extract_json": "robustness._checks",
    "grade": "robustness._checks",
    "RobustnessError": "robustness._errors",
    "SuiteError": "robustness._errors",
    "ToolMissing": "robustness._errors",
    "Agreement": "robustness._interop",
    "Imported": "robustness._interop",
    "export_promptfoo": "robustness._interop",
    "import_promptfoo": "robustness._interop",
    "LoadedSuite": "robustness._load",
    "Prompt": "robustness._load",
    "load_suite": "robustness._load",
    "Metrics": "robustness._metrics",
    "compute_metrics": "robustness._metrics",
    "paraphrase_variants": "robustness._paraphrase",
    "Call": "robustness._plan",
    "messages_for": "robustness._plan",
    "plan_calls": "robustness._plan",
    "LlamaScorer": "robustness._posix",
    "posix": "robustness._posix",
    "Export": "robustness._promptfoo",
    "suite_from_promptfoo": "robustness._promptfoo",
    "CallRecord": "robustness._records",
    "RunInfo": "robustness._records",
    "ReportPaths": "robustness._report",
    "write_report": "robustness._report",
    "Progress": "robustness._runner",
    "Runner": "robustness._runner",
    "run_suite": "robustness._runner",
    "FAMILIES": "robustness._suite",
    "Assertion": "robustness._suite",
    "Case": "robustness._suite",
    "Profile": "robustness._suite",
    "Suite": "robustness._suite",
    "promptfoo_command": "robustness._tool",
    "KINDS": "robustness._variants",
    "Variant": "robustness._variants",
    "VariantCheck": "robustness._variants",
    "generate_variants": "robustness._variants",
    "make_variants": "robustness._variants",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'robustness' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = [
    "FAMILIES",
    "KINDS",
    "Agreement",
    "Assertion",
    "Call",
    "CallRecord",
    "Case",
    "CaseVerdict",
    "CheckResult",
    "Export",
    "Imported",
    "LlamaScorer",
    "LoadedSuite",
    "Metrics",
    "Profile",
    "Progress",
    "Prompt",
    "ReportPaths",
    "RobustnessError",
    "RunInfo",
    "Runner",
    "Suite",
    "SuiteError",
    "ToolMissing",
    "Variant",
    "VariantCheck",
    "compute_metrics",
    "export_promptfoo",
    "extract_json",
    "generate_variants",
    "grade",
    "import_promptfoo",
    "load_suite",
    "make_variants",
    "messages_for",
    "paraphrase_variants",
    "plan_calls",
    "posix",
    "promptfoo_command",
    "run_suite",
    "suite_from_promptfoo",
    "write_report",
]

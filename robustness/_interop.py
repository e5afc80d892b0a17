"""`experiment robustness export --promptfoo` and `experiment robustness import`.

The export holds one promptfoo prompt per variant (its label is the variant's id) and one test
per planned call, limited to its variant's prompt; each test's metadata carries the variant's
tags, the case, the repeat and the call's seed. The import grades promptfoo's replies with our
checks, writes a run folder like `run` does (results, metrics, report) and compares promptfoo's
verdict with ours on every test whose checks were all exported with our meaning.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field

from robustness._checks import Graders, Reply, case_assertions, grade, redirected
from robustness._errors import SuiteError
from robustness._graders import RunGraders, judge_for
from robustness._load import LoadedSuite, load_suite
from robustness._plan import Call, plan_calls
from robustness._promptfoo import (
    CONFIG_FILE,
    EXPORT_FILE,
    PROVIDER_FILE,
    PROVIDER_SOURCE,
    Export,
    export_assertion,
)
from robustness._records import (
    RUN_FILE,
    CallRecord,
    CheckRecord,
    ResultsLog,
    RunInfo,
    write_json,
    write_variants,
)
from robustness._runner import _versions
from robustness._variants import Variant, generate_variants

AGREEMENT_FILE = "agreement.json"


class ExportInfo(BaseModel):
    """regenlab.json, beside the exported promptfooconfig.yaml: what the import needs."""

    suite: str
    """The suite file (absolute)."""
    digest: str
    """The suite's digest when exported."""
    profile: str
    """The profile whose calls were exported."""
    model: str
    """provider/model the provider calls."""
    variants: list[Variant]
    """Every exported variant."""
    unmapped: list[str] = Field(default_factory=list)
    """What was not exported."""


def _prompt(variant: Variant) -> dict[str, Any]:
    chat = ([{"role": "system", "content": variant.system}] if variant.system else []) + [
        {"role": "user", "content": variant.user}
    ]
    return {"label": variant.id, "raw": json.dumps(chat, ensure_ascii=False)}


def _test(loaded: LoadedSuite, call: Call, unmapped: list[str]) -> dict[str, Any]:
    case, variant = call.case, call.variant
    checks = case_assertions(loaded.suite, case)
    if variant.relation == "DIR":
        checks = redirected(checks, variant.expect_map)
    exported, comparable = [], True
    for check in checks:
        out, ours = export_assertion(check, loaded.suite.output.json_schema)
        if out is None:
            note = f"case {case.id}: {check.type} has no promptfoo counterpart; not exported"
            if note not in unmapped:
                unmapped.append(note)
            comparable = False
            continue
        exported.append(out)
        comparable = comparable and ours
    threshold = case.threshold if case.threshold is not None else loaded.suite.threshold
    test: dict[str, Any] = {
        "description": f"{case.id} x {variant.id} #{call.repeat}",
        "vars": case.vars,
        "prompts": [variant.id],
        "assert": exported,
        "metadata": {
            "regenlab_key": call.key,
            "case_id": case.id,
            "variant_id": variant.id,
            "prompt_id": variant.prompt_id,
            "family": variant.family,
            "kind": variant.kind,
            "severity": variant.severity,
            "seed": variant.seed,
            "relation": variant.relation,
            "repeat": call.repeat,
            "call_seed": call.seed,
            "comparable": comparable,
        },
    }
    if threshold is not None:
        test["threshold"] = threshold
    return test


def export_promptfoo(
    suite: Path | str, *, out: Path, profile: str = "quick", model: str | None = None
) -> Export:
    """Write promptfooconfig.yaml, regenlab_provider.py and regenlab.json into `out`."""
    loaded = load_suite(suite)
    model = model or loaded.suite.model
    variants = generate_variants(loaded)
    calls = plan_calls(loaded, variants, loaded.profile(profile), loaded.suite.variants.seed)
    used = list(dict.fromkeys(c.variant.id for c in calls))
    by_id = {v.id: v for v in variants}
    unmapped: list[str] = []
    if "paraphrase" in (loaded.profile(profile).families or loaded.suite.variants.families):
        unmapped.append("paraphrase variants are written by a model at run time; not exported")
    tests = [_test(loaded, call, unmapped) for call in calls]
    generation = loaded.suite.generation
    provider: dict[str, Any] = {
        "id": f"file://{PROVIDER_FILE}",
        "label": model,
        "config": {
            "model": model,
            "max_output_tokens": generation.max_output_tokens,
            "timeout_s": generation.timeout_s,
        },
    }
    if generation.temperature is not None:
        provider["config"]["temperature"] = generation.temperature
    if loaded.suite.base_url:
        provider["config"]["base_url"] = loaded.suite.base_url
    config: dict[str, Any] = {
        "description": f"{loaded.suite.name}: {profile} profile, exported by regenlab",
        "prompts": [_prompt(by_id[v]) for v in used],
        "providers": [provider],
        "tests": tests,
        "metadata": {"regenlab_export": str((out / EXPORT_FILE).resolve())},
    }
    # Repeats of the clean prompt must be fresh calls (the noise floor), never promptfoo's
    # cached reply; and one embedded model runs in one process (parallel workers would each load
    # their own copy on the same cores).
    config["evaluateOptions"] = {"cache": False}
    if model.startswith("local/"):
        config["evaluateOptions"]["maxConcurrency"] = 1
    out.mkdir(parents=True, exist_ok=True)
    (out / CONFIG_FILE).write_text(
        yaml.safe_dump(config, sort_keys=False, allow_unicode=True, width=100), encoding="utf-8"
    )
    (out / PROVIDER_FILE).write_text(PROVIDER_SOURCE, encoding="utf-8")
    info = ExportInfo(
        suite=str(loaded.path.resolve()),
        digest=loaded.digest(),
        profile=profile,
        model=model,
        variants=[by_id[v] for v in used],
        unmapped=unmapped,
    )
    write_json(out / EXPORT_FILE, info)
    return Export(out / CONFIG_FILE, out / PROVIDER_FILE, len(used), len(tests), unmapped)


class Agreement(BaseModel):
    """promptfoo's verdicts against ours on the same replies."""

    compared: int
    """Tests whose checks were all exported with our meaning."""
    agreed: int
    """Of those, tests where promptfoo's pass/fail equals ours."""
    not_comparable: int
    """Tests with a check promptfoo could not run as ours (hidden tests, LLM rubric)."""
    disagreements: list[str] = Field(default_factory=list)
    """Keys of the tests where the verdicts differ."""


class Imported(BaseModel):
    """What `import` made."""

    folder: str
    """The run folder written."""
    agreement: Agreement
    """promptfoo's verdicts against ours."""


def _export_info(results: dict[str, Any], path: Path) -> ExportInfo:
    metadata = (results.get("config") or {}).get("metadata") or {}
    location = metadata.get("regenlab_export")
    candidates = [Path(location)] if location else []
    candidates.append(path.parent / EXPORT_FILE)
    for candidate in candidates:
        if candidate.is_file():
            return ExportInfo.model_validate_json(candidate.read_text(encoding="utf-8"))
    raise SuiteError(
        f"{path}: no {EXPORT_FILE} found (the promptfoo config was not written by "
        "`experiment robustness export --promptfoo`); fix: export the suite and run promptfoo "
        "on that config, or run a promptfoo config directly with `experiment robustness run`"
    )


def _rows(results: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    rows = (results.get("results") or {}).get("results")
    if not isinstance(rows, list):
        raise SuiteError(
            f"{path}: field 'results.results' is missing; fix: give the JSON that "
            "`promptfoo eval -o results.json` writes"
        )
    return rows


def import_promptfoo(
    results: Path, *, out: Path | None = None, resamples: int = 10_000
) -> Imported:
    """Grade promptfoo's replies with our checks; write a run folder and the agreement."""
    from robustness._report import write_report
    from usererrors import read_text

    try:
        data = json.loads(read_text(results, SuiteError, limit=200_000_000))
    except ValueError as exc:
        raise SuiteError(
            f"{results}: not JSON ({exc}); fix: give promptfoo's results file"
        ) from exc
    info = _export_info(data, results)
    loaded = load_suite(info.suite)
    if loaded.digest() != info.digest:
        raise SuiteError(
            f"{info.suite}: changed since it was exported; fix: export it again and rerun promptfoo"
        )
    variants = {v.id: v for v in info.variants}
    cases = {c.id: c for c in loaded.cases}
    folder = (
        out
        or Path("runs")
        / f"robustness-{datetime.now(UTC):%Y%m%d-%H%M%S}-{loaded.suite.name}-promptfoo"
    )
    folder.mkdir(parents=True, exist_ok=True)
    log = ResultsLog(folder)
    if log.path.exists():
        log.path.unlink()  # an import is made whole from the results file, each time
    agreement = Agreement(compared=0, agreed=0, not_comparable=0)
    graders = RunGraders(judge_for(loaded, info.model))
    for row in _rows(data, results):
        record, comparable = _record(loaded, row, variants, cases, graders)
        if record is None:
            continue
        log.append(record)
        if not comparable:
            agreement.not_comparable += 1
        elif record.error is None:
            agreement.compared += 1
            if record.promptfoo_passed == record.passed:
                agreement.agreed += 1
            else:
                agreement.disagreements.append(record.key)
    run = RunInfo(
        suite=info.suite,
        suite_name=loaded.suite.name,
        digest=info.digest,
        profile=info.profile,
        model=info.model,
        metric=loaded.suite.metric,
        source="promptfoo",
        started=str(data.get("results", {}).get("timestamp") or datetime.now(UTC).isoformat()),
        versions=_versions(),
        planned_calls=len(_rows(data, results)),
        notes=list(info.unmapped),
    )
    write_json(folder / RUN_FILE, run)
    write_variants(folder, info.variants)
    write_json(folder / AGREEMENT_FILE, agreement)
    write_report(folder, resamples=resamples)
    return Imported(folder=str(folder), agreement=agreement)


def _record(
    loaded: LoadedSuite,
    row: dict[str, Any],
    variants: dict[str, Variant],
    cases: dict[str, Any],
    graders: Graders,
) -> tuple[CallRecord | None, bool]:
    metadata = (row.get("testCase") or {}).get("metadata") or row.get("metadata") or {}
    variant = variants.get(str(metadata.get("variant_id")))
    case = cases.get(str(metadata.get("case_id")))
    if variant is None or case is None:
        return None, False
    response = row.get("response") or {}
    output = response.get("output")
    grading = row.get("gradingResult") or {}
    record = CallRecord.start(
        variant,
        case.id,
        str(metadata.get("regenlab_key")),
        repeat=int(metadata.get("repeat", 0)),
        call_seed=int(metadata.get("call_seed", 0)),
        source="promptfoo",
        promptfoo_passed=bool(row.get("success", grading.get("pass", False))),
        promptfoo_score=float(row.get("score", grading.get("score", 0.0)) or 0.0),
        latency_s=float(row.get("latencyMs") or 0) / 1000,
    )
    if output is None or (row.get("error") and not isinstance(output, str)):
        return record.model_copy(
            update={"error": str(row.get("error") or "no output")[:500]}
        ), False
    output = output if isinstance(output, str) else json.dumps(output)
    checks = case_assertions(loaded.suite, case)
    if variant.relation == "DIR":
        checks = redirected(checks, variant.expect_map)
    threshold = case.threshold if case.threshold is not None else loaded.suite.threshold
    verdict = grade(checks, Reply(output, case.vars, loaded.suite.output), threshold, graders)
    update = {
        "output": output,
        "passed": verdict.passed,
        "score": verdict.score,
        "checks": [CheckRecord(**r._asdict()) for r in verdict.checks],
    }
    return record.model_copy(update=update), bool(metadata.get("comparable", False))

"""promptfoo interop: read a promptfooconfig.yaml as a suite (what cannot be mapped is named),
export a suite's planned calls as a promptfooconfig.yaml whose provider calls our model layer,
and import promptfoo's results JSON: its replies graded again by our checks, its own verdicts
kept beside ours.

Assertions promptfoo has with the same meaning are exported as themselves; ours that it lacks
(json-field, label, one-of, contains-json with our extraction rule) become `javascript`
assertions that do what ours do, so promptfoo's verdicts can be compared with ours on the same
replies. hidden-tests has no promptfoo counterpart and is named, not exported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from robustness._errors import SuiteError
from robustness._suite import (
    ASSERTION_TYPES,
    TEXT_ASSERTIONS,
    Assertion,
    Case,
    PromptTemplate,
    Suite,
)
from usererrors import describe, read_text

PROVIDER_FILE = "regenlab_provider.py"
EXPORT_FILE = "regenlab.json"
CONFIG_FILE = "promptfooconfig.yaml"
NATIVE = (*TEXT_ASSERTIONS, "is-json", "python")
"""Assertion types promptfoo has with our meaning (each also with `not-`)."""
PROMPTFOO_ONLY = (
    "javascript",
    "similar",
    "levenshtein",
    "rouge-n",
    "bleu",
    "meteor",
    "cost",
    "latency",
    "perplexity",
    "perplexity-score",
    "classifier",
    "moderation",
    "webhook",
    "factuality",
    "model-graded-closedqa",
    "answer-relevance",
    "context-faithfulness",
    "context-recall",
    "context-relevance",
    "select-best",
    "is-valid-openai-tools-call",
    "is-valid-openai-function-call",
    "assert-set",
)
"""Common promptfoo types we do not run (named when a promptfoo suite holds one)."""


# --- promptfooconfig.yaml -> Suite -------------------------------------------------------------


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]
    return slug or fallback


def provider_model(provider: Any) -> tuple[str | None, str | None, str | None]:
    """(our model string, base URL, problem) for a promptfoo provider entry."""
    entry = provider if isinstance(provider, dict) else {"id": provider}
    pid = str(entry.get("id", ""))
    config = entry.get("config") or {}
    if pid.startswith("file://") and pid.endswith(PROVIDER_FILE) and config.get("model"):
        return str(config["model"]), config.get("base_url"), None
    match = re.match(r"^(openai|anthropic|ollama)(?::(?:chat|messages|completion))?:(.+)$", pid)
    if not match:
        return None, None, f"provider {pid!r} has no regenlab equivalent"
    vendor, name = match.groups()
    base = config.get("apiBaseUrl") or config.get("apiHost")
    if vendor == "ollama":
        return f"openai-compatible/{name}", base or "http://127.0.0.1:11434/v1", None
    if vendor == "openai" and base:
        return f"openai-compatible/{name}", str(base), None
    return f"{vendor}/{name}", None, None


def _prompt_entry(entry: Any, index: int, folder: Path, notes: list[str]) -> PromptTemplate | None:
    raw = entry if isinstance(entry, str) else (entry or {}).get("raw") or (entry or {}).get("id")
    label = entry.get("label") if isinstance(entry, dict) else None
    where = f"prompts[{index}]"
    if not isinstance(raw, str):
        notes.append(f"{where}: not a text prompt; skipped")
        return None
    if raw.startswith("file://"):
        target = folder / raw.removeprefix("file://")
        if target.suffix not in (".txt", ".md", ".json", ".j2"):
            notes.append(
                f"{where}: {raw} is a prompt function or file kind regenlab does not run; skipped"
            )
            return None
        raw = read_text(target, SuiteError)
    system, user = _messages(raw)
    if user is None:
        notes.append(f"{where}: a chat prompt without a user message; skipped")
        return None
    return PromptTemplate(
        id=_slug(str(label or f"prompt-{index + 1}"), f"prompt-{index + 1}"),
        system=system,
        user=user,
    )


def _messages(raw: str) -> tuple[str | None, str | None]:
    """(system, user) of a promptfoo prompt: a JSON chat array, or one user message."""
    text = raw.strip()
    if text.startswith("["):
        try:
            chat = json.loads(text)
        except ValueError:
            return None, raw
        if isinstance(chat, list) and all(isinstance(m, dict) for m in chat):
            system = next((m.get("content") for m in chat if m.get("role") == "system"), None)
            user = next((m.get("content") for m in reversed(chat) if m.get("role") == "user"), None)
            return system, user
    return None, raw


def _assertion(entry: Any, where: str, notes: list[str]) -> Assertion | None:
    if not isinstance(entry, dict) or "type" not in entry:
        notes.append(f"{where}: not an assertion mapping; skipped")
        return None
    kind = str(entry["type"])
    base = kind.removeprefix("not-")
    if base in PROMPTFOO_ONLY or base not in ASSERTION_TYPES:
        notes.append(
            f"{where}: promptfoo assertion type {kind!r} has no regenlab equivalent; skipped"
        )
        return None
    if isinstance(entry.get("value"), str) and entry["value"].startswith("file://"):
        notes.append(
            f"{where}: {kind} reads its value from a file, which regenlab does not; skipped"
        )
        return None
    extra = sorted(set(entry) - {"type", "value", "threshold", "weight", "metric"})
    if extra:
        notes.append(f"{where}: {kind}: {', '.join(extra)} not used")
    fields = {k: entry[k] for k in ("type", "value", "threshold", "weight") if k in entry}
    try:
        return Assertion.model_validate(fields)
    except ValidationError as exc:
        notes.append(f"{where}: {describe(kind, exc)}; skipped")
        return None


def _tests(data: dict[str, Any], notes: list[str]) -> list[Case]:
    tests = data.get("tests") or []
    if isinstance(tests, str):
        raise SuiteError(
            f"tests: {tests!r} is a file of tests; fix: list the tests in the promptfoo config "
            "(regenlab reads tests written inline)"
        )
    default = data.get("defaultTest") or {}
    cases = []
    for index, test in enumerate(tests):
        where = f"tests[{index}]"
        if not isinstance(test, dict):
            notes.append(f"{where}: not a mapping; skipped")
            continue
        variables = {**(default.get("vars") or {}), **(test.get("vars") or {})}
        lists = [k for k, v in variables.items() if isinstance(v, list)]
        if lists:
            notes.append(
                f"{where}: vars.{lists[0]} is a list (promptfoo expands it into tests); skipped"
            )
            continue
        checks = [
            _assertion(a, f"{where}.assert[{n}]", notes)
            for n, a in enumerate(test.get("assert") or [])
        ]
        kept = [a for a in checks if a is not None]
        if not kept and not default.get("assert"):
            notes.append(f"{where}: no assertion regenlab can run; skipped")
            continue
        cases.append(
            Case(
                id=_slug(str(test.get("description") or ""), f"test-{index + 1}") + f"-{index + 1}",
                vars=variables,
                assertions=kept,
                description=str(test.get("description") or ""),
                threshold=test.get("threshold"),
            )
        )
        if test.get("options"):
            notes.append(f"{where}: options not used")
    return cases


def suite_from_promptfoo(data: Any, path: Path) -> tuple[Suite, list[str]]:
    """A promptfoo configuration as a suite, and what of it was not mapped."""
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a promptfoo configuration mapping; fix: check the file")
    notes: list[str] = []
    entries = [
        _prompt_entry(e, i, path.parent, notes) for i, e in enumerate(data.get("prompts") or [])
    ]
    prompts = [p for p in entries if p is not None]
    if not prompts:
        raise SuiteError(
            f"{path}: field 'prompts': no text prompt regenlab can use; fix: add a prompt"
        )
    seen: set[str] = set()
    for n, prompt in enumerate(prompts):
        if prompt.id in seen:
            prompts[n] = prompt.model_copy(update={"id": f"{prompt.id}-{n + 1}"})
        seen.add(prompts[n].id)
    model, base_url = _model(data, notes)
    default = data.get("defaultTest") or {}
    default_assert = [
        a
        for n, e in enumerate(default.get("assert") or [])
        if (a := _assertion(e, f"defaultTest.assert[{n}]", notes))
    ]
    fields: dict[str, Any] = {
        "name": _slug(str(data.get("description") or path.parent.name), "promptfoo-suite"),
        "description": str(data.get("description") or ""),
        "prompts": prompts,
        "cases": _tests(data, notes),
        "default_assert": default_assert,
    }
    if model:
        fields.update(model=model, base_url=base_url)
    for key in sorted(set(data) - {"description", "prompts", "providers", "tests", "defaultTest"}):
        notes.append(f"{key}: not used")
    try:
        return Suite.model_validate(fields), notes
    except ValidationError as exc:
        raise SuiteError(describe(str(path), exc)) from exc


def _model(data: dict[str, Any], notes: list[str]) -> tuple[str | None, str | None]:
    providers = data.get("providers") or []
    providers = providers if isinstance(providers, list) else [providers]
    if not providers:
        notes.append("providers: none given; the suite's default model is used")
        return None, None
    if len(providers) > 1:
        notes.append(
            f"providers: {len(providers)} given; only the first is used (--model picks another)"
        )
    model, base_url, problem = provider_model(providers[0])
    if problem:
        notes.append(f"providers[0]: {problem}; the default model is used (--model picks another)")
    return model, base_url


# --- Suite -> promptfooconfig.yaml -------------------------------------------------------------

JS_JSON = r"""const text = String(output);
const fence = text.match(/```[A-Za-z0-9_+-]*[ \t]*\n?([\s\S]*?)```/);
const body = fence ? fence[1] : text;
const start = body.indexOf('{');
const end = body.lastIndexOf('}');
if (start < 0 || end < start) return false;
let obj;
try { obj = JSON.parse(body.slice(start, end + 1)); } catch (e) { return false; }
if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
"""
JS_EQUAL = r"""const same = (a, b) => {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  return ka.length === kb.length && ka.every((k) => has(b, k) && same(a[k], b[k]));
};
"""
JS_LABEL = (
    "const label = String(output).replace(/^[\\s\"'`*.]+|[\\s\"'`*.]+$/g, '').toLowerCase();\n"
)


def _js_field(field: str, value: Any) -> str:
    parts = json.dumps(field.split("."))
    return (
        JS_JSON
        + JS_EQUAL
        + f"let value = obj;\nfor (const part of {parts}) {{\n"
        + "  if (value === null || typeof value !== 'object' || Array.isArray(value) || "
        + "!Object.prototype.hasOwnProperty.call(value, part)) return false;\n"
        + "  value = value[part];\n}\n"
        + f"return same(value, {json.dumps(value)});\n"
    )


def export_assertion(
    assertion: Assertion, schema: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, bool]:
    """(promptfoo assertion, whether its verdict is ours) for one of our assertions."""
    base = assertion.base_type
    out: dict[str, Any] = {}
    if base in NATIVE:
        out = {"type": assertion.type}
        if base == "is-json":
            value = assertion.value if assertion.value is not None else schema
            if value is not None:
                out["value"] = value
        else:
            out["value"] = assertion.value
    elif base == "json-field":
        out = {"type": "javascript", "value": _js_field(str(assertion.field), assertion.value)}
    elif base == "contains-json":
        out = {
            "type": "not-javascript" if assertion.negated else "javascript",
            "value": JS_JSON + "return true;\n",
        }
    elif base in ("label", "one-of"):
        values = [
            str(v).lower() for v in (assertion.value if base == "one-of" else [assertion.value])
        ]
        kind = "not-javascript" if assertion.negated else "javascript"
        out = {"type": kind, "value": JS_LABEL + f"return {json.dumps(values)}.includes(label);\n"}
    elif base == "llm-rubric":
        out = {"type": "llm-rubric", "value": assertion.value}
        if assertion.threshold is not None:
            out["threshold"] = assertion.threshold
        return out, False
    else:
        return None, False
    if assertion.threshold is not None and base == "python":
        out["threshold"] = assertion.threshold
    if assertion.weight != 1.0:
        out["weight"] = assertion.weight
    return out, True


@dataclass(frozen=True)
class Export:
    """What `export --promptfoo` wrote."""

    config: Path
    """promptfooconfig.yaml."""
    provider: Path
    """regenlab_provider.py: the promptfoo Python provider that calls our model layer."""
    prompts: int
    """Variants exported as prompts."""
    tests: int
    """Tests (one per planned call)."""
    unmapped: list[str]
    """What could not be exported, one line each."""


PROVIDER_SOURCE = '''"""promptfoo Python provider: one regenlab model call (agents.models) per
promptfoo call, with the settings and the per-call seed of `experiment robustness run`. Written by
`experiment robustness export --promptfoo`; run promptfoo with PROMPTFOO_PYTHON set to the
Python that has regenlab installed (e.g. .venv/bin/python)."""

import json

from agents.models import GenerateConfig, Message, get_model

_MODELS = {}


def _messages(prompt):
    try:
        chat = json.loads(prompt)
    except ValueError:
        return [Message.user(prompt)]
    if not isinstance(chat, list):
        return [Message.user(prompt)]
    return [Message(role=m["role"], content=m["content"]) for m in chat]


def call_api(prompt, options, context):
    config = options.get("config") or {}
    name = config["model"]
    if name not in _MODELS:
        _MODELS[name] = get_model(name, base_url=config.get("base_url"))
    metadata = ((context or {}).get("test") or {}).get("metadata") or {}
    settings = GenerateConfig(
        max_output_tokens=int(config.get("max_output_tokens", 256)),
        temperature=config.get("temperature"),
        timeout_s=float(config.get("timeout_s", 300.0)),
        seed=metadata.get("call_seed"),
    )
    reply = _MODELS[name].generate(_messages(prompt), config=settings)
    usage = reply.usage
    return {
        "output": reply.text,
        "tokenUsage": {
            "prompt": usage.input_tokens,
            "completion": usage.output_tokens,
            "total": usage.input_tokens + usage.output_tokens,
        },
    }
'''

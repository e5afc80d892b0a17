"""Reading replies and checking them: pure functions on strings (the hidden tests and the
LLM judge are passed in), with promptfoo's meaning for each assertion type it shares with us.

A case's score is the weighted mean of its checks' scores; it passes when every check passes,
or, with a threshold, when its score reaches the threshold (promptfoo's rule).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from robustness._suite import Assertion, Case, OutputSpec, Suite
from robustness._template import render

FENCE = re.compile(r"```[A-Za-z0-9_+-]*[ \t]*\n?([\s\S]*?)```")
LABEL_EDGES = re.compile(r"^[\s\"'`*.]+|[\s\"'`*.]+$")


class CheckResult(NamedTuple):
    """One assertion's verdict on one reply."""

    type: str
    passed: bool
    score: float
    reason: str


class Graders(Protocol):
    """The checks that need more than the reply: a task's hidden tests and an LLM judge."""

    def hidden_tests(self, task: str, file: str, code: str) -> tuple[float, str]:
        """The share of the task's hidden tests that pass on `code` written to `file`."""
        ...

    def judge(self, rubric: str, output: str) -> tuple[float, str]:
        """A judge model's score (0-1) of `output` against `rubric`, and why."""
        ...


class NoGraders:
    """Graders for suites that need none: either check raises a clear error."""

    def hidden_tests(self, task: str, file: str, code: str) -> tuple[float, str]:
        """Not available here."""
        raise RuntimeError("hidden-tests checks need the runner's graders")

    def judge(self, rubric: str, output: str) -> tuple[float, str]:
        """Not available here."""
        raise RuntimeError("llm-rubric checks need the runner's graders")


def extract_json(text: str) -> Any:
    """The JSON object of a reply: inside the first code fence if there is one, from its first
    `{` to its last `}`; None when that does not parse as an object."""
    fence = FENCE.search(text)
    body = fence.group(1) if fence else text
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        value = json.loads(body[start : end + 1])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def extract_code(text: str) -> str:
    """The code of a reply: its first fenced block, else the whole reply."""
    fence = FENCE.search(text)
    return fence.group(1) if fence else text


def normal_label(text: str) -> str:
    """A reply read as a label: trimmed of spaces, quotes, backticks, stars and dots; lower case."""
    return LABEL_EDGES.sub("", text).lower()


def field_value(obj: Any, path: str) -> tuple[bool, Any]:
    """(found, value) of a dotted field in a JSON object."""
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return False, None
        obj = obj[part]
    return True, obj


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: booleans are not numbers, as in JavaScript's ===."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(type(a) is type(b) or {type(a), type(b)} <= {int, float}) and a == b


@dataclass(frozen=True)
class Reply:
    """A reply and what a check may need around it."""

    output: str
    vars: Mapping[str, Any]
    spec: OutputSpec


def _value(assertion: Assertion, reply: Reply) -> Any:
    """The assertion's value with the case's vars filled in (promptfoo renders them too)."""
    value = assertion.value
    if isinstance(value, str):
        return render(value, reply.vars)
    if isinstance(value, list):
        return [render(v, reply.vars) if isinstance(v, str) else v for v in value]
    return value


def _text_check(base: str, value: Any, output: str) -> bool | None:
    """The plain-text checks; None for a type that is not one of them."""
    lowered = output.lower()
    checks: dict[str, Callable[[], bool]] = {
        "equals": lambda: output == str(value),
        "contains": lambda: str(value) in output,
        "icontains": lambda: str(value).lower() in lowered,
        "contains-any": lambda: any(str(v) in output for v in value),
        "contains-all": lambda: all(str(v) in output for v in value),
        "icontains-any": lambda: any(str(v).lower() in lowered for v in value),
        "icontains-all": lambda: all(str(v).lower() in lowered for v in value),
        "starts-with": lambda: output.startswith(str(value)),
        "regex": lambda: re.search(str(value), output) is not None,
    }
    return checks[base]() if base in checks else None


def _structured_check(
    base: str, value: Any, assertion: Assertion, reply: Reply
) -> tuple[bool, str]:
    output = reply.output
    if base == "is-json":
        return _is_json(output, value if value is not None else reply.spec.json_schema)
    if base == "contains-json":
        return extract_json(output) is not None, "no JSON object found"
    if base == "json-field":
        found, got = field_value(extract_json(output), str(assertion.field))
        if not found:
            return False, f"no field {assertion.field!r} in a JSON object"
        return same_json(got, value), f"{assertion.field} is {got!r}, expected {value!r}"
    label = normal_label(output)
    if base == "label":
        return label == str(value).lower(), f"label {label!r}, expected {value!r}"
    allowed = [str(v).lower() for v in value]
    return label in allowed, f"label {label!r} is not one of {allowed}"


def _is_json(output: str, schema: Any) -> tuple[bool, str]:
    try:
        data = json.loads(output)
    except ValueError:
        return False, "the reply is not JSON"
    if not schema:
        return True, "valid JSON"
    import jsonschema  # type: ignore[import-untyped]

    error = jsonschema.exceptions.best_match(jsonschema.Draft7Validator(schema).iter_errors(data))
    return (error is None), ("matches the schema" if error is None else error.message)


def check(assertion: Assertion, reply: Reply, graders: Graders) -> CheckResult:
    """One assertion's verdict on one reply."""
    base, value = assertion.base_type, _value(assertion, reply)
    if base == "python":
        passed, score, reason = python_check(
            str(value), reply.output, reply.vars, assertion.threshold
        )
        return CheckResult(assertion.type, passed, score, reason)
    if base == "hidden-tests":
        code = extract_code(reply.output)
        score, reason = graders.hidden_tests(str(assertion.task), str(assertion.file), code)
        threshold = 1.0 if assertion.threshold is None else assertion.threshold
        return CheckResult(assertion.type, score >= threshold, score, reason)
    if base == "llm-rubric":
        score, reason = graders.judge(str(value), reply.output)
        threshold = 0.5 if assertion.threshold is None else assertion.threshold
        return CheckResult(assertion.type, score >= threshold, score, reason)
    plain = _text_check(base, value, reply.output)
    if plain is not None:
        passed, reason = plain, f"{base} {value!r}"
    else:
        passed, reason = _structured_check(base, value, assertion, reply)
    if assertion.negated:
        passed = not passed
    return CheckResult(assertion.type, passed, 1.0 if passed else 0.0, reason)


def python_check(
    code: str, output: str, variables: Mapping[str, Any], threshold: float | None = None
) -> tuple[bool, float, str]:
    """A Python check as promptfoo runs one: an expression, or a function body that returns,
    over `output` and `context` (`context["vars"]`). True/False; a number passes above 0 (or
    at `threshold`); a mapping gives pass, score and reason."""
    context = {"vars": dict(variables)}
    scope: dict[str, Any] = {"json": json, "re": re}
    try:
        if "\n" not in code.strip():
            result = eval(code, scope, {"output": output, "context": context})
        else:
            body = textwrap.indent(textwrap.dedent(code), "    ")
            exec(f"def _check(output, context):\n{body}", scope)
            result = scope["_check"](output, context)
    except Exception as exc:
        return False, 0.0, f"the Python check raised {type(exc).__name__}: {exc}"
    if isinstance(result, dict):
        score = float(result.get("score", 1.0 if result.get("pass") else 0.0))
        passed = bool(result.get("pass", score > 0))
        if threshold is not None and score < threshold:
            passed = False
        return passed, score, str(result.get("reason", ""))
    if isinstance(result, bool):
        return result, (1.0 if result else 0.0), f"the Python check returned {result}"
    score = float(result)
    passed = score > 0 if threshold is None else score >= threshold
    return passed, score, f"the Python check scored {result}"


class CaseVerdict(NamedTuple):
    """A case's verdict on one reply."""

    passed: bool
    score: float
    checks: list[CheckResult]


def case_assertions(suite: Suite, case: Case) -> list[Assertion]:
    """Every check of a case: the suite's defaults, its `expect` shorthand and its `assert`."""
    shorthand = []
    for key, value in case.expect.items():
        if key == "label" and suite.output.kind == "label":
            shorthand.append(Assertion(type="label", value=value))
        else:
            shorthand.append(Assertion(type="json-field", field=key, value=value))
    return [*suite.default_assert, *shorthand, *case.assertions]


def redirected(
    assertions: Sequence[Assertion], expect_map: Mapping[str, Mapping[str, Any]]
) -> list[Assertion]:
    """The checks of a meaning-changing (DIR) variant: expected values moved by its map."""
    out = []
    for assertion in assertions:
        key = assertion.field if assertion.base_type == "json-field" else "label"
        mapping = expect_map.get(str(key)) if assertion.base_type in _MAPPABLE else None
        if mapping:
            out.append(assertion.model_copy(update={"value": _moved(assertion.value, mapping)}))
        else:
            out.append(assertion)
    return out


_MAPPABLE = ("json-field", "label", "equals", "one-of")


def _moved(value: Any, mapping: Mapping[str, Any]) -> Any:
    if isinstance(value, list):
        return [_moved(v, mapping) for v in value]
    key = "null" if value is None else str(value)
    if key in mapping:
        return mapping[key]
    return mapping.get("*", value)


def grade(
    assertions: Sequence[Assertion],
    reply: Reply,
    threshold: float | None,
    graders: Graders,
) -> CaseVerdict:
    """The case's verdict: weighted score, and pass (every check, or score >= threshold)."""
    results = [check(a, reply, graders) for a in assertions]
    weights = [a.weight for a in assertions]
    total = sum(weights)
    score = (
        sum(w * r.score for w, r in zip(weights, results, strict=True)) / total if total else 0.0
    )
    if threshold is None:
        passed = all(r.passed for r in results)
    else:
        passed = score >= threshold
    return CaseVerdict(passed, score, results)

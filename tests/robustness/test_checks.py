"""Reading replies and the assertions, on literal strings."""

from __future__ import annotations

import pytest

from robustness._checks import (
    NoGraders,
    Reply,
    case_assertions,
    check,
    extract_json,
    grade,
    normal_label,
    python_check,
    redirected,
    same_json,
)
from robustness._suite import Assertion, Case, OutputSpec, Suite

SPEC = OutputSpec(kind="json", labels=["refund", "other"])


def _check(kind: str, output: str, value: object = None, **fields: object) -> bool:
    data = {"type": kind, **fields}
    if value is not None or kind == "json-field":
        data["value"] = value
    assertion = Assertion.model_validate(data)
    return check(assertion, Reply(output, {"name": "Ada"}, SPEC), NoGraders()).passed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"intent": "refund"}', {"intent": "refund"}),
        (
            'Sure!\n```json\n{"intent": "refund",\n "order_id": null}\n```',
            {"intent": "refund", "order_id": None},
        ),
        ('{"a": {"b": 1}} trailing', {"a": {"b": 1}}),
        ("no json here", None),
        ("[1, 2]", None),
        ('{"broken": }', None),
    ],
)
def test_the_json_object_of_a_reply(text: str, expected: object) -> None:
    assert extract_json(text) == expected


def test_labels_are_read_without_their_wrapping() -> None:
    assert normal_label(' "Refund". ') == "refund"
    assert normal_label("**other**\n") == "other"
    assert normal_label("refund please") == "refund please"


def test_text_checks_mean_what_promptfoo_means() -> None:
    assert _check("equals", "Hello Ada", "Hello {{name}}")  # vars are filled into the value
    assert not _check("equals", "Hello Ada ", "Hello Ada")
    assert _check("contains", "abc", "b") and not _check("contains", "abc", "B")
    assert _check("icontains", "abc", "B")
    assert _check("contains-any", "abc", ["x", "c"]) and not _check(
        "contains-all", "abc", ["a", "x"]
    )
    assert _check("icontains-all", "ABC", ["a", "c"])
    assert _check("starts-with", "abc", "ab")
    assert _check("regex", "order ORD-12345", r"ORD-\d{5}")
    assert _check("not-contains", "abc", "x")
    assert _check("is-json", ' {"a": 1} ') and not _check("is-json", "```json\n{}\n```")
    assert _check("is-json", '{"a": 1}', {"type": "object", "required": ["a"]})
    assert not _check("is-json", '{"b": 1}', {"type": "object", "required": ["a"]})
    assert _check("contains-json", 'x {"a": 1} y') and _check("not-contains-json", "none")


def test_structured_checks() -> None:
    reply = '```json\n{"intent": "refund", "order_id": null, "n": 1, "ok": true}\n```'
    assert _check("json-field", reply, "refund", field="intent")
    assert _check("json-field", reply, None, field="order_id")
    assert not _check("json-field", reply, "null", field="order_id")
    assert not _check("json-field", reply, 1, field="ok"), "true is not 1"
    assert _check("json-field", reply, 1.0, field="n")
    assert not _check("json-field", "{}", None, field="order_id"), "a missing field is not null"
    assert _check("label", "Refund.", "refund") and not _check("label", "refunds", "refund")
    assert _check("one-of", "other", ["refund", "other"])


def test_json_equality_is_javascripts() -> None:
    assert same_json({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same_json(True, 1) and not same_json(0, False)
    assert not same_json("1", 1) and not same_json(None, "null")


def test_python_checks_run_like_promptfoos() -> None:
    assert python_check("output.startswith('A')", "Ada", {})[0]
    assert python_check("len(output) / 10", "Ada", {}) == (True, 0.3, "the Python check scored 0.3")
    assert not python_check("0", "Ada", {})[0]
    assert not python_check("0.3", "Ada", {}, threshold=0.5)[0]
    body = (
        "data = json.loads(output)\nreturn {'pass': data['x'] == context['vars']['x'], 'score': 1}"
    )
    assert python_check(body, '{"x": 2}', {"x": 2})[0]
    passed, score, reason = python_check("1 / 0", "", {})
    assert not passed and score == 0 and "ZeroDivisionError" in reason


def test_a_case_score_and_its_threshold() -> None:
    checks = [
        Assertion(type="contains", value="a", weight=3),
        Assertion(type="contains", value="z", weight=1),
    ]
    reply = Reply("abc", {}, SPEC)
    strict = grade(checks, reply, None, NoGraders())
    assert not strict.passed and strict.score == pytest.approx(0.75)
    assert grade(checks, reply, 0.7, NoGraders()).passed
    assert not grade(checks, reply, 0.8, NoGraders()).passed


def test_expect_shorthand_and_dir_redirection() -> None:
    suite = Suite.model_validate(
        {"name": "s", "prompts": [{"id": "p", "user": "{{m}}"}], "output": {"kind": "json"}}
    )
    case = Case.model_validate(
        {"id": "c", "vars": {"m": "x"}, "expect": {"intent": "refund", "order_id": "ORD-1"}}
    )
    checks = case_assertions(suite, case)
    assert [(a.type, a.field, a.value) for a in checks] == [
        ("json-field", "intent", "refund"),
        ("json-field", "order_id", "ORD-1"),
    ]
    moved = redirected(checks, {"intent": {"refund": "cobalt"}, "order_id": {"*": None}})
    assert [a.value for a in moved] == ["cobalt", None]
    untouched = redirected(checks, {"intent": {"shipping": "onyx"}})
    assert [a.value for a in untouched] == ["refund", "ORD-1"]


def test_checks_that_need_graders_say_so() -> None:
    hidden = Assertion(type="hidden-tests", task="lru-ttl-cache", file="lru_ttl.py")
    with pytest.raises(RuntimeError, match="graders"):
        check(hidden, Reply("x", {}, SPEC), NoGraders())

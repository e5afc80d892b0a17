"""The variant generator: counts, determinism, tags, and what each family may and may not change."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from robustness import KINDS, generate_variants, load_suite, make_variants
from robustness._document import parse, render
from robustness._noise import ZERO_WIDTH
from robustness._suite import VariantsSpec
from robustness._template import placeholders, term_pattern
from robustness._variants import Variant
from tests.robustness.conftest import TRIAGE

WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
"""Words, camelCase split (a section title may become a camelCase tag or key)."""


@pytest.fixture(scope="module")
def triage() -> list[Variant]:
    return generate_variants(load_suite(TRIAGE))


def _text(v: Variant) -> str:
    return f"{v.system or ''}\n{v.user}"


def test_the_bundled_suite_expands_to_300_variants_or_more(triage: list[Variant]) -> None:
    made = [v for v in triage if v.relation != "clean"]
    assert len(made) >= 300
    assert {v.family for v in made} == {"format", "structure", "length", "noise", "dir"}
    assert len({v.id for v in triage}) == len(triage)
    assert len({_text(v) for v in triage}) == len(triage), "no two variants are the same text"


def test_the_same_seed_gives_byte_identical_variants() -> None:
    first = [v.model_dump_json() for v in make_variants(TRIAGE)]
    again = [v.model_dump_json() for v in make_variants(TRIAGE)]
    other = [v.model_dump_json() for v in make_variants(TRIAGE, seed=1)]
    assert first == again
    assert first != other
    assert len(other) >= 300


def test_every_variant_is_tagged(triage: list[Variant]) -> None:
    for v in triage:
        assert v.prompt_id == "triage"
        assert v.relation in ("clean", "INV", "DIR")
        assert (v.family == "clean") == (v.relation == "clean")
        assert (v.family == "dir") == (v.relation == "DIR")
        assert v.kind in (KINDS.get(v.family) or ("clean",))
        assert (v.severity == 0) == (v.relation == "clean")
        assert v.id.startswith(f"{v.prompt_id}:{v.family}")
        assert v.edit


def test_inv_variants_keep_the_vars_and_the_required_terms(triage: list[Variant]) -> None:
    prompt = load_suite(TRIAGE).prompts[0]
    base = f"{prompt.system}\n{prompt.user}"
    terms = [t for t in prompt.protect if term_pattern(t).search(base)]
    assert {"refund", "order_id", "ORD-12345", "JSON", "null"} <= set(terms)
    for v in triage:
        if v.relation != "INV":
            continue
        text = _text(v)
        assert Counter(placeholders(text)) == Counter(placeholders(base)), v.id
        for term in terms:
            assert term_pattern(term).search(text), (v.id, term)


def _words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text)]


def test_format_changes_only_the_grammar(triage: list[Variant]) -> None:
    clean = triage[0]
    for v in triage:
        if v.family == "format":
            assert _text(v) != _text(clean)
            assert _words(_text(v)) == _words(_text(clean)) or _only_marks(v, clean), v.id


def _only_marks(v: Variant, clean: Variant) -> bool:
    """Numbered or lettered enumerators add tokens (1, a, iv) but no words of the prompt go."""
    marks = re.compile(r"^(?:\d+|[a-z]|[ivx]+)$")
    extra = Counter(_words(_text(v))) - Counter(_words(_text(clean)))
    lost = Counter(_words(_text(clean))) - Counter(_words(_text(v)))
    return not lost and all(marks.match(w) for w in extra)


def test_structure_keeps_every_word(triage: list[Variant]) -> None:
    clean_words = Counter(_words(_text(triage[0])))
    containers = {"markdown": "#", "xml": "</", "json": '": '}
    for v in triage:
        if v.family != "structure":
            continue
        words = Counter(_words(_text(v)))
        assert not clean_words - words, f"{v.id} lost words"
        if v.kind in containers:
            assert containers[v.kind] in _text(v) or "**" in _text(v), v.id


def test_length_kinds_shorten_or_lengthen(triage: list[Variant]) -> None:
    size = len(_words(_text(triage[0])))
    for v in triage:
        if v.family != "length":
            continue
        if v.kind == "shorten":
            assert len(_words(_text(v))) < size, v.id
        else:
            assert len(_words(_text(v))) > size, v.id
        if v.kind == "tail":  # after the input, in the last message; the rest as it was
            assert v.user.startswith(triage[0].user + "\n\n") and v.system == triage[0].system


def test_noise_edits_characters_within_its_rate(triage: list[Variant]) -> None:
    from rapidfuzz.distance import Levenshtein

    clean = _text(triage[0])
    for v in triage:
        if v.family != "noise":
            continue
        distance = Levenshtein.distance(clean, _text(v))
        assert 0 < distance < 0.4 * len(clean), v.id
        if v.kind == "zero-width":
            assert any(z in _text(v) for z in ZERO_WIDTH)
            assert "".join(c for c in _text(v) if c not in ZERO_WIDTH) == clean
        if v.kind == "confusables":
            assert any(ord(c) > 0x36F for c in _text(v))


def test_dir_controls_change_the_prompt_and_the_expected_answer(triage: list[Variant]) -> None:
    controls = [v for v in triage if v.relation == "DIR"]
    assert {v.id for v in controls} >= {"triage:dir:no-order-ids"}
    renames = [v for v in controls if v.id.startswith("triage:dir:rename-")]
    assert len(renames) == 3
    for v in controls:
        assert v.check.passed and _text(v) != _text(triage[0])
        assert v.expect_map
    for v in renames:
        ((field, mapping),) = v.expect_map.items()
        ((old, new),) = mapping.items()
        assert field == "intent"
        assert not term_pattern(old).search(_text(v)) and term_pattern(new).search(_text(v))


def test_a_document_renders_back_to_its_text() -> None:
    prompt = load_suite(TRIAGE).prompts[0]
    for text in (
        str(prompt.system).strip("\n"),
        prompt.user,
        "Title: one line\nmore prose\n\n1. a: first\n2. b: second\nclosing words",
        "plain prose only, no sections",
    ):
        assert render(parse(text)) == text


def test_a_family_filter_and_a_bad_family(tiny_suite: Path) -> None:
    from robustness import SuiteError

    noise = make_variants(tiny_suite, family="noise")
    assert {v.family for v in noise} == {"clean", "noise"}
    with pytest.raises(SuiteError, match="--family sound: unknown family"):
        make_variants(tiny_suite, family="sound")


def test_variants_of_a_small_suite_are_json(tiny_suite: Path) -> None:
    spec = VariantsSpec(seeds=1, families=["noise"])
    made = generate_variants(load_suite(tiny_suite), spec)
    data = json.loads(json.dumps([v.model_dump(mode="json") for v in made]))
    assert data[0]["family"] == "clean"
    assert {d["kind"] for d in data[1:]} == set(KINDS["noise"])

"""The hand-labelled gold set and the agreement computed on it."""

from __future__ import annotations

from intent import GOLD_SET, Facets, read_gold, synthetic_log
from intent._gold import gold_results


def _facets(needs: bool, missing: list[str], ambiguity: str) -> Facets:
    return Facets.model_validate(
        {
            "intent": "x",
            "domain": "x",
            "task": "other",
            "stated": [],
            "missing": missing,
            "output": "other",
            "ambiguity": ambiguity,
            "needs_clarification": needs,
        }
    )


def test_the_gold_set_has_at_least_100_consistent_items() -> None:
    items = read_gold(GOLD_SET)
    assert len(items) >= 100 and len({i.id for i in items}) == len(items)
    assert 0.3 < sum(i.needs_clarification for i in items) / len(items) < 0.8
    for item in items:
        if not item.needs_clarification:
            assert not item.missing and item.ambiguity == "none", item.text
    assert {i.ambiguity for i in items} == {"none", "referent", "vague", "conflict", "lexical"}


def test_no_gold_prompt_comes_from_the_synthetic_log() -> None:
    synthetic = {row["text"] for row in synthetic_log()}
    assert not synthetic & {item.text for item in read_gold(GOLD_SET)}


def test_a_judge_that_agrees_with_the_labels_gets_kappa_one() -> None:
    items = read_gold(GOLD_SET)
    labels = {i.id: _facets(i.needs_clarification, list(i.missing), i.ambiguity) for i in items}
    result = gold_results(items, labels, seed=0)
    assert result.labelled == len(items)
    assert result.clarification_kappa is not None and result.clarification_kappa.mean == 1
    assert result.ambiguity_kappa is not None and result.ambiguity_kappa.mean == 1
    assert result.missing_kappa_mean == 1


def test_a_judge_that_always_says_clear_gets_kappa_zero() -> None:
    items = read_gold(GOLD_SET)
    labels: dict[str, Facets | None] = {i.id: _facets(False, [], "none") for i in items[:50]}
    result = gold_results(items, labels, seed=0)
    assert result.labelled == 50
    assert result.clarification_kappa is not None and result.clarification_kappa.mean == 0

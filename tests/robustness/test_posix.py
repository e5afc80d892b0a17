"""POSIX: the formula on a scorer with known log-probabilities, the sample it is computed on,
and the llama.cpp scorer on an embedded model (slow tier)."""

from __future__ import annotations

import pytest

from agents.models import Message
from robustness._posix import LlamaScorer, pick_sets, posix
from robustness._records import CallRecord
from robustness._variants import Variant


class TableScorer:
    """log P(reply | prompt) from a table: prompt i is told apart by its text."""

    def __init__(self, table: dict[tuple[str, str], float], tokens: dict[str, int]) -> None:
        self.table = table
        self.tokens = tokens

    def logprob(self, messages: list[Message], reply: str) -> tuple[float, int]:
        return self.table[(messages[-1].content, reply)], self.tokens[reply]


def test_posix_is_the_mean_length_normalised_log_ratio() -> None:
    prompts = [[Message.user("x1")], [Message.user("x2")]]
    table = {("x1", "y1"): -2.0, ("x2", "y1"): -6.0, ("x1", "y2"): -9.0, ("x2", "y2"): -3.0}
    scorer = TableScorer(table, {"y1": 2, "y2": 3})
    # |(-6) - (-2)| / 2 = 2 and |(-9) - (-3)| / 3 = 2, over N(N-1) = 2 ordered pairs
    assert posix(prompts, ["y1", "y2"], scorer) == pytest.approx(2.0)
    same = TableScorer({k: -1.0 for k in table}, {"y1": 2, "y2": 3})
    assert posix(prompts, ["y1", "y2"], same) == 0.0
    with pytest.raises(ValueError, match="at least two"):
        posix(prompts[:1], ["y1"], scorer)


def _record(variant: str, family: str, case: str) -> CallRecord:
    relation = "clean" if family == "clean" else "INV"
    return CallRecord(
        key=f"{variant}|{case}|0",
        variant_id=variant,
        prompt_id="p",
        family=family,
        kind="k",
        severity=1,
        seed=0,
        relation=relation,
        case_id=case,
        output="y",
    )


def test_the_sample_takes_the_clean_prompt_and_other_families_first() -> None:
    variants = {
        v: Variant(
            id=v,
            prompt_id="p",
            family=f,
            kind="k",
            severity=1,
            seed=0,
            relation="INV",
            system=None,
            user="{{m}}",
            edit="",
        )
        for v, f in (("p:format:a", "format"), ("p:format:b", "format"), ("p:noise:a", "noise"))
    }
    records = [
        _record("p:clean", "clean", "c1"),
        *(_record(v, variants[v].family, "c1") for v in variants),
    ]
    records += [_record("p:clean", "clean", "c2"), _record("p:format:a", "format", "c2")]
    ((prompt, case, chosen),) = pick_sets(records, variants, cases=5, per_case=3)
    assert (prompt, case) == ("p", "c1")
    assert [r.variant_id for r in chosen] == ["p:clean", "p:format:a", "p:noise:a"]


@pytest.mark.slow
def test_the_llama_scorer_on_an_embedded_model() -> None:
    from agents.models import local_model_path

    scorer = LlamaScorer(local_model_path("qwen2.5-coder-0.5b"), context_tokens=512)
    messages = [Message.system("Answer with one word."), Message.user("What colour is the sky?")]
    likely, n_likely = scorer.logprob(messages, "Blue")
    again, _ = scorer.logprob(messages, "Blue")  # the prompt is in the KV cache now
    other = [Message.user("Name a fruit.")]
    scorer.logprob(other, "Apple")
    fresh, _ = scorer.logprob(messages, "Blue")  # evaluated again from the start
    unlikely, _ = scorer.logprob(messages, "Carburettor")
    assert n_likely >= 1 and likely < 0
    assert again == pytest.approx(likely, abs=1e-3) and fresh == pytest.approx(likely, abs=1e-3)
    assert likely > unlikely
    psi = posix([messages, other], ["Blue", "Apple"], scorer)
    assert psi > 0

"""The bundled synthetic log: deterministic, with the planted taxonomy the issue asks of it."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from intent import BUNDLED_LOG, INTENTS, synthetic_log, write_synthetic_log
from intent._kinds import AMBIGUITY_TYPES, CONSTRAINT_KINDS


def test_the_committed_log_is_what_the_generator_writes(tmp_path: Path) -> None:
    fresh = write_synthetic_log(out=tmp_path / "log.jsonl")
    assert fresh.read_bytes() == BUNDLED_LOG.read_bytes()


def test_the_same_seed_gives_the_same_log_and_another_seed_another() -> None:
    assert synthetic_log(n=60, seed=3) == synthetic_log(n=60, seed=3)
    assert synthetic_log(n=60, seed=3) != synthetic_log(n=60, seed=4)


def test_the_log_plants_at_least_500_prompts_over_at_least_10_intents() -> None:
    rows = [json.loads(line) for line in BUNDLED_LOG.read_text(encoding="utf-8").splitlines()]
    intents = Counter(row["planted_intent"] for row in rows)
    assert len(rows) >= 500
    assert len(intents) == len(INTENTS) >= 10
    assert min(intents.values()) >= 40
    assert len({row["id"] for row in rows}) == len(rows)


def test_missing_constraints_ambiguities_and_personal_data_are_planted() -> None:
    rows = synthetic_log()
    missing = Counter(kind for row in rows for kind in row["planted_missing"])
    ambiguity = Counter(row["planted_ambiguity"] for row in rows)
    pii = Counter(kind for row in rows for kind in row["planted_pii"])
    assert set(missing) <= set(CONSTRAINT_KINDS) and sum(missing.values()) > 400
    assert {"referent", "vague", "conflict"} <= set(ambiguity) <= set(AMBIGUITY_TYPES)
    assert ambiguity["none"] < len(rows) * 0.9
    assert set(pii) == {"email", "phone", "key", "name"}


def test_a_missing_slot_is_held_back_and_never_written_in_the_prompt() -> None:
    for row in synthetic_log(n=120):
        assert sorted(row["planted_hidden"]) == row["planted_missing"]
        for sentence in row["planted_hidden"].values():
            assert sentence not in row["text"]


def test_a_referent_prompt_leaves_its_data_out() -> None:
    referents = [row for row in synthetic_log() if row["planted_ambiguity"] == "referent"]
    assert referents
    assert all("data" in row["planted_missing"] for row in referents)


def test_bad_outcomes_are_more_common_when_more_is_missing() -> None:
    rows = [r for r in synthetic_log() if r["outcome"] != "none"]
    bad = {"thumbs_down", "retry", "abandoned"}

    def rate(chosen: list[dict[str, object]]) -> float:
        return sum(r["outcome"] in bad for r in chosen) / len(chosen)

    complete = [r for r in rows if not r["planted_missing"]]
    lacking = [r for r in rows if len(r["planted_missing"]) >= 2]
    assert rate(lacking) > rate(complete) + 0.2

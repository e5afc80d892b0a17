"""Model-written paraphrases and their meaning check, with a scripted model (a test double)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from agents.models import Message, MockModel, ToolSpec
from experiments.cli import app
from robustness import load_suite, paraphrase_variants
from robustness._paraphrase import cleaned


def writer(rewrites: dict[str, str], judge: str) -> MockModel:
    """Rewords a passage that contains a key of `rewrites` as its value; answers the judge."""

    def reply(messages: list[Message], tools: list[ToolSpec]) -> str:
        text = messages[-1].content
        if text.startswith("Text A:"):
            return judge
        assert messages[0].content.startswith("You reword texts"), "the writer is told"
        passage = text.split("<<<\n", 1)[1]
        new = next(v for k, v in rewrites.items() if k in passage)
        return f"Here is the rewritten text:\n```\n{new}\n```"

    return MockModel("paraphraser", outputs=reply)


REWRITES = {
    "sort questions": "You put each question in a topic.",
    "reply with": "give the topic alone.",
}


def test_passages_are_reworded_and_checked(tiny_suite: Path) -> None:
    loaded = load_suite(tiny_suite)
    made = paraphrase_variants(loaded, writer(REWRITES, "Yes."), severities=[1, 3], seeds=1)
    assert [v.id for v in made] == ["ask:paraphrase:model:s1:r0", "ask:paraphrase:model:s3:r0"]
    light, full = made
    assert full.system is not None and full.system.startswith("You put each question in a topic.")
    assert "Answer: give the topic alone." in full.system
    assert "- billing: money, invoices, prices" in full.system, "titles and list items stay"
    assert full.user == "Question: {{q}}"
    assert "2 of 2 chosen passage(s) reworded" in full.edit and "1 of 1" in light.edit
    assert full.check.passed and full.check.judge == "yes" and full.usable
    assert full.check.similarity is not None and 0 < full.check.similarity < 1
    assert all(v.family == "paraphrase" and v.relation == "INV" for v in made)


def test_a_rewording_that_loses_a_term_is_tried_again_then_left_as_written(
    tiny_suite: Path,
) -> None:
    text = tiny_suite.read_text().replace("You sort questions into topics.", "Say billing or tech.")
    tiny_suite.write_text(text)
    loaded = load_suite(tiny_suite)
    lossy = writer({"Say billing": "Say which one.", "reply with": "give the topic alone."}, "yes")
    (variant,) = paraphrase_variants(loaded, lossy, severities=[3], seeds=1)
    assert variant.system is not None and variant.system.startswith("Say billing or tech.")
    assert "1 of 2 chosen passage(s) reworded" in variant.edit and variant.usable
    assert len(lossy.requests) == 2 + 1 + 1, "two tries for the lossy passage, one each else"
    only = text.replace("Answer: reply with the topic only, one word.", "")
    tiny_suite.write_text(only)
    (none,) = paraphrase_variants(load_suite(tiny_suite), lossy, severities=[1], seeds=1)
    assert "0 of 1" in none.edit and not none.usable


def test_a_judge_that_says_no_fails_the_paraphrase(tiny_suite: Path) -> None:
    loaded = load_suite(tiny_suite)
    (variant,) = paraphrase_variants(loaded, writer(REWRITES, "No"), severities=[3], seeds=1)
    assert variant.check.judge == "no" and not variant.usable


def test_cleaning_a_chat_models_wrapping() -> None:
    assert cleaned("Sure! Here's the rewrite:\n<<<\nnew text\n>>>") == "new text"
    assert cleaned("```text\nnew text\n```") == "new text"


def test_the_variants_command_prints_json(tiny_suite: Path) -> None:
    result = CliRunner().invoke(app, ["robustness", "variants", str(tiny_suite), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data[0]["relation"] == "clean" and len(data) > 20
    assert {"id", "family", "kind", "severity", "seed", "relation", "system", "user"} <= set(
        data[1]
    )
    shown = CliRunner().invoke(app, ["robustness", "variants", str(tiny_suite), "--show", "2"])
    assert shown.exit_code == 0 and shown.output.count("ask:") >= 2
    assert "[-" in shown.output or "{+" in shown.output, "edits are marked without colours"

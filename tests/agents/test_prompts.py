"""Prompt templates: styles, code policies and arms (pure rendering)."""

from __future__ import annotations

import pytest

from agents import ARMS, CodePolicy, builder_prompt, journal_styles, regenerator_prompt


def test_styles_are_the_templates() -> None:
    assert journal_styles() == ["narrative", "structured", "terse"]


@pytest.mark.parametrize("style", ["narrative", "structured", "terse"])
def test_builder_prompt_names_style_policy_and_limits(style: str) -> None:
    text = builder_prompt(style, CodePolicy(name="snippets", max_lines=3), "5 turns")
    assert f"Journal style: {style}" in text
    assert "at most 3 lines" in text and "Your limits: 5 turns." in text


def test_unknown_style() -> None:
    with pytest.raises(ValueError, match="available: narrative, structured, terse"):
        builder_prompt("poetic", CodePolicy(), "x")


@pytest.mark.parametrize("arm", ARMS)
def test_each_arm_gets_only_its_material(arm: str) -> None:
    text = regenerator_prompt(arm, task_prompt="TASK-TEXT", journal_md="JOURNAL-TEXT", limits="x")  # type: ignore[arg-type]
    assert ("TASK-TEXT" in text) == ("prompt" in arm)
    assert ("JOURNAL-TEXT" in text) == ("journal" in arm)
    if arm == "none":
        assert "no description" in text

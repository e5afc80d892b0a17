"""Prompts rendered from the Jinja2 templates in agents/prompts (pure functions)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import jinja2

from agents._journal import CodePolicy

PROMPTS_DIR = Path(__file__).with_name("prompts")
Arm = Literal["journal", "prompt", "journal+prompt", "none"]
ARMS: tuple[Arm, ...] = ("journal", "prompt", "journal+prompt", "none")


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(PROMPTS_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # plain-text prompts, not HTML
    )


def journal_styles() -> list[str]:
    """Available journal styles: one template each in prompts/styles/."""
    return sorted(p.stem for p in (PROMPTS_DIR / "styles").glob("*.j2"))


def code_policy_text(policy: CodePolicy) -> str:
    """The instruction for a code policy."""
    if policy.name == "none":
        return (
            "Code policy: no code in the journal. Describe code in words (names, signatures in "
            "prose, behaviour); an entry holding code is refused."
        )
    if policy.name == "snippets":
        return (
            f"Code policy: short snippets only. A journal entry may hold code blocks of at most "
            f"{policy.max_lines} lines; longer ones are refused."
        )
    return "Code policy: the journal may hold code of any length."


def builder_prompt(style: str, policy: CodePolicy, limits: str) -> str:
    """The builder's system prompt for a journal style and code policy."""
    if style not in journal_styles():
        raise ValueError(
            f"unknown journal style {style!r}; available: {', '.join(journal_styles())}"
        )
    style_text = _environment().get_template(f"styles/{style}.j2").render()
    return (
        _environment()
        .get_template("builder.j2")
        .render(style=style_text.strip(), code_policy=code_policy_text(policy), limits=limits)
    )


def gives_journal(arm: str) -> bool:
    """Whether an arm gives its regenerator the journal (journal, journal+prompt)."""
    return "journal" in arm.split("+")


def regenerator_prompt(arm: Arm, *, task_prompt: str, journal_md: str, limits: str) -> str:
    """The regenerator's system prompt: only what its arm gives it."""
    if arm not in ARMS:
        raise ValueError(f"unknown arm {arm!r}; available: {', '.join(ARMS)}")
    return (
        _environment()
        .get_template("regenerator.j2")
        .render(
            journal=journal_md if gives_journal(arm) else "",
            prompt=task_prompt if "prompt" in arm else "",
            limits=limits,
        )
    )

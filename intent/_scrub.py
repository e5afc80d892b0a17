"""Scrubbing personal data from prompts before any model sees them: emails, phone numbers, API
keys and personal names, each found by a pattern and replaced by a placeholder.

Patterns find what they were written for and miss the rest (a name with no cue before it, a
phone number written in words); the report says what was found, never what it was.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from pydantic import BaseModel, Field

PLACEHOLDERS = {"email": "[EMAIL]", "key": "[KEY]", "phone": "[PHONE]", "name": "[NAME]"}
"""What each kind of personal data is replaced with."""

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_KEYS = re.compile(
    r"\b(?:sk|pk|rk)-(?:live-|test-|proj-|ant-)?[A-Za-z0-9_-]{16,}"  # OpenAI, Anthropic, Stripe
    r"|\bAKIA[0-9A-Z]{16}\b"  # AWS access key id
    r"|\bgh[pousr]_[A-Za-z0-9]{30,}\b"  # GitHub tokens
    r"|\bxox[abprs]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|\bAIza[0-9A-Za-z_-]{35}\b"  # Google API keys
    r"|\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[A-Z])[A-Za-z0-9_-]{32,}\b"
)
"""Known key prefixes, and any 32+ character token that mixes digits, lower and upper case."""
_PHONE = re.compile(r"(?<![\w-])\+?\(?\d[\d\s().-]{7,}\d(?![\w-])")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$")
_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
_NAME = re.compile(
    rf"(?:\b(?:[Mm]y name is|I am|I'm|[Dd]ear|[Tt]hanks,|[Rr]egards,|[Cc]heers,|[Bb]est,|"
    rf"[Ss]incerely,)\s+)(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD})+|(?<=[Dd]ear )(?:{_NAME_WORD}))"
)
"""A name is two or more capitalised words after a cue (`my name is`, `I'm`, a sign-off), or
one after `Dear`: `I am on Python 3.8` names nobody."""


class ScrubReport(BaseModel):
    """What the scrubber replaced, counted (the values themselves are never kept)."""

    prompts: int = 0
    """Prompts scrubbed."""
    prompts_changed: int = 0
    """Prompts in which something was replaced."""
    found: dict[str, int] = Field(default_factory=dict)
    """Replacements per kind: email, key, phone, name."""

    def add(self, found: Counter[str]) -> None:
        """Count one scrubbed prompt and what was found in it."""
        self.prompts += 1
        if found:
            self.prompts_changed += 1
        for kind, count in found.items():
            self.found[kind] = self.found.get(kind, 0) + count


def _phone(match: re.Match[str]) -> str | None:
    """A phone number has 9 to 15 digits and is not a date."""
    text = match.group(0).strip()
    digits = sum(c.isdigit() for c in text)
    if not 9 <= digits <= 15 or _DATE.match(text):
        return None
    return PLACEHOLDERS["phone"]


def _sub(
    pattern: re.Pattern[str],
    kind: str,
    text: str,
    found: Counter[str],
    check: Callable[[re.Match[str]], str | None] | None = None,
) -> str:
    def replace(match: re.Match[str]) -> str:
        replacement = check(match) if check else PLACEHOLDERS[kind]
        if replacement is None:
            return match.group(0)
        found[kind] += 1
        if kind == "name":
            start, end = match.span("name")
            whole = match.group(0)
            offset = match.start()
            return whole[: start - offset] + replacement + whole[end - offset :]
        return replacement

    return pattern.sub(replace, text)


def scrub_text(text: str) -> tuple[str, Counter[str]]:
    """The text with personal data replaced, and what was replaced (per kind)."""
    found: Counter[str] = Counter()
    # Emails before keys and phones: an address may hold digits or a long local part.
    text = _sub(_EMAIL, "email", text, found)
    text = _sub(_KEYS, "key", text, found)
    text = _sub(_PHONE, "phone", text, found, _phone)
    text = _sub(_NAME, "name", text, found)
    return text, found

"""Prompt templates: `{{var}}` placeholders (promptfoo's spelling, without nunjucks logic), the
spans a meaning-preserving edit must leave alone, and rendering with a test case's vars."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import NamedTuple

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
"""A variable: `{{name}}` or `{{ name }}`."""
NUNJUCKS = re.compile(r"\{%|%\}|\{\{[^}]*\|[^}]*\}\}|\{#")
"""Template logic or filters, which a plain substitution cannot honour."""


class Span(NamedTuple):
    """A half-open range of characters [start, end) in a text."""

    start: int
    end: int


def placeholders(text: str) -> list[str]:
    """The variable names in `text`, in order, with repeats."""
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def template_logic(text: str) -> str | None:
    """The first nunjucks construct beyond a plain `{{var}}` in `text`, or None."""
    match = NUNJUCKS.search(text)
    return match.group(0) if match else None


def render(text: str, variables: Mapping[str, object]) -> str:
    """`text` with each `{{name}}` replaced by str(variables[name]); unknown names stay."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(variables[name]) if name in variables else match.group(0)

    return PLACEHOLDER.sub(value, text)


def term_pattern(term: str) -> re.Pattern[str]:
    """`term` as a whole word (or a whole symbol run), case-sensitive."""
    left = r"(?<![A-Za-z0-9_])" if term[:1].isalnum() or term[:1] == "_" else ""
    right = r"(?![A-Za-z0-9_])" if term[-1:].isalnum() or term[-1:] == "_" else ""
    return re.compile(f"{left}{re.escape(term)}{right}")


def protected_spans(text: str, terms: Iterable[str]) -> list[Span]:
    """Placeholders and every occurrence of the protected terms, merged and sorted."""
    spans = [Span(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]
    for term in terms:
        if term:
            spans += [Span(m.start(), m.end()) for m in term_pattern(term).finditer(text)]
    return _merge(spans)


def _merge(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for span in sorted(spans):
        if merged and span.start <= merged[-1].end:
            merged[-1] = Span(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged


def free_segments(text: str, spans: list[Span]) -> list[tuple[bool, str]]:
    """`text` cut into (editable, piece) pairs: the protected spans are not editable."""
    pieces: list[tuple[bool, str]] = []
    at = 0
    for span in spans:
        if span.start > at:
            pieces.append((True, text[at : span.start]))
        pieces.append((False, text[span.start : span.end]))
        at = span.end
    if at < len(text):
        pieces.append((True, text[at:]))
    return pieces


def missing_terms(base: str, variant: str, terms: Iterable[str]) -> list[str]:
    """Protected terms of `base` that `variant` no longer holds (as whole words)."""
    return [
        term
        for term in terms
        if term and term_pattern(term).search(base) and not term_pattern(term).search(variant)
    ]


def placeholder_change(base: str, variant: str) -> str | None:
    """How the variables differ between two templates (None: the same, with the same counts)."""
    before, after = Counter(placeholders(base)), Counter(placeholders(variant))
    if before == after:
        return None
    lost = sorted((before - after).elements())
    gained = sorted((after - before).elements())
    parts = ([f"lost {', '.join(lost)}"] if lost else []) + (
        [f"gained {', '.join(gained)}"] if gained else []
    )
    return "; ".join(parts)

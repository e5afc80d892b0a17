"""The instructions each model role gets (pure functions of their inputs; tested on strings).

Small models imitate what they see, so each instruction is short, names every allowed value
once and shows worked examples written for this purpose (none is a prompt of the bundled log).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from intent._kinds import AMBIGUITY_MEANINGS, KIND_MEANINGS

_KINDS = "\n".join(f"- {kind}: {meaning}" for kind, meaning in KIND_MEANINGS.items())
_AMBIGUITIES = "\n".join(f"- {kind}: {meaning}" for kind, meaning in AMBIGUITY_MEANINGS.items())

_FACET_EXAMPLES = (
    (
        "Write a Python script that renames my photos.",
        {
            "intent": "script to rename photo files",
            "domain": "software",
            "task": "write",
            "stated": ["platform"],
            "missing": ["data", "goal"],
            "output": "code",
            "ambiguity": "none",
            "needs_clarification": True,
        },
    ),
    (
        "Translate 'good morning, dear neighbours' into French, informal.",
        {
            "intent": "translate a greeting into French",
            "domain": "language",
            "task": "convert",
            "stated": ["language", "data", "tone"],
            "missing": [],
            "output": "prose",
            "ambiguity": "none",
            "needs_clarification": False,
        },
    ),
    (
        "Book me a hotel in Porto for two nights.",
        {
            "intent": "book a hotel in Porto",
            "domain": "travel",
            "task": "plan",
            "stated": ["location"],
            "missing": ["date", "budget", "quantity"],
            "output": "list",
            "ambiguity": "none",
            "needs_clarification": True,
        },
    ),
    (
        "Make it better.",
        {
            "intent": "improve something unnamed",
            "domain": "unknown",
            "task": "other",
            "stated": [],
            "missing": ["data", "goal"],
            "output": "other",
            "ambiguity": "referent",
            "needs_clarification": True,
        },
    ),
)

FACETS = f"""You read one request that a user sent to an AI assistant and record its facets.
- intent: what the user wants, in at most 8 words
- domain: the subject area, one or two words
- task: write, fix, explain, convert, plan, recommend, summarize, analyze or other
- stated: the kinds of constraint the request gives
- missing: the kinds of detail this request needs for a good answer that it does NOT give; \
check each kind below against the request; leave it empty if nothing is missing; never a kind \
that is in stated
- output: code, prose, list, table, plan, chart or other
- ambiguity: one of
{_AMBIGUITIES}
- needs_clarification: true if a careful assistant should ask before answering

Kinds of constraint:
{_KINDS}

Examples:
""" + "\n".join(
    f"Request: {text}\nFacets: {json.dumps(facets)}" for text, facets in _FACET_EXAMPLES
)

JOURNAL_FACETS = FACETS.replace(
    "You read one request that a user sent to an AI assistant",
    "You read a builder's journal: another agent must rebuild the code from it alone. Treat "
    "the journal as the request, the task it was written for as its context, and list as "
    "missing what the task needs that the journal leaves out. Read it",
)


def facets_request(text: str, context: str | None = None) -> str:
    """The user message of a facet call."""
    if context:
        return f"Context: {context}\n\nRequest: {text}"
    return f"Request: {text}"


NAME_CLUSTER = """You name a group of requests that users sent to an AI assistant.
You see requests from the group, then requests from other groups that are close to it.
Write a name of at most 6 words that fits the group and not the others, and a one-sentence
description of what these users want."""

NAME_GROUP = """You name a family of request groups. You see the names of its groups.
Write a name of at most 5 words for the family and a one-sentence description."""


def cluster_request(inside: Sequence[str], outside: Sequence[str]) -> str:
    """The user message of a cluster-naming call: its prompts and contrastive ones."""
    lines = ["Requests in the group:", *(f"- {t}" for t in inside)]
    if outside:
        lines += ["", "Requests in other, nearby groups (not this one):"]
        lines += [f"- {t}" for t in outside]
    return "\n".join(lines)


def group_request(names: Sequence[str]) -> str:
    """The user message of a top-level naming call."""
    return "Groups in the family:\n" + "\n".join(f"- {name}" for name in names)


_FIX_ASKS = {
    "clarify": (
        "Write a clarifying-question policy for the assistant: when a request of this group "
        "leaves out the details listed, which one short question to ask before answering. "
        "Two sentences at most, addressed to the assistant."
    ),
    "rewrite": (
        "Write an instruction for rewriting a user's request of this group before the "
        "assistant sees it, so that it asks for the listed details to be stated or asked "
        "about. Never invent values for them. Two sentences at most."
    ),
    "system": (
        "Write an addition to the assistant's system prompt for requests of this group, so "
        "that its answers capture what these users want. Two sentences at most."
    ),
}


def fix_request(kind: str, summary: str) -> str:
    """The user message of a fix-writing call."""
    return f"{summary}\n\n{_FIX_ASKS[kind]}"


WRITE_FIX = "You improve how an AI assistant captures what its users want."

APP_SYSTEM = "You are a helpful assistant. Answer the user's request concisely."
"""The application under test, before any fix."""

BASELINE_FIX = "Be specific."
"""The trivial fix every written fix must beat."""

REWRITE = """Rewrite the user's request following the instruction. Reply with the rewritten
request only."""


def rewrite_request(instruction: str, text: str) -> str:
    """The user message of a prompt-rewrite call."""
    return f"Instruction: {instruction}\n\nRequest: {text}"


USER_READS = (
    """You play a user who asked an AI assistant for help. Read the assistant's latest
reply. answered: true if it is an answer you can use, false if it only asks you questions.
asked: the kinds of detail the reply asks you for (empty if none).

Kinds of detail:
"""
    + _KINDS
)


def user_request(opening: str, reply: str) -> str:
    """The user message of a simulated user's reading."""
    return f"Your request was: {opening}\n\nThe assistant replied: {reply}"


JUDGE = (
    """You judge whether an assistant's final answer captures what a user wanted.
You see the user's request, the details the user held back (kind: detail), and the answer.
covered: the kinds of held-back detail the answer respects (it uses or matches them).
assumed: kinds of constraint the answer decided on its own that the user never gave.
success: true if the user could use the answer as it is.

Kinds of detail:
"""
    + _KINDS
)


def judge_request(opening: str, hidden: dict[str, str], answer: str) -> str:
    """The user message of a judge call."""
    details = "\n".join(f"- {kind}: {value}" for kind, value in hidden.items()) or "- (none)"
    return f"Request: {opening}\n\nHeld-back details:\n{details}\n\nFinal answer: {answer}"


JUDGE_PAIR = """You compare two final answers (A and B) of an assistant to the same user. You
see the request and the details the user held back. better: the answer that captures what the
user wanted more fully and adds less that the user never asked for (A, B, or tie)."""


def pair_request(opening: str, hidden: dict[str, str], first: str, second: str) -> str:
    """The user message of a side-by-side judge call."""
    details = "\n".join(f"- {kind}: {value}" for kind, value in hidden.items()) or "- (none)"
    return (
        f"Request: {opening}\n\nHeld-back details:\n{details}\n\n"
        f"Answer A: {first}\n\nAnswer B: {second}"
    )


HIDDEN_SPEC = (
    """You invent a realistic user behind a request to an AI assistant: the details
that user knows but did not write. For each kind listed, write one short sentence the user
would say to give that detail.

Kinds of detail:
"""
    + _KINDS
)


def hidden_request(text: str, kinds: Sequence[str]) -> str:
    """The user message of a hidden-intent call."""
    return f"Request: {text}\n\nKinds the user held back: {', '.join(kinds)}"

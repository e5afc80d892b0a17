"""The closed vocabularies the facets use: kinds of constraint, task types, output forms and
ambiguity types. Closed, so that a small model's answers can be checked against planted labels
and a grammar can constrain them."""

from __future__ import annotations

from typing import Literal, get_args

ConstraintKind = Literal[
    "language",
    "platform",
    "version",
    "data",
    "format",
    "length",
    "audience",
    "tone",
    "date",
    "budget",
    "quantity",
    "location",
    "goal",
]
"""What a constraint is about (a missing detail is named by its kind)."""

CONSTRAINT_KINDS: tuple[ConstraintKind, ...] = get_args(ConstraintKind)

KIND_MEANINGS: dict[ConstraintKind, str] = {
    "language": "the natural language of the output (e.g. Spanish)",
    "platform": "the tool, library, database, device or equipment to use",
    "version": "the version of a language or tool",
    "data": "the input to work on: the code, the error, the table, the text itself",
    "format": "the form of the output: bullet points, a table, a bar chart, a file type",
    "length": "how long the output should be",
    "audience": "who it is for, or their level (beginner, executives, a child)",
    "tone": "formal, casual, friendly, firm",
    "date": "dates, days per week, a time frame or a deadline",
    "budget": "the money available",
    "quantity": "how many: people, servings, items",
    "location": "a place or a country",
    "goal": "the purpose, the use case or what counts as success",
}
"""One line per kind, shown to the model that extracts facets."""

TaskType = Literal[
    "write", "fix", "explain", "convert", "plan", "recommend", "summarize", "analyze", "other"
]
"""The kind of work asked for."""

OutputForm = Literal["code", "prose", "list", "table", "plan", "chart", "other"]
"""The form of the answer the user expects."""

AmbiguityType = Literal["none", "referent", "vague", "conflict", "lexical"]
"""How the request is ambiguous (after CLAMBER's taxonomy, reduced): none; referent (`it`,
`this` with nothing it refers to); vague (a criterion such as `best` or `good` with no
measure); conflict (asks that contradict each other); lexical (a word with two meanings)."""

AMBIGUITY_TYPES: tuple[AmbiguityType, ...] = get_args(AmbiguityType)

AMBIGUITY_MEANINGS: dict[AmbiguityType, str] = {
    "none": "the request can be read only one way",
    "referent": "'it' or 'this' refers to something the user did not give",
    "vague": "a criterion like 'best', 'good' or 'nice' with no measure",
    "conflict": "two asks contradict each other (short but covering everything)",
    "lexical": "a word with two meanings",
}

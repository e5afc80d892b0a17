"""The bundled synthetic prompt log: a planted taxonomy to validate the pipeline against.

Twelve intents, each with objects, phrasings and three constraint *slots*. A prompt states each
slot or leaves it out at random; what it leaves out is a planted missing constraint, and the
value it held back is kept (the simulated users of the closed loop reveal it when asked). About
a fifth of the prompts carry a planted ambiguity (an `it` with nothing it refers to, a vague
criterion, or a contradiction), some carry personal data for the scrubber to find, and the
outcome (thumbs, retry, abandonment) is drawn with a risk that grows with what is missing. A
retried conversation gets a second prompt that states everything.

Deterministic: the same `n` and `seed` give the same log, byte for byte.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from intent._kinds import AmbiguityType, ConstraintKind


@dataclass(frozen=True)
class Slot:
    """A constraint an intent needs: its kind and the sentences that would state it."""

    kind: ConstraintKind
    values: tuple[str, ...]


@dataclass(frozen=True)
class Intent:
    """One planted intent: what the prompts ask for and the slots they may state."""

    name: str
    domain: str
    objects: tuple[str, ...]
    templates: tuple[str, ...]
    slots: tuple[Slot, ...]
    vague_objects: tuple[str, ...]
    referent: str | None = None
    """A phrasing with `it`/`this` in place of the input; the `data` slot is then missing."""


def _slot(kind: ConstraintKind, *values: str) -> Slot:
    return Slot(kind, values)


INTENTS: tuple[Intent, ...] = (
    Intent(
        "sql_query",
        "data",
        (
            "the top 10 customers by revenue",
            "monthly active users",
            "orders that shipped late",
            "duplicate email addresses",
            "the average order value per country",
        ),
        (
            "Write a SQL query that finds {obj}.",
            "I need SQL to get {obj}.",
            "Can you give me a query for {obj}?",
            "How do I query {obj}?",
        ),
        (
            _slot("platform", "It runs on PostgreSQL.", "We use MySQL.", "It is for SQLite."),
            _slot(
                "data",
                "The table is orders(id, customer_id, total, shipped_at, created_at).",
                "Tables: users(id, email, country) and orders(id, user_id, amount, day).",
            ),
            _slot("format", "Return one row per month.", "Sort the result by the total."),
        ),
        ("the best customers", "the important orders", "the good users"),
        referent="Write a SQL query on this table that finds {obj}.",
    ),
    Intent(
        "python_bugfix",
        "software",
        (
            "my function that parses dates",
            "a loop that never ends",
            "my script that reads a CSV file",
            "my recursive fibonacci function",
            "a class that caches results",
        ),
        (
            "Fix {obj}, it crashes.",
            "Why does {obj} not work?",
            "Please debug {obj}.",
            "Help me fix {obj} in Python.",
        ),
        (
            _slot(
                "data",
                "The error is KeyError: 'date' on line 12.",
                "It raises RecursionError: maximum recursion depth exceeded.",
                "Here is the code: def f(n): return f(n - 1) + f(n - 2)",
            ),
            _slot("version", "I am on Python 3.8.", "This is Python 3.12."),
            _slot(
                "goal",
                "It should return None for an empty input.",
                "It must finish in under a second for 10,000 rows.",
            ),
        ),
        ("my code", "this thing I wrote"),
        referent="Fix it, it crashes.",
    ),
    Intent(
        "travel_plan",
        "travel",
        ("Lisbon", "Kyoto", "Mexico City", "the Scottish Highlands", "Rome"),
        (
            "Plan a trip to {obj}.",
            "Make me an itinerary for {obj}.",
            "What should I do on a visit to {obj}?",
            "Help me plan a holiday in {obj}.",
        ),
        (
            _slot("date", "We go for four days in May.", "It is the first week of October."),
            _slot("budget", "Our budget is 800 euros.", "We can spend about $2,000."),
            _slot("quantity", "We are two adults.", "It is a family of four with two kids."),
        ),
        ("somewhere nice", "a cool place"),
    ),
    Intent(
        "cover_letter",
        "careers",
        (
            "a data analyst job",
            "a junior web developer position",
            "a nursing role",
            "a marketing internship",
            "a barista job",
        ),
        (
            "Write a cover letter for {obj}.",
            "I need a cover letter for {obj}.",
            "Draft a letter applying for {obj}.",
        ),
        (
            _slot(
                "data",
                "I have three years of experience with Excel and SQL.",
                "I just finished a bootcamp and built two React apps.",
            ),
            _slot("length", "Keep it under 250 words.", "One page at most."),
            _slot("tone", "Make it formal.", "Make it warm and enthusiastic."),
        ),
        ("a good job", "the job"),
    ),
    Intent(
        "recipe",
        "cooking",
        (
            "a vegetarian lasagna",
            "banana bread",
            "a chicken curry",
            "pancakes",
            "a lentil soup",
        ),
        (
            "Give me a recipe for {obj}.",
            "How do I make {obj}?",
            "I want to cook {obj}, what do I do?",
        ),
        (
            _slot("quantity", "It is for six people.", "Just for one person."),
            _slot("date", "It has to be ready in 30 minutes.", "I have all afternoon."),
            _slot("platform", "I only have an air fryer.", "I have no oven, just a stove."),
        ),
        ("something tasty", "a nice dinner"),
    ),
    Intent(
        "email_reply",
        "communication",
        (
            "a client asking for a discount",
            "my landlord about a broken heater",
            "a colleague who missed a deadline",
            "a recruiter who contacted me",
        ),
        (
            "Write an email reply to {obj}.",
            "Help me answer {obj}.",
            "Draft a response to {obj}.",
        ),
        (
            _slot("tone", "Keep it polite but firm.", "Make it friendly and casual."),
            _slot("goal", "I want to say no.", "I want to set up a call next week."),
            _slot("length", "Three sentences at most.", "A short paragraph is fine."),
        ),
        ("this person", "someone annoying"),
    ),
    Intent(
        "summarize",
        "reading",
        (
            "an article about climate policy",
            "a research paper on sleep",
            "the meeting notes",
            "a long product review",
        ),
        (
            "Summarize {obj}.",
            "Give me a summary of {obj}.",
            "TL;DR {obj} please.",
        ),
        (
            _slot(
                "data",
                "Text: 'The council voted to cut emissions by 40 percent by 2035 ...'",
                "Here it is: 'Participants who slept under six hours made 20 percent more "
                "errors ...'",
            ),
            _slot("length", "In three bullet points.", "In under 50 words."),
            _slot("audience", "It is for a ten-year-old.", "It is for busy executives."),
        ),
        ("the important stuff", "the good parts"),
        referent="Summarize this.",
    ),
    Intent(
        "translate",
        "language",
        (
            "this product description",
            "my wedding speech",
            "a safety notice",
            "a menu",
        ),
        (
            "Translate {obj}.",
            "Can you translate {obj} for me?",
            "I need {obj} translated.",
        ),
        (
            _slot("language", "Into Spanish.", "Into German.", "Into Japanese."),
            _slot(
                "data",
                "Text: 'Our kettle boils a litre in under two minutes.'",
                "Text: 'Thank you all for coming on this wonderful day.'",
            ),
            _slot("tone", "Keep it formal.", "Keep it casual and fun."),
        ),
        ("stuff", "some words"),
        referent="Translate this.",
    ),
    Intent(
        "workout_plan",
        "fitness",
        (
            "to build strength",
            "to run my first 5k",
            "to lose weight",
            "to improve my posture",
        ),
        (
            "Make me a workout plan {obj}.",
            "I need a training program {obj}.",
            "What exercises should I do {obj}?",
        ),
        (
            _slot("audience", "I am a complete beginner.", "I have trained for five years."),
            _slot("date", "I can train three days a week.", "I have 20 minutes a day."),
            _slot("platform", "I only have dumbbells at home.", "I go to a full gym."),
        ),
        ("to get better", "to be in good shape"),
    ),
    Intent(
        "product_recommendation",
        "shopping",
        ("laptop", "pair of noise-cancelling headphones", "camera", "monitor", "phone"),
        (
            "Which {obj} should I buy?",
            "Recommend a {obj} for me.",
            "What is a good {obj} to get?",
        ),
        (
            _slot("budget", "My budget is 600 euros.", "I can spend up to $1,500."),
            _slot("goal", "It is for video editing.", "It is mostly for travel."),
            _slot("location", "I live in Germany.", "I am buying in Canada."),
        ),
        ("gadget", "device"),
    ),
    Intent(
        "regex",
        "software",
        (
            "email addresses",
            "dates like 2024-05-01",
            "UK postcodes",
            "hex colour codes",
            "phone extensions",
        ),
        (
            "Write a regex that matches {obj}.",
            "I need a regular expression for {obj}.",
            "What pattern finds {obj}?",
        ),
        (
            _slot("platform", "It is for JavaScript.", "I use Python's re module."),
            _slot(
                "data",
                "It should match 'ab12' but not 'a1'.",
                "Examples: '#fff' and '#a0b1c2' should match.",
            ),
            _slot(
                "goal",
                "It must match the whole string.",
                "It should find every match in a long text.",
            ),
        ),
        ("the right stuff", "the weird strings"),
        referent="Write a regex that matches these.",
    ),
    Intent(
        "chart",
        "data",
        (
            "sales by month",
            "temperatures over a year",
            "website traffic by country",
            "survey results",
        ),
        (
            "Make a chart of {obj}.",
            "Plot {obj} for me.",
            "How do I visualise {obj}?",
        ),
        (
            _slot("platform", "Use matplotlib.", "I work in Excel."),
            _slot("data", "The columns are date and amount.", "The CSV has country and visits."),
            _slot("format", "A bar chart, please.", "As a line chart."),
        ),
        ("the numbers", "my data"),
        referent="Plot this for me.",
    ),
)
"""The planted taxonomy: twelve intents in nine domains."""

CONFLICTS = (
    "Keep it very short but explain every detail.",
    "Make it as complete as possible but no longer than one line.",
    "It should be simple but cover every edge case.",
)
FIRST_NAMES = ("Maria", "James", "Aiko", "Omar", "Lena", "Carlos", "Priya", "Tom")
LAST_NAMES = ("Lopez", "Smith", "Tanaka", "Haddad", "Novak", "Silva", "Raman", "Berg")
OPENERS = ("", "", "", "Hi! ", "Quick question: ", "Hello, ", "pls ", "Hey, ")


@dataclass
class _Draw:
    """One drawn prompt before it is written out."""

    intent: Intent
    obj: str
    template: str
    stated: dict[ConstraintKind, str] = field(default_factory=dict)
    hidden: dict[ConstraintKind, str] = field(default_factory=dict)
    ambiguity: AmbiguityType = "none"
    pii: list[str] = field(default_factory=list)


def synthetic_log(n: int = 540, seed: int = 0) -> list[dict[str, Any]]:
    """`n` first prompts (plus one follow-up per retried conversation), in time order."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    rows: list[dict[str, Any]] = []
    for index in range(n):
        draw = _draw(INTENTS[index % len(INTENTS)], rng)
        when = start + timedelta(minutes=rng.randrange(30 * 24 * 60))
        outcome = _outcome(draw, rng)
        conversation = f"c{index:04d}"
        rows.append(_row(draw, _text(draw, rng), conversation, when, outcome))
        if outcome == "retry":
            follow = "thumbs_up" if rng.random() < 0.7 else "thumbs_down"
            rows.append(_follow_up(draw, conversation, when + timedelta(minutes=2), follow))
    rows.sort(key=lambda row: (row["timestamp"], row["conversation_id"]))
    for number, row in enumerate(rows):
        row["id"] = f"p{number:04d}"
    return [{"id": row.pop("id"), **row} for row in rows]


def _draw(intent: Intent, rng: random.Random) -> _Draw:
    draw = _Draw(intent, rng.choice(intent.objects), rng.choice(intent.templates))
    roll = rng.random()
    if roll < 0.08:
        draw.ambiguity, draw.obj = "vague", rng.choice(intent.vague_objects)
    elif roll < 0.14:
        draw.ambiguity = "conflict"
    elif roll < 0.24 and intent.referent:
        draw.ambiguity, draw.template = "referent", intent.referent
    for slot in intent.slots:
        value = rng.choice(slot.values)
        forced_out = draw.ambiguity == "referent" and slot.kind == "data"
        if not forced_out and rng.random() < 0.5:
            draw.stated[slot.kind] = value
        else:
            draw.hidden[slot.kind] = value
    if rng.random() < 0.15:
        draw.pii.append(rng.choice(("email", "phone", "key", "name")))
    return draw


def _text(draw: _Draw, rng: random.Random) -> str:
    base = draw.template.format(obj=draw.obj)
    opener = rng.choice(OPENERS)
    if opener and not base.startswith("I "):
        base = base[0].lower() + base[1:]
    parts = [opener + base, *draw.stated.values()]
    if draw.ambiguity == "conflict":
        parts.append(rng.choice(CONFLICTS))
    parts += [_pii(kind, rng) for kind in draw.pii]
    return " ".join(parts)


def _pii(kind: str, rng: random.Random) -> str:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    if kind == "email":
        return f"Send it to {first.lower()}.{last.lower()}@example.com."
    if kind == "phone":
        return f"Call me on +1 415 555 {rng.randrange(1000, 10000)} if unclear."
    if kind == "key":
        token = "".join(
            rng.choice("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            for _ in range(32)
        )
        # Random, so the scrubber meets a real token's shape, but marked EXAMPLE and without any
        # provider's prefix, so no secret scanner takes the bundled log for leaked keys.
        return f"My API key is EXAMPLE-{token} in case you need it."
    return f"Thanks, {first} {last}"


def _outcome(draw: _Draw, rng: random.Random) -> str:
    """Bad outcomes grow with what the prompt left out and with its ambiguity."""
    risk = 0.1 + 0.18 * len(draw.hidden) + (0.2 if draw.ambiguity != "none" else 0.0)
    if rng.random() < min(risk, 0.9):
        return rng.choice(("thumbs_down", "retry", "abandoned"))
    return "thumbs_up" if rng.random() < 0.6 else "none"


def _row(draw: _Draw, text: str, conversation: str, when: datetime, outcome: str) -> dict[str, Any]:
    return {
        "text": text,
        "conversation_id": conversation,
        "timestamp": when.isoformat(),
        "outcome": outcome,
        "planted_intent": draw.intent.name,
        "planted_domain": draw.intent.domain,
        "planted_missing": sorted(draw.hidden),
        "planted_ambiguity": draw.ambiguity,
        "planted_hidden": dict(sorted(draw.hidden.items())),
        "planted_pii": list(draw.pii),
    }


def _follow_up(draw: _Draw, conversation: str, when: datetime, outcome: str) -> dict[str, Any]:
    """The retry: the same request with every slot stated and no ambiguity."""
    full = _Draw(draw.intent, draw.obj, draw.template)
    if draw.ambiguity != "none":
        full.obj, full.template = draw.intent.objects[0], draw.intent.templates[0]
    full.stated = {**draw.stated, **draw.hidden}
    text = " ".join([full.template.format(obj=full.obj), *full.stated.values()])
    return _row(full, text, conversation, when, outcome)


def write_synthetic_log(*, out: Path, n: int = 540, seed: int = 0) -> Path:
    """Write the synthetic log as JSONL to `out` (one prompt per line); returns the path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(row, ensure_ascii=False) for row in synthetic_log(n=n, seed=seed)]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out

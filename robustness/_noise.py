"""Character-level noise: keyboard typos, casing, whitespace, Unicode confusables and zero-width
characters. Each edit touches only the editable segments (placeholders and protected terms are
left as they are) and is driven by a seeded `random.Random`, so it is reproducible."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from robustness._template import Span, free_segments

ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
CONFUSABLES = {
    "a": "\u0430",  # Cyrillic a
    "c": "\u0441",
    "e": "\u0435",
    "i": "\u0456",
    "j": "\u0458",
    "o": "\u043e",
    "p": "\u0440",
    "s": "\u0455",
    "x": "\u0445",
    "y": "\u0443",
    "A": "\u0391",  # Greek Alpha
    "B": "\u0392",
    "E": "\u0395",
    "H": "\u0397",
    "K": "\u039a",
    "M": "\u039c",
    "O": "\u039f",
    "T": "\u03a4",
}
"""Latin letters and a look-alike from another script."""
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060")
"""Zero-width space, non-joiner, joiner, word joiner."""
WORD = re.compile(r"[A-Za-z]{3,}")

Editor = Callable[[str, float, random.Random], str]


def _neighbours() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(ROWS):
        for c, key in enumerate(row):
            keys = [row[c - 1] if c else "", row[c + 1] if c + 1 < len(row) else ""]
            for other in (r - 1, r + 1):
                if 0 <= other < len(ROWS) and c < len(ROWS[other]):
                    keys.append(ROWS[other][c])
            near[key] = "".join(keys)
    return near


NEIGHBOURS = _neighbours()


def apply(text: str, spans: list[Span], edit: Editor, rate: float, rng: random.Random) -> str:
    """`edit` applied to each editable segment of `text`, at `rate`."""
    return "".join(
        edit(piece, rate, rng) if editable else piece
        for editable, piece in free_segments(text, spans)
    )


def _words(piece: str, rate: float, rng: random.Random, change: Callable[[str], str]) -> str:
    return WORD.sub(lambda m: change(m.group(0)) if rng.random() < rate else m.group(0), piece)


def typos(piece: str, rate: float, rng: random.Random) -> str:
    """Words with one keyboard slip each: a neighbouring key, a dropped, doubled or swapped
    letter."""

    def slip(word: str) -> str:
        at = rng.randrange(1, len(word) - 1)  # keep the first letter: words stay recognisable
        kind = rng.choice(("neighbour", "drop", "double", "swap"))
        letter = word[at]
        if kind == "neighbour" and letter.lower() in NEIGHBOURS:
            key = rng.choice(NEIGHBOURS[letter.lower()])
            return word[:at] + (key.upper() if letter.isupper() else key) + word[at + 1 :]
        if kind == "drop":
            return word[:at] + word[at + 1 :]
        if kind == "double":
            return word[:at] + letter + word[at:]
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]

    return _words(piece, rate, rng, slip)


def casing(piece: str, rate: float, rng: random.Random) -> str:
    """Words upper-cased, lower-cased, title-cased or with a random case per letter."""

    def recase(word: str) -> str:
        kind = rng.choice(("upper", "lower", "title", "random"))
        if kind == "upper":
            return word.upper()
        if kind == "lower":
            return word.lower()
        if kind == "title":
            return word.title()
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)

    return _words(piece, rate, rng, recase)


def whitespace(piece: str, rate: float, rng: random.Random) -> str:
    """Spaces doubled, turned into tabs or line breaks; trailing spaces after line ends."""

    def respace(match: re.Match[str]) -> str:
        if rng.random() >= rate:
            return match.group(0)
        return rng.choice(("  ", "   ", "\t", " \n", "\n"))

    spaced = re.sub(r" ", respace, piece)
    return re.sub(r"\n", lambda m: "  \n" if rng.random() < rate else "\n", spaced)


def confusables(piece: str, rate: float, rng: random.Random) -> str:
    """Letters replaced by look-alikes from other scripts (Cyrillic, Greek)."""
    return "".join(CONFUSABLES[c] if c in CONFUSABLES and rng.random() < rate else c for c in piece)


def zero_width(piece: str, rate: float, rng: random.Random) -> str:
    """Zero-width characters slipped in between letters."""
    out = []
    for char in piece:
        out.append(char)
        if char.isalpha() and rng.random() < rate:
            out.append(rng.choice(ZERO_WIDTH))
    return "".join(out)


EDITORS: dict[str, Editor] = {
    "typos": typos,
    "casing": casing,
    "whitespace": whitespace,
    "confusables": confusables,
    "zero-width": zero_width,
}
"""The noise family's kinds."""
RATES = {
    "typos": (0.04, 0.10, 0.20),
    "casing": (0.05, 0.15, 0.30),
    "whitespace": (0.05, 0.15, 0.35),
    "confusables": (0.02, 0.06, 0.15),
    "zero-width": (0.02, 0.06, 0.15),
}
"""Share of words (typos, casing), spaces (whitespace) or letters edited, per severity 1-3."""


def visible(text: str) -> str:
    """Invisible and look-alike characters spelled out, for diffs a reader can see."""
    names = {
        "\u200b": "<ZWSP>",
        "\u200c": "<ZWNJ>",
        "\u200d": "<ZWJ>",
        "\u2060": "<WJ>",
        "\t": "<TAB>",
    }
    out = []
    for char in text:
        if char in names:
            out.append(names[char])
        elif ord(char) > 127 and char in CONFUSABLES.values():
            out.append(f"<{char}:U+{ord(char):04X}>")
        else:
            out.append(char)
    return "".join(out)

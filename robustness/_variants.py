"""The variant generator: families x kinds x severities x seeds, deterministic under a seed.

Meaning-preserving (INV) families: format, structure, length, noise, paraphrase. Each INV
variant keeps every placeholder and every protected term; a rule-made candidate that would not is
never emitted, and a model-written paraphrase that does not is recorded with its failed check and
left out of the metrics. The `dir` family holds meaning-changing controls (DIR): the expected
answer changes with the prompt.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from dataclasses import replace as dc_replace
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from robustness import _document as doc
from robustness._load import LoadedSuite, Prompt
from robustness._noise import EDITORS, RATES, apply
from robustness._suite import Control, Replacement, VariantsSpec
from robustness._template import (
    PLACEHOLDER,
    missing_terms,
    placeholder_change,
    protected_spans,
    term_pattern,
)

Relation = Literal["clean", "INV", "DIR"]
KINDS: dict[str, tuple[str, ...]] = {
    "format": doc.ATTRIBUTES,
    "structure": ("markdown", "xml", "json", "order"),
    "length": ("shorten", "restate", "distractor", "tail"),
    "noise": tuple(EDITORS),
    "paraphrase": ("model",),
    "dir": ("control",),
}
"""Each family's kinds."""
FORMAT_CHANGES = {1: 1, 2: 3, 3: 5}
"""Grammar attributes changed per format severity."""
SHORTEN = {1: 0.25, 2: 0.5, 3: 1.0}
"""Share of the droppable sentences dropped per severity."""
TAIL_SENTENCES = {1: 1, 2: 3, 3: 6}
DISTRACTORS = (
    "Our company was founded in 2009 and has offices in four countries. We value clear "
    "communication and try to keep every process simple.",
    "The team meets every Monday to review the previous week. Notes from these meetings are "
    "shared on the internal wiki.",
    "Please note that the office is closed on public holidays. Messages received on those days "
    "are handled on the next working day.",
    "The style guide prefers short sentences, active voice and plain words. Headings use "
    "sentence case.",
    "Version 2 of this workflow replaced the spreadsheet that was used before. Feedback on the "
    "change has been positive so far.",
    "All staff completed the annual security training in March. The next session is planned "
    "for the autumn.",
)
"""Plausible paragraphs that change nothing about the task (any holding a protected term is
skipped)."""
TAILS = (
    "P.S. The weather has been lovely this week.",
    "Unrelated: the printer on the second floor is out of toner.",
    "Reminder: the team lunch is on Friday at noon.",
    "By the way, the new coffee machine works again.",
    "FYI, the parking lot will be repainted on Saturday.",
    "Note to self: water the plants before leaving.",
)
RESTATE_LEADS = ("To restate: ", "In short: ", "Remember: ", "Once more, to be clear: ")
CODE_WORDS = ("amber", "cobalt", "violet", "jade", "coral", "slate", "ivory", "onyx", "teal")
"""New names for renamed labels (DIR): words no label set is likely to hold."""
PARAPHRASE_ASKS = {
    1: "Reword the text below lightly: change some words and phrases, keep its structure.",
    2: "Rewrite the text below in your own words, as a different writer would.",
    3: "Rewrite the text below as concisely as possible, in new words.",
}
"""What the paraphrasing model is asked, per severity."""


class VariantCheck(BaseModel):
    """Whether a variant keeps what it must keep (INV) or changes what it must change (DIR)."""

    placeholders_kept: bool = True
    """Every {{var}} is there, as often as in the base prompt."""
    missing_terms: list[str] = Field(default_factory=list)
    """Protected terms the variant lost."""
    similarity: float | None = None
    """Paraphrases: rapidfuzz's ratio to the base text (0-1)."""
    judge: str | None = None
    """Paraphrases: the model's answer to "do these ask for the same thing?" (yes/no)."""
    passed: bool = True
    """INV: meaning kept by these checks; DIR: the prompt changed."""


class Variant(BaseModel):
    """One version of a prompt, tagged with how it was made."""

    id: str
    """`<prompt>:<family>:<kind>:s<severity>:r<seed>` (clean: `<prompt>:clean`)."""
    prompt_id: str
    """The base prompt."""
    family: str
    """clean, format, structure, length, noise, paraphrase or dir."""
    kind: str
    """The family's kind (e.g. typos, markdown, shorten)."""
    severity: int
    """0 for the clean prompt, else 1-3."""
    seed: int
    """The variant's seed index within its kind and severity."""
    relation: Relation
    """clean, INV (meaning kept: the answer must not change) or DIR (the answer must change)."""
    system: str | None
    """The system message template."""
    user: str
    """The user message template."""
    edit: str
    """What was changed, in words."""
    expect_map: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """DIR: how expected values change (field or `label` -> {old or "*": new})."""
    check: VariantCheck = Field(default_factory=VariantCheck)
    """The meaning-preservation (INV) or change (DIR) check."""

    @property
    def usable(self) -> bool:
        """Whether it enters the metrics (a paraphrase that failed its check does not)."""
        return self.check.passed


Texts = dict[str, str]
Maker = Callable[[Prompt, str, int, random.Random], tuple[Texts, str] | None]


def clean_variant(prompt: Prompt) -> Variant:
    """The unperturbed prompt."""
    return Variant(
        id=f"{prompt.id}:clean",
        prompt_id=prompt.id,
        family="clean",
        kind="clean",
        severity=0,
        seed=0,
        relation="clean",
        system=prompt.system,
        user=prompt.user,
        edit="the prompt as written",
    )


def generate_variants(loaded: LoadedSuite, spec: VariantsSpec | None = None) -> list[Variant]:
    """Every rule-made variant of every prompt (clean first), and the DIR controls.

    Paraphrases need a model: `robustness.paraphrase_variants` writes them.
    """
    spec = spec or loaded.suite.variants
    variants: list[Variant] = []
    for prompt in loaded.prompts:
        variants += _prompt_variants(loaded, prompt, spec)
    return variants


def _prompt_variants(loaded: LoadedSuite, prompt: Prompt, spec: VariantsSpec) -> list[Variant]:
    clean = clean_variant(prompt)
    seen = {(clean.system, clean.user)}
    out = [clean]
    for family in spec.families:
        if family in ("paraphrase", "dir"):
            continue
        for kind in KINDS[family]:
            for severity in spec.severities:
                for index in range(spec.seeds):
                    made = _rule_variant(prompt, family, kind, severity, index, spec.seed)
                    if made is not None and (made.system, made.user) not in seen:
                        seen.add((made.system, made.user))
                        out.append(made)
    if "dir" in spec.families:
        out += control_variants(loaded, prompt, spec)
    return out


def _rng(root: int, *parts: object) -> random.Random:
    # A string seed goes through SHA-512: the same on every machine and Python run.
    return random.Random(":".join(str(p) for p in (root, *parts)))


def _rule_variant(
    prompt: Prompt, family: str, kind: str, severity: int, index: int, root: int
) -> Variant | None:
    rng = _rng(root, prompt.id, family, kind, severity, index)
    made = MAKERS[family](prompt, kind, severity, rng)
    if made is None:
        return None
    texts, edit = made
    system = texts.get("system", prompt.system)
    user = texts.get("user", prompt.user)
    check = inv_check(prompt, system, user)
    if not check.passed:
        return None
    return Variant(
        id=f"{prompt.id}:{family}:{kind}:s{severity}:r{index}",
        prompt_id=prompt.id,
        family=family,
        kind=kind,
        severity=severity,
        seed=index,
        relation="INV",
        system=system,
        user=user,
        edit=edit,
        check=check,
    )


def inv_check(prompt: Prompt, system: str | None, user: str) -> VariantCheck:
    """Placeholders and protected terms of the base prompt, still in the variant?"""
    base = f"{prompt.system or ''}\n{prompt.user}"
    variant = f"{system or ''}\n{user}"
    kept = placeholder_change(base, variant) is None
    missing = missing_terms(base, variant, prompt.protect)
    return VariantCheck(placeholders_kept=kept, missing_terms=missing, passed=kept and not missing)


def _messages(prompt: Prompt) -> list[tuple[str, str]]:
    """The (role, text) pairs variants may edit."""
    pairs = [("system", prompt.system), ("user", prompt.user)]
    return [(role, text) for role, text in pairs if text is not None and role in prompt.perturb]


# --- format ---------------------------------------------------------------------------------

OPTIONS = {
    "separator": doc.SEPARATORS,
    "spacing": doc.SPACINGS,
    "casing": doc.CASINGS,
    "enumerator": doc.ENUMERATORS,
    "wrapper": doc.WRAPPERS,
}


def _format(prompt: Prompt, kind: str, severity: int, rng: random.Random) -> tuple[Texts, str]:
    messages = [(role, text, doc.parse(text)) for role, text in _messages(prompt)]
    current = messages[0][2].observed() if messages else doc.Document(()).observed()
    others = [a for a in doc.ATTRIBUTES if a != kind]
    attributes = [kind, *rng.sample(others, FORMAT_CHANGES[severity] - 1)]
    # A value the prompt does not already use: every named attribute really changes.
    fmt = doc.Format()
    for attribute in attributes:
        fmt = fmt.changed(
            attribute, rng.choice([v for v in OPTIONS[attribute] if v != current[attribute]])
        )
    texts = {
        role: _keep_edges(text, doc.render(document, fmt)) for role, text, document in messages
    }
    edit = ", ".join(f"{a} {getattr(fmt, a)!r}" for a in attributes)
    return texts, f"format: {edit}"


def _keep_edges(original: str, rendered: str) -> str:
    """The rendered text with the original's leading and trailing whitespace."""
    lead = original[: len(original) - len(original.lstrip())]
    trail = original[len(original.rstrip()) :]
    return f"{lead}{rendered.strip()}{trail}"


# --- structure ------------------------------------------------------------------------------

SWAPS: dict[int, int | None] = {1: 0, 2: 1, 3: None}
"""Section moves with a container change, per severity (None: shuffled)."""
ORDER_SWAPS: dict[int, int | None] = {1: 1, 2: 2, 3: None}
"""Section moves of the `order` kind, per severity."""


def _order(count: int, swaps: int | None, rng: random.Random) -> list[int]:
    """A new order of `count` sections: `swaps` adjacent swaps, or a shuffle (None)."""
    order = list(range(count))
    if count < 2:
        return order
    if swaps is None:
        shuffled = order[:]
        while shuffled == order:
            rng.shuffle(shuffled)
        return shuffled
    for _ in range(swaps):
        at = rng.randrange(count - 1)
        order[at], order[at + 1] = order[at + 1], order[at]
    return order


def _structure(prompt: Prompt, kind: str, severity: int, rng: random.Random) -> tuple[Texts, str]:
    swaps = ORDER_SWAPS[severity] if kind == "order" else SWAPS[severity]
    heading = rng.choice(("## {}", "# {}", "### {}", "**{}**"))
    term_style = rng.choice(("**{}**", "`{}`", "{}"))
    tag_style = rng.choice(("snake", "kebab", "camel"))
    items_as_tags = rng.random() < 0.5
    indent = rng.choice((2, 4, None))
    texts: Texts = {}
    for role, text in _messages(prompt):
        document = doc.parse(text)
        if swaps != 0:
            document = doc.reordered(document, _order(len(document.sections), swaps, rng))
        if kind == "markdown":
            rendered = doc.render_markdown(document, heading, term_style)
        elif kind == "xml":
            rendered = doc.render_xml(document, tag_style, items_as_tags)
        elif kind == "json":
            rendered = doc.render_json(document, indent, tag_style)
        else:
            rendered = doc.render(document)
        texts[role] = _keep_edges(text, rendered)
    moved = {0: "same order", None: "sections shuffled"}.get(swaps, f"{swaps} section swap(s)")
    return texts, f"structure: {kind}, {moved}"


# --- length ---------------------------------------------------------------------------------

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


def _sentences(text: str) -> list[str]:
    return [s for s in SENTENCE.split(text) if s.strip()] if text else []


def _droppable(sentence: str, prompt: Prompt) -> bool:
    return not protected_spans(sentence, prompt.protect)


def _shorten(
    document: doc.Document, prompt: Prompt, share: float, rng: random.Random
) -> doc.Document | None:
    slots = [
        (s, part, n)
        for s, section in enumerate(document.sections)
        for part in ("intro", "outro")
        for n, sentence in enumerate(_sentences(getattr(section, part)))
        if _droppable(sentence, prompt)
    ]
    if not slots:
        return None
    drop = set(rng.sample(slots, max(1, round(share * len(slots)))))
    sections: list[doc.Section] = []
    gaps: list[str] = []
    for s, section in enumerate(document.sections):
        parts = {
            part: " ".join(
                sentence
                for n, sentence in enumerate(_sentences(getattr(section, part)))
                if (s, part, n) not in drop
            )
            for part in ("intro", "outro")
        }
        kept = dc_replace(section, intro=parts["intro"], outro=parts["outro"])
        if kept.title or kept.intro or kept.items or kept.outro:
            if sections:
                gaps.append(document.gap(s - 1))
            sections.append(kept)
    return doc.Document(tuple(sections), tuple(gaps))


def _input_index(document: doc.Document) -> int:
    """Where inserted sections go: before the first one that holds a placeholder."""
    for index, section in enumerate(document.sections):
        if PLACEHOLDER.search(doc.render(doc.Document((section,)))):
            return index
    return len(document.sections)


def _insert(
    document: doc.Document, new: list[doc.Section], rng: random.Random, spread: bool
) -> doc.Document:
    limit = _input_index(document)
    for section in new:
        document = doc.inserted(document, rng.randint(0, limit) if spread else limit, section)
        limit += 1
    return document


def _length(
    prompt: Prompt, kind: str, severity: int, rng: random.Random
) -> tuple[Texts, str] | None:
    messages = _messages(prompt)
    if not messages:
        return None
    if kind == "tail":
        role, text = messages[-1]
        tail = rng.sample(TAILS, TAIL_SENTENCES[severity])
        return {role: f"{text.rstrip()}\n\n{' '.join(tail)}"}, (
            f"length: an irrelevant tail of {len(tail)} sentence(s)"
        )
    role, text = messages[0]
    document = doc.parse(text)
    changed, edit = _lengthen_or_shorten(document, prompt, kind, severity, rng)
    if changed is None:
        return None
    return {role: _keep_edges(text, doc.render(changed))}, edit


def _lengthen_or_shorten(
    document: doc.Document, prompt: Prompt, kind: str, severity: int, rng: random.Random
) -> tuple[doc.Document | None, str]:
    if kind == "shorten":
        share = SHORTEN[severity]
        return _shorten(document, prompt, share, rng), (
            f"length: shortened ({share:.0%} of the optional sentences dropped)"
        )
    if kind == "restate":
        pool = [s for section in document.sections for s in _sentences(section.intro)]
        if not pool:
            return None, ""
        chosen = rng.sample(pool, min(severity, len(pool)))
        new = doc.Section(None, intro=rng.choice(RESTATE_LEADS) + " ".join(chosen))
        return _insert(document, [new], rng, False), f"length: {len(chosen)} sentence(s) restated"
    usable = [d for d in DISTRACTORS if not _mentions(d, prompt.protect)]
    if not usable:
        return None, ""
    chosen = rng.sample(usable, min(severity, len(usable)))
    new_sections = [doc.Section(None, intro=d) for d in chosen]
    return _insert(document, new_sections, rng, True), (
        f"length: {len(chosen)} distractor paragraph(s)"
    )


def _mentions(text: str, terms: tuple[str, ...]) -> bool:
    """Whether `text` names any of `terms`, in any case."""
    return any(re.search(rf"(?<!\w){re.escape(t)}(?!\w)", text, re.IGNORECASE) for t in terms)


# --- noise ----------------------------------------------------------------------------------


def _noise(prompt: Prompt, kind: str, severity: int, rng: random.Random) -> tuple[Texts, str]:
    rate = RATES[kind][severity - 1]
    texts = {
        role: apply(text, protected_spans(text, prompt.protect), EDITORS[kind], rate, rng)
        for role, text in _messages(prompt)
    }
    return texts, f"noise: {kind} at {rate:.0%}"


MAKERS: dict[str, Maker] = {
    "format": _format,
    "structure": _structure,
    "length": _length,
    "noise": _noise,
}


# --- DIR controls ---------------------------------------------------------------------------


def control_variants(loaded: LoadedSuite, prompt: Prompt, spec: VariantsSpec) -> list[Variant]:
    """The suite's controls and the label renames, as DIR variants of `prompt`."""
    controls = [c for c in loaded.suite.controls if c.prompts is None or prompt.id in c.prompts]
    controls += auto_controls(loaded, prompt, spec)
    out = []
    for control in controls:
        system = _replace(prompt.system, control.replace)
        user = _replace(prompt.user, control.replace) or prompt.user
        changed = (system, user) != (prompt.system, prompt.user)
        out.append(
            Variant(
                id=f"{prompt.id}:dir:{control.id}",
                prompt_id=prompt.id,
                family="dir",
                kind="control",
                severity=1,
                seed=0,
                relation="DIR",
                system=system,
                user=user,
                edit=control.description or _describe(control.replace),
                expect_map=control.expect,
                check=VariantCheck(passed=changed),
            )
        )
    return out


def auto_controls(loaded: LoadedSuite, prompt: Prompt, spec: VariantsSpec) -> list[Control]:
    """Rename labels of the label set to code words: the model must answer with the new name."""
    output = loaded.suite.output
    field = "label" if output.kind == "label" else output.label_field
    if field is None or not output.labels or spec.auto_controls == 0:
        return []
    rng = _rng(spec.seed, prompt.id, "dir")
    labels = [
        lab for lab in output.labels if term_pattern(lab).search(f"{prompt.system}\n{prompt.user}")
    ]
    chosen = rng.sample(labels, min(spec.auto_controls, len(labels)))
    words = rng.sample(CODE_WORDS, len(chosen))
    return [
        Control(
            id=f"rename-{label}",
            description=f"the label {label!r} is renamed {word!r}",
            replace=[Replacement(old=label, new=word)],
            expect={field: {label: word}},
        )
        for label, word in zip(chosen, words, strict=True)
    ]


def _replace(text: str | None, replacements: list[Replacement]) -> str | None:
    if text is None:
        return None
    for r in replacements:
        text = term_pattern(r.old).sub(r.new.replace("\\", "\\\\"), text)
    return text


def _describe(replacements: list[Replacement]) -> str:
    return "; ".join(f"{r.old!r} -> {r.new!r}" for r in replacements)


def iter_family(variants: list[Variant], family: str) -> Iterator[Variant]:
    """The variants of one family."""
    return (v for v in variants if v.family == family)


def make_variants(
    suite: str | Path, *, family: str | None = None, seed: int | None = None
) -> list[Variant]:
    """The rule-made variants of a suite (`experiment robustness variants`), optionally of one
    family and with another root seed."""
    from robustness._errors import SuiteError
    from robustness._load import load_suite
    from robustness._suite import FAMILIES

    loaded = load_suite(suite)
    spec = loaded.suite.variants
    if seed is not None:
        spec = spec.model_copy(update={"seed": seed})
    variants = generate_variants(loaded, spec)
    if family is None:
        return variants
    if family not in FAMILIES:
        raise SuiteError(
            f"--family {family}: unknown family; fix: use one of {', '.join(FAMILIES)}"
        )
    return [v for v in variants if v.family in (family, "clean")]

"""A prompt as a document of sections, so that its format and structure can change while its
words stay: a FormatSpread-style grammar (separators, spacing, title casing, enumerators, item
wrappers) and containers (plain, Markdown, XML tags, JSON sections) over the same sections.

A section is a paragraph of the prompt: an optional title (`Intents:`), prose, and list items,
each with an optional term (`- refund: the customer wants money back`). Everything keeps the
characters it was written with until a format change names it, so rendering with an empty
`Format()` gives the text back: a variant differs from its base prompt only in what it changes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace

TITLE = re.compile(
    r"^(?P<title>[A-Z][A-Za-z0-9'()/]*(?: [A-Za-z0-9'()/]+){0,4})(?P<sep>:[ \t]*)(?P<rest>.*)$"
)
ITEM = re.compile(
    r"^(?P<mark>[ \t]*(?:[-*•]|\d{1,2}[.)]|[a-z][.)]|\([a-z0-9]{1,4}\)|[ivx]{1,4}\.)[ \t]+)"
    r"(?P<text>\S.*)$"
)
TERM = re.compile(
    r"^(?P<open>\*\*|[\"'`\[<])?(?P<term>[A-Za-z0-9_][\w.-]*(?: [\w.-]+){0,2}?)"
    r"(?P<close>\*\*|[\"'`\]>])?(?P<sep>[ \t]*(?::|=|→| -| —)[ \t]+)(?P<text>\S.*)$"
)
CLOSERS = {"**": "**", '"': '"', "'": "'", "`": "`", "[": "]", "<": ">"}

SEPARATORS = (": ", ":\n", " - ", " = ", " :: ", "\n")
"""Between a section's title and its content."""
ITEM_SEPARATORS = (": ", " - ", " = ", " → ", " — ")
"""Between an item's term and its text."""
SPACINGS = ("\n\n", "\n", "\n\n\n", "\n\n---\n\n", "\n \n")
"""Between sections."""
CASINGS = ("as-is", "upper", "lower", "title")
"""Of section titles (terms and prose never change case here)."""
ENUMERATORS = ("- ", "* ", "• ", "1. ", "1) ", "(a) ", "a. ", "i. ", "")
"""Before list items; digits and letters count up."""
WRAPPERS = ("{}", "'{}'", '"{}"', "`{}`", "[{}]", "<{}>", "**{}**")
"""Around item terms."""
ATTRIBUTES = ("separator", "spacing", "casing", "enumerator", "wrapper")
"""The grammar's attributes, the kinds of the format family."""
ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii")


@dataclass(frozen=True)
class Item:
    """One list item, with the characters it was written with."""

    mark: str
    """Its bullet or number with the spaces after it, as written (e.g. `- `)."""
    term: str | None
    """The term it defines (`refund` in `- refund: money back`), if any."""
    wrapper: str
    """How the term was wrapped: `{}`, `'{}'`, `**{}**`, ..."""
    separator: str
    """Between term and text, as written (e.g. `: `)."""
    text: str
    """The rest of the line."""


@dataclass(frozen=True)
class Section:
    """One paragraph: title, prose before and after its list, and the list."""

    title: str | None = None
    separator: str = ": "
    """Between title and content, as written (`:\\n` when the content starts below)."""
    intro: str = ""
    items: tuple[Item, ...] = ()
    outro: str = ""


@dataclass(frozen=True)
class Format:
    """Changes to the grammar; None keeps what each section was written with."""

    separator: str | None = None
    spacing: str | None = None
    casing: str | None = None
    enumerator: str | None = None
    wrapper: str | None = None

    def changed(self, attribute: str, value: str) -> Format:
        """This format with one attribute set."""
        return replace(self, **{attribute: value})


@dataclass(frozen=True)
class Document:
    """A prompt's sections and the whitespace between them."""

    sections: tuple[Section, ...]
    gaps: tuple[str, ...] = ()
    """gaps[i] separates sections i and i + 1 (blank lines as written)."""

    def gap(self, index: int) -> str:
        """The whitespace before section `index + 1`."""
        return self.gaps[index] if index < len(self.gaps) else "\n\n"

    def observed(self) -> dict[str, str]:
        """What the first title, gap, item and term were written with, in the grammar's values."""
        titled = next((s for s in self.sections if s.title), None)
        item = next((i for s in self.sections for i in s.items), None)
        termed = next((i for s in self.sections for i in s.items if i.term), None)
        return {
            "separator": _normal(titled.separator) if titled else ": ",
            "spacing": self.gaps[0] if self.gaps else "\n\n",
            "casing": "as-is",
            "enumerator": _enumerator(item.mark) if item else "- ",
            "wrapper": termed.wrapper if termed else "{}",
        }


def _normal(separator: str) -> str:
    return ":\n" if separator.endswith("\n") else ": "


def _enumerator(mark: str) -> str:
    bare = mark.strip()
    if bare in ("-", "*", "•"):
        return f"{bare} "
    if bare[:1].isdigit():
        return "1) " if bare.endswith(")") else "1. "
    if bare.startswith("("):
        return "(a) "
    return "i. " if set(bare[:-1]) <= set("ivx") and len(bare) > 2 else "a. "


def parse(text: str) -> Document:
    """Sections from paragraphs (blank-line separated), each keeping how it was written."""
    body = text.strip("\n")
    parts = re.split(r"(\n[ \t]*\n(?:[ \t]*\n)*)", body)
    paragraphs = parts[0::2]
    gaps = parts[1::2]
    sections: list[Section] = []
    kept_gaps: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        if not paragraph.strip():
            continue
        if sections:
            kept_gaps.append(gaps[index - 1] if index else "\n\n")
        sections.append(_section(paragraph))
    return Document(tuple(sections), tuple(kept_gaps))


def _section(paragraph: str) -> Section:
    lines = paragraph.split("\n")
    title, separator = None, ": "
    match = TITLE.match(lines[0])
    if match:
        title = match.group("title")
        if match.group("rest"):
            separator = match.group("sep")
            lines = [match.group("rest"), *lines[1:]]
        else:
            separator = match.group("sep") + "\n"
            lines = lines[1:]
    flags = [ITEM.match(line) is not None for line in lines]
    if True not in flags:
        return Section(title, separator, "\n".join(lines))
    first, last = flags.index(True), len(flags) - 1 - flags[::-1].index(True)
    if not all(flags[first : last + 1]):
        return Section(title, separator, "\n".join(lines))  # prose between items: keep as prose
    items = tuple(_item(line) for line in lines[first : last + 1])
    return Section(title, separator, "\n".join(lines[:first]), items, "\n".join(lines[last + 1 :]))


def _item(line: str) -> Item:
    match = ITEM.match(line)
    assert match is not None  # the caller checked
    mark, text = match.group("mark"), match.group("text")
    term = TERM.match(text)
    if term and "{{" not in term.group("term"):
        opener, closer = term.group("open") or "", term.group("close") or ""
        if CLOSERS.get(opener, "") == closer:
            wrapper = f"{opener}{{}}{closer}"
            return Item(mark, term.group("term"), wrapper, term.group("sep"), term.group("text"))
    return Item(mark, None, "{}", "", text)


def render(document: Document, fmt: Format | None = None) -> str:
    """The document in its own format, with `fmt`'s changes."""
    fmt = fmt or Format()
    out = []
    for index, section in enumerate(document.sections):
        if index:
            out.append(fmt.spacing if fmt.spacing is not None else document.gap(index - 1))
        out.append(_render_section(section, fmt))
    return "".join(out)


def _render_section(section: Section, fmt: Format) -> str:
    body = _body(section, fmt)
    if section.title is None:
        return body
    title = _cased(section.title, fmt.casing)
    separator = section.separator if fmt.separator is None else fmt.separator
    if not body:
        return f"{title}{separator.rstrip()}"
    if section.items and not section.intro and "\n" not in separator:
        separator = separator.rstrip(" ") + "\n" if separator.strip() else "\n"
    return f"{title}{separator}{body}"


def _body(section: Section, fmt: Format) -> str:
    parts = [section.intro] if section.intro else []
    parts += [_render_item(item, n, fmt) for n, item in enumerate(section.items)]
    if section.outro:
        parts.append(section.outro)
    return "\n".join(parts)


def _render_item(item: Item, number: int, fmt: Format) -> str:
    mark = item.mark if fmt.enumerator is None else enumerate_mark(fmt.enumerator, number)
    if item.term is None:
        return f"{mark}{item.text}"
    wrapper = item.wrapper if fmt.wrapper is None else fmt.wrapper
    separator = item.separator
    if fmt.separator is not None:
        separator = ITEM_SEPARATORS[SEPARATORS.index(fmt.separator) % len(ITEM_SEPARATORS)]
    return f"{mark}{wrapper.format(item.term)}{separator}{item.text}"


def enumerate_mark(enumerator: str, number: int) -> str:
    """The mark of item `number` (from 0) for an enumerator style."""
    letter = chr(ord("a") + number % 26)
    marks = {
        "1. ": f"{number + 1}. ",
        "1) ": f"{number + 1}) ",
        "(a) ": f"({letter}) ",
        "a. ": f"{letter}. ",
        "i. ": f"{ROMAN[number % len(ROMAN)]}. ",
    }
    return marks.get(enumerator, enumerator)


def _cased(title: str, casing: str | None) -> str:
    if casing == "upper":
        return title.upper()
    if casing == "lower":
        return title.lower()
    if casing == "title":
        return title.title()
    return title


def reordered(document: Document, order: list[int]) -> Document:
    """The same sections in another order; the gaps stay where they were."""
    return Document(tuple(document.sections[i] for i in order), document.gaps)


def inserted(document: Document, at: int, section: Section) -> Document:
    """`section` inserted before position `at`, after a blank line."""
    sections = list(document.sections)
    sections.insert(at, section)
    gaps = list(document.gaps)
    gaps.insert(max(0, at - 1), "\n\n")
    return Document(tuple(sections), tuple(gaps))


def slug(title: str | None, index: int, style: str = "snake") -> str:
    """A tag or key name for a section: `Intents` -> `intents`, untitled -> `instructions_2`."""
    words: list[str] = [w.lower() for w in re.findall(r"[A-Za-z0-9]+", title or "")]
    words = words or ["instructions"]
    if title is None and index:
        words.append(str(index + 1))
    if style == "kebab":
        return "-".join(words)
    if style == "camel":
        return words[0] + "".join(w.title() for w in words[1:])
    return "_".join(words)


def _item_line(item: Item, term_style: str = "{}") -> str:
    return f"{term_style.format(item.term)}: {item.text}" if item.term else item.text


def render_markdown(document: Document, heading: str = "## {}", term_style: str = "**{}**") -> str:
    """Sections as Markdown: titles as headings (`heading` formats one), items as bullets, terms
    emphasised (`term_style`)."""
    blocks = []
    for section in document.sections:
        lines = [heading.format(section.title)] if section.title else []
        if section.intro:
            lines.append(section.intro)
        lines += [f"- {_item_line(i, term_style)}" for i in section.items]
        if section.outro:
            lines.append(section.outro)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def render_xml(document: Document, style: str = "snake", items_as_tags: bool = False) -> str:
    """Each section inside a tag named after its title."""
    blocks = []
    for index, section in enumerate(document.sections):
        tag = slug(section.title, index, style)
        inner = [section.intro] if section.intro else []
        for item in section.items:
            if items_as_tags and item.term:
                inner.append(f'<item name="{item.term}">{item.text}</item>')
            else:
                inner.append(f"- {_item_line(item)}")
        if section.outro:
            inner.append(section.outro)
        blocks.append(f"<{tag}>\n" + "\n".join(inner) + f"\n</{tag}>")
    return "\n".join(blocks)


def render_json(document: Document, indent: int | None = 2, style: str = "snake") -> str:
    """The sections as one JSON object: prose as strings, term lists as objects."""
    data: dict[str, object] = {}
    for index, section in enumerate(document.sections):
        key = slug(section.title, index, style)
        while key in data:
            key = f"{key}_{index + 1}"
        data[key] = _json_value(section)
    return json.dumps(data, indent=indent, ensure_ascii=False)


def _json_value(section: Section) -> object:
    prose = "\n".join(p for p in (section.intro, section.outro) if p)
    if not section.items:
        return prose
    if all(i.term for i in section.items) and not prose:
        return {str(i.term): i.text for i in section.items}
    return {"text": prose, "items": [_item_line(i) for i in section.items]}

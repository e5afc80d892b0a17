"""What an agent sees of a page: a simplified DOM with an id on every element it can act on.

A script (run by Playwright even when the page's own JavaScript is off) walks the visible DOM in
order, tags each link, button, field and drop-down with `data-bid`, and returns them with the
visible text between them; `render` turns that into the text an agent reads, e.g.

    url: /catalog?page=2
    title: Catalog, page 2 · Chaos Shop
    [3] link "Blue Kettle"
    — $24.45
    [9] textbox "Username" value=""
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_SCRIPT = (Path(__file__).with_name("world") / "observe.js").read_text(encoding="utf-8")
EXTRACT_JS = "\n".join(line for line in _SCRIPT.splitlines() if not line.startswith("//"))
"""The extraction script: a function expression (its leading comments cut) that Playwright
evaluates in the page."""
MAX_LINES = 160
"""Observation lines kept (the rest is cut with a note)."""


@dataclass(frozen=True)
class Element:
    """An element the agent can act on."""

    bid: str
    """Its id in the observation (the `data-bid` attribute)."""
    role: str
    """link, button, textbox, searchbox, spinbutton, combobox, checkbox, radio."""
    name: str
    """Its accessible name."""
    value: str | None = None
    """What a field holds, or a drop-down's selected option."""
    options: tuple[str, ...] = ()
    """A drop-down's options."""
    in_dialog: bool = False
    """Whether it sits in a dialog (a popup)."""


@dataclass(frozen=True)
class Observation:
    """A page as the agent sees it."""

    url: str
    """The page's URL, relative to the shop's origin where it is on it."""
    title: str
    lines: tuple[str, ...]
    """The rendered lines: elements with their ids, headings and text, in page order."""
    elements: tuple[Element, ...] = field(default=())
    error: str | None = None
    """Why the page could not be read, when it could not."""

    @property
    def text(self) -> str:
        """The observation as the agent reads it."""
        return render(self)

    @property
    def has_dialog(self) -> bool:
        """Whether a dialog (e.g. a popup overlay) is on the page."""
        return any(e.in_dialog for e in self.elements)

    def find(self, name: str, role: str | None = None) -> Element | None:
        """The element with this accessible name (exact, else contained), and role if given."""
        wanted = name.casefold().strip()
        candidates = [e for e in self.elements if role is None or e.role == role]
        for exact in (True, False):
            for element in candidates:
                have = element.name.casefold()
                if (have == wanted) if exact else (wanted in have):
                    return element
        return None

    def field(self, label: str) -> Element | None:
        """The text field or drop-down with this label."""
        fields = ("textbox", "searchbox", "spinbutton", "combobox")
        for role in fields:
            found = self.find(label, role)
            if found is not None:
                return found
        return None


def from_extract(url: str, data: dict[str, Any], max_lines: int = MAX_LINES) -> Observation:
    """An Observation from what EXTRACT_JS returned."""
    elements: list[Element] = []
    lines: list[str] = []
    for item in data.get("items", []):
        if "bid" in item:
            element = Element(
                bid=item["bid"],
                role=item.get("role") or "element",
                name=item.get("name", ""),
                value=item.get("value"),
                options=tuple(item.get("options") or ()),
                in_dialog=bool(item.get("dialog")),
            )
            elements.append(element)
            lines.append(_element_line(element))
        elif "heading" in item:
            lines.append(f"heading {_quote(item['heading'])}")
        else:
            lines.append(item["text"])
    if len(lines) > max_lines:
        lines = [*lines[:max_lines], f"... ({len(lines) - max_lines} more lines cut)"]
    return Observation(url, str(data.get("title", "")), tuple(lines), tuple(elements))


def _element_line(element: Element) -> str:
    line = f"[{element.bid}] {element.role} {_quote(element.name)}"
    if element.options:
        line += f" options: {' | '.join(element.options)} (selected: {element.value})"
    elif element.value is not None:
        line += f" value={_quote(element.value)}"
    if element.in_dialog:
        line += " (in a dialog)"
    return line


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def render(observation: Observation) -> str:
    """The observation as text: url, title, then its lines."""
    head = [f"url: {observation.url}", f"title: {observation.title}"]
    if observation.error:
        head.append(f"error: {observation.error}")
    return "\n".join([*head, *observation.lines])

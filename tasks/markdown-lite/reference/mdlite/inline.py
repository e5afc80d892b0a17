"""Inline Markdown: escapes, code spans, links, emphasis and strong emphasis."""

from __future__ import annotations

from mdlite.escape import escape_html

ESCAPABLE = frozenset("\\`*_[]()#+-.!>")

_Parsed = tuple[str, int]


class _InlineParser:
    """Recursive-descent parser over one piece of inline text.

    ``parse(start, closer)`` renders from ``start`` until the closing delimiter
    ``closer`` ("*" or "**"), or to the end of the text when ``closer`` is None.
    It returns the HTML and the index after the closer, or None when a closer was
    required but never found. Results are memoised, so failed attempts at
    emphasis cost linear work at most once per position.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._memo: dict[tuple[int, str | None], _Parsed | None] = {}

    def parse(self, start: int, closer: str | None) -> _Parsed | None:
        key = (start, closer)
        if key not in self._memo:
            self._memo[key] = self._parse(start, closer)
        return self._memo[key]

    def _can_open(self, i: int, width: int) -> bool:
        after = i + width
        return after < len(self.text) and not self.text[after].isspace()

    def _can_close(self, i: int, start: int) -> bool:
        return i > start and not self.text[i - 1].isspace()

    def _parse(self, start: int, closer: str | None) -> _Parsed | None:
        s = self.text
        out: list[str] = []
        literal: list[str] = []

        def flush() -> None:
            if literal:
                out.append(escape_html("".join(literal)))
                literal.clear()

        def emit(html: str) -> None:
            flush()
            out.append(html)

        i = start
        while i < len(s):
            char = s[i]
            if char == "\\" and i + 1 < len(s) and s[i + 1] in ESCAPABLE:
                literal.append(s[i + 1])
                i += 2
            elif char == "`" and (end := s.find("`", i + 1)) != -1:
                emit(f"<code>{escape_html(s[i + 1 : end])}</code>")
                i = end + 1
            elif char == "[" and (link := self._link(i)) is not None:
                emit(link[0])
                i = link[1]
            elif char == "*":
                if s.startswith("**", i):
                    if closer == "**" and self._can_close(i, start):
                        flush()
                        return "".join(out), i + 2
                    if self._can_open(i, 2) and (inner := self.parse(i + 2, "**")) is not None:
                        emit(f"<strong>{inner[0]}</strong>")
                        i = inner[1]
                        continue
                if closer == "*" and self._can_close(i, start):
                    flush()
                    return "".join(out), i + 1
                if self._can_open(i, 1) and (inner := self.parse(i + 1, "*")) is not None:
                    emit(f"<em>{inner[0]}</em>")
                    i = inner[1]
                    continue
                literal.append(char)
                i += 1
            else:
                literal.append(char)
                i += 1
        if closer is not None:
            return None
        flush()
        return "".join(out), i

    def _link(self, i: int) -> _Parsed | None:
        """Render the link starting at the `[` at index i, if there is a complete one."""
        s = self.text
        j = i + 1
        while j < len(s) and s[j] != "]":
            if s[j] == "\\" and j + 1 < len(s) and s[j + 1] in ESCAPABLE:
                j += 2
            elif s[j] == "`" and (end := s.find("`", j + 1)) != -1:
                j = end + 1
            else:
                j += 1
        if j + 1 >= len(s) or s[j + 1] != "(":
            return None
        close = s.find(")", j + 2)
        if close == -1:
            return None
        url = escape_html(s[j + 2 : close].strip())
        return f'<a href="{url}">{render_inline(s[i + 1 : j])}</a>', close + 1


def render_inline(text: str) -> str:
    """Render inline Markdown in `text` to HTML."""
    parsed = _InlineParser(text).parse(0, None)
    assert parsed is not None  # parsing without a closer always succeeds
    return parsed[0]

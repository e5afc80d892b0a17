"""Block-level Markdown: headings, paragraphs, lists, code fences, quotes, rules."""

from __future__ import annotations

import re

from mdlite.escape import escape_html
from mdlite.inline import render_inline

_HEADING = re.compile(r"(#{1,6})(?:[ \t](.*))?")
_BULLET = re.compile(r"[-*+] (?P<body>.*)")
_NUMBERED = re.compile(r"(?P<number>\d+)\. (?P<body>.*)")
_FENCE = "```"


def _is_rule(line: str) -> bool:
    compact = line.replace(" ", "").replace("\t", "")
    return len(compact) >= 3 and compact[0] in "-*_" and compact == compact[0] * len(compact)


def classify(line: str) -> str:
    """The kind of block a line starts: blank, fence, heading, rule, quote, ul, ol or text."""
    if not line.strip():
        return "blank"
    if line.startswith(_FENCE):
        return "fence"
    if _HEADING.fullmatch(line):
        return "heading"
    if _is_rule(line):
        return "rule"
    if line.startswith(">"):
        return "quote"
    if _BULLET.fullmatch(line):
        return "ul"
    if _NUMBERED.fullmatch(line):
        return "ol"
    return "text"


def to_html(text: str) -> str:
    """Convert Markdown text to HTML: one block per line group, joined with newlines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()  # a final newline ends the last line rather than starting a new one
    return "\n".join(render_blocks(lines))


def render_blocks(lines: list[str]) -> list[str]:
    """Render a list of lines to a list of HTML blocks."""
    blocks: list[str] = []
    i = 0
    while i < len(lines):
        kind = classify(lines[i])
        if kind == "blank":
            i += 1
            continue
        if kind == "fence":
            html, i = _fenced_code(lines, i)
        elif kind == "heading":
            html, i = _heading(lines[i]), i + 1
        elif kind == "rule":
            html, i = "<hr>", i + 1
        elif kind == "quote":
            html, i = _blockquote(lines, i)
        elif kind in ("ul", "ol"):
            html, i = _list(lines, i, kind)
        else:
            html, i = _paragraph(lines, i)
        blocks.append(html)
    return blocks


def _heading(line: str) -> str:
    match = _HEADING.fullmatch(line)
    assert match is not None
    level = len(match.group(1))
    return f"<h{level}>{render_inline((match.group(2) or '').strip())}</h{level}>"


def _paragraph(lines: list[str], i: int) -> tuple[str, int]:
    parts = []
    while i < len(lines) and classify(lines[i]) == "text":
        parts.append(lines[i].strip())
        i += 1
    text = "\n".join(parts)
    return f"<p>{render_inline(text)}</p>", i


def _fenced_code(lines: list[str], i: int) -> tuple[str, int]:
    info = lines[i][len(_FENCE) :].split()
    attr = f' class="language-{escape_html(info[0])}"' if info else ""
    body: list[str] = []
    i += 1
    while i < len(lines) and lines[i].rstrip() != _FENCE:
        body.append(escape_html(lines[i]) + "\n")
        i += 1
    return f"<pre><code{attr}>{''.join(body)}</code></pre>", i + 1


def _blockquote(lines: list[str], i: int) -> tuple[str, int]:
    inner: list[str] = []
    while i < len(lines) and lines[i].startswith(">"):
        content = lines[i][1:]
        inner.append(content[1:] if content.startswith(" ") else content)
        i += 1
    return "\n".join(["<blockquote>", *render_blocks(inner), "</blockquote>"]), i


def _list(lines: list[str], i: int, kind: str) -> tuple[str, int]:
    pattern = _BULLET if kind == "ul" else _NUMBERED
    first = pattern.fullmatch(lines[i])
    assert first is not None
    items: list[list[str]] = []
    while i < len(lines):
        line = lines[i]
        line_kind = classify(line)
        if line_kind == kind:
            match = pattern.fullmatch(line)
            assert match is not None
            items.append([match.group("body").strip()])
        elif line_kind == "text" and line[0] in " \t":
            items[-1].append(line.strip())
        else:
            break
        i += 1
    opening = "<ul>"
    if kind == "ol":
        start = int(first.group("number"))
        opening = "<ol>" if start == 1 else f'<ol start="{start}">'
    rendered = ["<li>" + render_inline("\n".join(item)) + "</li>" for item in items]
    return "\n".join([opening, *rendered, f"</{kind}>"]), i

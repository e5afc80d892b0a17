"""The look of every report: a Markdown document whose caveats come first, as a standalone HTML
page in the trial report's style (the labs' reports use it, so they all read alike)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

STYLE = """\
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       margin: 0 auto; padding: 1rem 2rem 4rem; max-width: 110rem; }
h1 { margin-bottom: .3rem; }
h2 { border-bottom: 1px solid #d0d7de; padding-bottom: .2rem; margin-top: 2.2rem; }
h3 { margin-top: 1.6rem; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
            font-size: 13px; }
pre { background: #f6f8fa; padding: .4rem .6rem; overflow-x: auto; white-space: pre-wrap; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
blockquote { background: #fff8c5; border: 2px solid #d4a72c; border-radius: 6px;
             padding: .6rem 1rem; margin: 1rem 0; }
blockquote li, blockquote p { font-weight: 600; }
img { max-width: 100%; }
"""
"""The stylesheet shared with the trial report's template."""

CAVEATS_HEADING = "Read this first"


def caveats_markdown(caveats: Sequence[str]) -> str:
    """The caveats block that opens every report: a quoted list, so it stands out in HTML too."""
    if not caveats:
        return ""
    lines = [f"> **{CAVEATS_HEADING}**", ">"]
    lines += [f"> - {' '.join(caveat.split())}" for caveat in caveats]
    return "\n".join(lines) + "\n"


def report_page(title: str, markdown: str) -> str:
    """A Markdown report as a standalone HTML page (tables on, raw HTML off), opened offline."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>\n{STYLE}</style>\n</head>\n"
        f"<body>\n{body}</body>\n</html>\n"
    )

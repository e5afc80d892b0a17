"""Convert a small, precisely specified subset of Markdown to HTML."""

from mdlite.blocks import to_html
from mdlite.escape import escape_html
from mdlite.inline import render_inline

__all__ = ["escape_html", "render_inline", "to_html"]

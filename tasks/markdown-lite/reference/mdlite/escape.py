"""HTML escaping shared by the block and inline renderers."""

from __future__ import annotations


def escape_html(text: str) -> str:
    """Replace &, <, > and " with their HTML entities (& first, so nothing is escaped twice)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )

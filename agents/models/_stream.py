"""Pure helpers for streamed replies: chunking a known text, trimming a stream like `generate`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"\s*\S+")


def word_chunks(text: str) -> list[str]:
    """`text` cut before each word, so the chunks concatenate back to `text` exactly.

    Trailing whitespace stays on the last chunk; an empty text has no chunks.
    """
    chunks = _WORD.findall(text)
    if not chunks:
        return [text] if text else []
    tail = text[sum(len(c) for c in chunks) :]
    chunks[-1] += tail
    return chunks


def strip_stream(chunks: Iterable[str]) -> Iterator[str]:
    """The chunks with the leading and trailing whitespace of the whole stream removed.

    `generate` strips its reply; a stream cannot know which whitespace is trailing until the
    next non-blank chunk, so blank runs are held back until then (and dropped at the end).
    """
    started = False
    held = ""
    for chunk in chunks:
        if not started:
            chunk = chunk.lstrip()
            if not chunk:
                continue
            started = True
        body = chunk.rstrip()
        if not body:
            held += chunk
            continue
        yield held + body
        held = chunk[len(body) :]

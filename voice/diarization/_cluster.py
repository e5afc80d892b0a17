"""Clustering speaker embeddings: agglomerative, spectral, online; and Viterbi resegmentation.

All take L2-normalized embeddings (rows). Resemblyzer's embeddings are non-negative, so cosine
similarities lie in [0, 1].

- Agglomerative (scikit-learn, average linkage on cosine distance): cut at a distance threshold
  when the number of speakers is estimated, or at k clusters when it is known.
- Spectral (scikit-learn on a precomputed affinity): the cosine affinity is pruned to each row's
  nearest neighbours and symmetrized (the refinements of Wang et al., ICASSP 2018); the number of
  speakers, when estimated, is the largest eigengap of the normalized Laplacian.
- Online: each new embedding joins the closest speaker if it is similar enough, else founds a
  new one (the incremental clustering of diart, Coria et al. 2021, without its segmentation
  model).
- Resegmentation: a Viterbi pass over the window sequence, scoring similarity to each speaker's
  centroid with a penalty per speaker change, then centroids re-estimated (twice).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from voice.diarization._embed import Embeddings, normalize

Labels = NDArray[np.int64]


def agglomerative(
    embeddings: Embeddings, *, threshold: float, speakers: int | None = None
) -> Labels:
    """Average-linkage clusters on cosine distance, cut at `threshold` or at `speakers`."""
    if len(embeddings) < 2:
        return np.zeros(len(embeddings), np.int64)
    from sklearn.cluster import AgglomerativeClustering  # type: ignore[import-untyped]

    model = AgglomerativeClustering(
        n_clusters=speakers,
        distance_threshold=None if speakers else threshold,
        metric="cosine",
        linkage="average",
    )
    return np.asarray(model.fit_predict(embeddings), dtype=np.int64)


def affinity(embeddings: Embeddings, *, neighbours: float) -> NDArray[np.float64]:
    """Cosine affinity, each row pruned to its `neighbours` share of largest entries, symmetric."""
    sim = np.clip(embeddings.astype(np.float64) @ embeddings.T.astype(np.float64), 0.0, 1.0)
    n = len(sim)
    keep = max(2, int(np.ceil(neighbours * n)))
    pruned = np.zeros_like(sim)
    order = np.argsort(-sim, axis=1)[:, :keep]
    rows = np.arange(n)[:, None]
    pruned[rows, order] = sim[rows, order]
    return np.maximum(pruned, pruned.T)


def eigengap_speakers(matrix: NDArray[np.float64], *, max_speakers: int) -> int:
    """The number of clusters with the largest gap between normalized-Laplacian eigenvalues."""
    degree = matrix.sum(axis=1)
    inv = 1.0 / np.sqrt(np.maximum(degree, 1e-12))
    laplacian = np.eye(len(matrix)) - inv[:, None] * matrix * inv[None, :]
    values = np.sort(np.linalg.eigvalsh(laplacian))[: max_speakers + 1]
    gaps = np.diff(values)
    return int(np.argmax(gaps)) + 1 if len(gaps) else 1


def spectral(
    embeddings: Embeddings,
    *,
    neighbours: float,
    max_speakers: int,
    speakers: int | None = None,
    seed: int = 0,
) -> Labels:
    """Spectral clusters of the pruned affinity; k from the eigengap unless `speakers` is given."""
    if len(embeddings) < 3:
        return np.zeros(len(embeddings), np.int64)
    matrix = affinity(embeddings, neighbours=neighbours)
    k = speakers or eigengap_speakers(matrix, max_speakers=min(max_speakers, len(matrix) - 1))
    if k <= 1:
        return np.zeros(len(embeddings), np.int64)
    from sklearn.cluster import SpectralClustering

    model = SpectralClustering(
        n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="kmeans"
    )
    return np.asarray(model.fit_predict(matrix), dtype=np.int64)


def centroids(embeddings: Embeddings, labels: Labels) -> tuple[Labels, Embeddings]:
    """The distinct labels (in first-seen order) and the normalized mean embedding of each."""
    _, first = np.unique(labels, return_index=True)
    order = labels[np.sort(first)]
    means = np.stack([embeddings[labels == label].mean(axis=0) for label in order])
    return order, normalize(means)


def viterbi(
    embeddings: Embeddings,
    labels: Labels,
    *,
    switch_penalty: float,
    breaks: NDArray[np.bool_] | None = None,
    passes: int = 2,
) -> Labels:
    """Resegment: the label sequence maximizing summed centroid similarity minus a penalty per
    change of speaker (no penalty where `breaks` marks a pause before the window)."""
    if len(embeddings) == 0:
        return labels
    current = labels
    for _ in range(passes):
        names, means = centroids(embeddings, current)
        scores = embeddings @ means.T  # (n, k)
        current = names[_best_path(scores, switch_penalty, breaks)]
    return current


def _best_path(
    scores: NDArray[np.float32], penalty: float, breaks: NDArray[np.bool_] | None
) -> NDArray[np.int64]:
    n, k = scores.shape
    total = scores[0].astype(np.float64)
    back = np.zeros((n, k), np.int64)
    change = np.full((k, k), penalty) - np.eye(k) * penalty
    for t in range(1, n):
        cost = change * (0.0 if breaks is not None and breaks[t] else 1.0)
        options = total[:, None] - cost  # from state i (row) to j (column)
        back[t] = np.argmax(options, axis=0)
        total = options[back[t], np.arange(k)] + scores[t]
    path = np.zeros(n, np.int64)
    path[-1] = int(np.argmax(total))
    for t in range(n - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    return path


@dataclass
class OnlineClusters:
    """Incremental speaker clustering: assign to the closest centroid or found a new speaker.

    Only `confident` vectors (mostly speech) found speakers or move centroids; the others join
    the closest speaker. A speaker founded on a doubtful vector (the first one, when nothing
    better has come yet) is re-founded on its first confident one.
    """

    new_speaker_below: float
    """A vector less similar than this to every centroid founds a new speaker."""
    update_above: float
    """Only vectors at least this similar to their centroid update it (a pure sample)."""
    max_speakers: int = 8
    """Beyond this many speakers, vectors join the closest one."""
    sums: list[NDArray[np.float64]] = field(default_factory=list)
    firm: list[bool] = field(default_factory=list)

    def assign(self, vector: NDArray[np.float32], *, confident: bool = True) -> tuple[int, float]:
        """The speaker index for `vector` and its similarity to that speaker's centroid."""
        if not self.sums:
            return self._found(vector, confident), 1.0
        means = normalize(np.stack(self.sums).astype(np.float32))
        sims = means @ vector
        best = int(np.argmax(sims))
        similarity = float(sims[best])
        if not confident:
            return best, similarity
        if not self.firm[best] and len(self.sums) == 1 and similarity >= self.new_speaker_below:
            self.sums[best], self.firm[best] = vector.astype(np.float64), True
        elif similarity < self.new_speaker_below and len(self.sums) < self.max_speakers:
            if not self.firm[best] and len(self.sums) == 1:
                self.sums[best], self.firm[best] = vector.astype(np.float64), True
                return best, 1.0
            return self._found(vector, True), 1.0
        elif similarity >= self.update_above:
            self.sums[best] = self.sums[best] + vector
        return best, similarity

    def _found(self, vector: NDArray[np.float32], firm: bool) -> int:
        self.sums.append(vector.astype(np.float64))
        self.firm.append(firm)
        return len(self.sums) - 1

"""Clustering the prompts' embeddings with scikit-learn: k-means with k chosen by the highest
mean silhouette (cosine), HDBSCAN beside it, stability over seeds and bootstrap resamples, a
two-level hierarchy (agglomerative clustering of the k-means centroids), and a 2-D map (t-SNE).
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Any, NamedTuple

from pydantic import BaseModel, Field

if TYPE_CHECKING:
    pass

Array = "np.ndarray[Any, Any]"


class Clusters(BaseModel):
    """Both clusterings of the analysed prompts, in the order of the prompts."""

    k: int
    """k-means' k: the one with the highest mean silhouette."""
    k_criterion: str = "highest mean silhouette (cosine) over k_min..k_max"
    silhouettes: dict[int, float]
    """Mean silhouette per k tried."""
    kmeans: list[int]
    """k-means label per prompt."""
    hdbscan: list[int]
    """HDBSCAN label per prompt (-1: noise)."""
    hdbscan_min_cluster_size: int
    top: dict[int, int] = Field(default_factory=dict)
    """The hierarchy: top-level group of each k-means cluster."""
    representatives: dict[int, list[int]] = Field(default_factory=dict)
    """Per cluster, the prompts (indices) nearest its centroid."""
    contrast: dict[int, list[int]] = Field(default_factory=dict)
    """Per cluster, prompts of other clusters nearest its centroid."""
    map: list[tuple[float, float]] = Field(default_factory=list)
    """2-D coordinates per prompt (t-SNE, or PCA for very few prompts)."""


class Stability(BaseModel):
    """How much the k-means clustering moves with its seed and with the sample."""

    seed_pairs_ari: list[float]
    """ARI between the clusterings of every pair of seeds."""
    bootstrap_ari: list[float]
    """Per bootstrap resample: ARI between its clustering and the full one, on its prompts."""


def choose_k(x: Any, k_min: int, k_max: int, seed: int) -> tuple[int, dict[int, float]]:
    """The k in k_min..k_max (capped at n - 1) with the highest mean cosine silhouette."""
    from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

    n = len(x)
    top = min(k_max, n - 1)
    low = min(k_min, top)
    scores: dict[int, float] = {}
    for k in range(max(2, low), top + 1):
        labels = kmeans_labels(x, k, seed)
        if len(set(labels)) < 2:
            continue
        scores[k] = float(silhouette_score(x, labels, metric="cosine"))
    if not scores:
        return 1, {}
    best = max(scores, key=lambda k: (scores[k], -k))
    return best, scores


def kmeans_labels(x: Any, k: int, seed: int) -> list[int]:
    """k-means (k-means++, 4 starts) labels."""
    from sklearn.cluster import KMeans  # type: ignore[import-untyped]

    if k <= 1:
        return [0] * len(x)
    model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(x)
    return [int(label) for label in model.labels_]


def hdbscan_labels(x: Any, min_cluster_size: int) -> list[int]:
    """HDBSCAN labels (-1 for noise), on the normalised vectors (Euclidean ~ cosine)."""
    from sklearn.cluster import HDBSCAN

    if len(x) <= min_cluster_size:
        return [-1] * len(x)
    model = HDBSCAN(min_cluster_size=min_cluster_size, copy=True).fit(x)
    return [int(label) for label in model.labels_]


def centroids(x: Any, labels: list[int]) -> Any:
    """The normalised mean vector of each cluster, rows in label order."""
    import numpy as np

    array = np.asarray(labels)
    rows = [x[array == label].mean(axis=0) for label in sorted(set(labels))]
    matrix = np.vstack(rows)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def nearest(
    x: Any, labels: list[int], examples: int
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Per cluster: its prompts nearest its centroid, and other clusters' prompts nearest it."""
    import numpy as np

    array = np.asarray(labels)
    centres = centroids(x, labels)
    inside: dict[int, list[int]] = {}
    outside: dict[int, list[int]] = {}
    for row, label in enumerate(sorted(set(labels))):
        similarity = x @ centres[row]
        order = np.argsort(-similarity, kind="stable")
        inside[label] = [int(i) for i in order if array[i] == label][:examples]
        outside[label] = [int(i) for i in order if array[i] != label][:examples]
    return inside, outside


def hierarchy(x: Any, labels: list[int], groups: int | None) -> dict[int, int]:
    """The top level: agglomerative clustering (average linkage, cosine) of the centroids."""
    from sklearn.cluster import AgglomerativeClustering

    clusters = sorted(set(labels))
    wanted = groups or max(2, round(math.sqrt(len(clusters))))
    if len(clusters) <= 2 or wanted >= len(clusters):
        return {label: index for index, label in enumerate(clusters)}
    model = AgglomerativeClustering(n_clusters=wanted, metric="cosine", linkage="average")
    tops = model.fit_predict(centroids(x, labels))
    return {label: int(top) for label, top in zip(clusters, tops, strict=True)}


def map_2d(x: Any, seed: int) -> list[tuple[float, float]]:
    """2-D coordinates for the map: t-SNE (cosine), or PCA below 30 prompts."""
    from sklearn.decomposition import PCA  # type: ignore[import-untyped]
    from sklearn.manifold import TSNE  # type: ignore[import-untyped]

    n = len(x)
    if n < 3:
        return [(0.0, float(i)) for i in range(n)]
    if n < 30:
        coords = PCA(n_components=2, random_state=seed).fit_transform(x)
    else:
        tsne = TSNE(
            n_components=2,
            perplexity=min(30.0, (n - 1) / 3),
            metric="cosine",
            init="pca",
            random_state=seed,
        )
        coords = tsne.fit_transform(x)
    return [(float(a), float(b)) for a, b in coords]


def seed_runs(x: Any, k: int, *, seeds: int, seed: int) -> list[list[int]]:
    """k-means labels for `seeds` consecutive seeds from `seed` (the first is the main run's)."""
    return [kmeans_labels(x, k, seed + offset) for offset in range(seeds)]


def stability(x: Any, k: int, runs: list[list[int]], *, resamples: int, seed: int) -> Stability:
    """ARI between the seeds' clusterings, and between resampled and full clusterings."""
    from sklearn.metrics import adjusted_rand_score

    seeds = len(runs)
    pairs = [
        float(adjusted_rand_score(runs[i], runs[j]))
        for i in range(seeds)
        for j in range(i + 1, seeds)
    ]
    rng = random.Random(seed)
    full = runs[0]
    boot: list[float] = []
    for _ in range(resamples):
        rows = sorted(set(rng.choices(range(len(x)), k=len(x))))
        if len(rows) <= k:
            continue
        labels = kmeans_labels(x[rows], k, seed)
        boot.append(float(adjusted_rand_score([full[i] for i in rows], labels)))
    return Stability(seed_pairs_ari=pairs, bootstrap_ari=boot)


class Agreement(NamedTuple):
    """A clustering against the planted intents."""

    ari: float
    nmi: float


def agreement(truth: list[str], labels: list[int]) -> Agreement:
    """Adjusted Rand index and normalised mutual information against the planted labels."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return Agreement(
        float(adjusted_rand_score(truth, labels)),
        float(normalized_mutual_info_score(truth, labels)),
    )


def cluster(
    x: Any,
    *,
    k_min: int,
    k_max: int,
    min_cluster_size: int | None,
    top_groups: int | None,
    examples: int,
    seed: int,
) -> Clusters:
    """Both clusterings, the hierarchy, representatives, contrastive examples and the map."""
    k, silhouettes = choose_k(x, k_min, k_max, seed)
    labels = kmeans_labels(x, k, seed)
    size = min_cluster_size or max(5, len(x) // 40)
    inside, outside = nearest(x, labels, examples)
    return Clusters(
        k=k,
        silhouettes=silhouettes,
        kmeans=labels,
        hdbscan=hdbscan_labels(x, size),
        hdbscan_min_cluster_size=size,
        top=hierarchy(x, labels, top_groups),
        representatives=inside,
        contrast=outside,
        map=map_2d(x, seed),
    )

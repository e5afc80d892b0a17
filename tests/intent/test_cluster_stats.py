"""Clustering and the lab's statistics on data whose answer is known."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score  # type: ignore[import-untyped]

from intent import _cluster
from intent._stats import hit_share, kappa, kappa_estimate, sign_flip_p, spread


def _blobs(k: int = 4, per: int = 30, dim: int = 16, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * 4
    points = np.vstack([c + rng.normal(size=(per, dim)) * 0.5 for c in centres])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points, [i for i in range(k) for _ in range(per)]


def test_k_is_chosen_by_silhouette_and_recovers_planted_blobs() -> None:
    x, truth = _blobs()
    result = _cluster.cluster(
        x, k_min=2, k_max=8, min_cluster_size=None, top_groups=None, examples=3, seed=0
    )
    assert result.k == 4
    assert max(result.silhouettes, key=lambda k: result.silhouettes[k]) == 4
    assert _cluster.agreement([str(t) for t in truth], result.kmeans).ari > 0.95
    assert len(result.map) == len(x)
    assert all(len(v) == 3 for v in result.representatives.values())
    for label, inside in result.representatives.items():
        assert all(result.kmeans[i] == label for i in inside)
        assert all(result.kmeans[i] != label for i in result.contrast[label])


def test_hdbscan_finds_the_blobs_and_marks_noise() -> None:
    x, truth = _blobs()
    noise = np.random.default_rng(9).normal(size=(5, x.shape[1]))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    labels = _cluster.hdbscan_labels(np.vstack([x, noise]), min_cluster_size=8)
    assert _cluster.agreement([str(t) for t in truth], labels[: len(x)]).ari > 0.9


def test_stability_is_high_on_clear_blobs() -> None:
    x, _ = _blobs()
    runs = _cluster.seed_runs(x, 4, seeds=3, seed=0)
    result = _cluster.stability(x, 4, runs, resamples=5, seed=0)
    assert len(result.seed_pairs_ari) == 3 and len(result.bootstrap_ari) == 5
    assert min(result.seed_pairs_ari + result.bootstrap_ari) > 0.9


def test_the_hierarchy_groups_near_centroids() -> None:
    rng = np.random.default_rng(1)
    far = rng.normal(size=(2, 16)) * 10
    centres = np.vstack([far[0] + rng.normal(size=(3, 16)), far[1] + rng.normal(size=(3, 16))])
    x = np.vstack([c + rng.normal(size=(10, 16)) * 0.05 for c in centres])
    labels = [i for i in range(6) for _ in range(10)]
    top = _cluster.hierarchy(x, labels, 2)
    assert len({top[0], top[1], top[2]}) == 1 and len({top[3], top[4], top[5]}) == 1
    assert top[0] != top[3]


@pytest.mark.parametrize("seed", range(5))
def test_kappa_matches_scikit_learn(seed: int) -> None:
    rng = random.Random(seed)
    a = [rng.choice("xyz") for _ in range(40)]
    b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
    assert kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_kappa_is_undefined_for_one_shared_label_and_has_an_interval() -> None:
    assert kappa([True] * 5, [True] * 5) is None
    estimate = kappa_estimate([True, False] * 20, [True, False] * 19 + [False, False])
    assert estimate is not None and estimate.low is not None
    assert estimate.low <= estimate.mean <= 1.0


def test_hit_share_is_a_ratio_of_sums_resampled_by_item() -> None:
    result = hit_share({"a": (2, 2), "b": (0, 2), "c": (1, 4), "d": (0, 0)})
    assert result is not None and result.mean == pytest.approx(3 / 8) and result.n == 3


def test_the_sign_flip_p_value_is_exact_for_few_pairs() -> None:
    assert sign_flip_p([1.0] * 5) == pytest.approx(2 / 32)
    assert sign_flip_p([1.0, -1.0, 1.0, -1.0]) == 1.0
    assert sign_flip_p([0.5]) is None
    assert sign_flip_p([1.0] * 20) == pytest.approx(1 / 10_001, abs=2e-4)


def test_spread_gives_the_percentiles_of_the_values() -> None:
    result = spread([0.1, 0.2, 0.3, 0.4])
    assert result is not None and result.low is not None and result.high is not None
    assert result.low < result.mean < result.high
    assert 0.1 <= result.low and result.high <= 0.4

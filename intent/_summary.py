"""From the stages' records to the numbers of intent.json: cluster rows, the hierarchy, the
validation against planted labels, and the closed loop's paired statistics (pure functions)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from analysis import Estimate, bootstrap_mean, holm_adjust, paired_difference, wilson_interval
from intent import _cluster
from intent._log import PromptRecord
from intent._loop import BASELINE, ORIGINAL, Scores
from intent._results import (
    ClusterRow,
    Difference,
    GroupRow,
    Link,
    PairRow,
    PolicyRow,
    ScoreAgreement,
    Stability,
    Validation,
)
from intent._schemas import ClusterName, Facets
from intent._stats import hit_share, sign_flip_p, spread

METRICS = ("coverage", "recovery", "turns", "success", "drift")
PRIMARY = "coverage"


def _bad(record: PromptRecord, bad: set[str]) -> bool | None:
    return None if record.outcome is None else record.outcome in bad


def cluster_rows(
    records: Sequence[PromptRecord],
    facets: dict[str, Facets | None],
    clusters: _cluster.Clusters,
    names: dict[str, ClusterName | None],
    bad_outcomes: Sequence[str],
) -> list[ClusterRow]:
    """One row per k-means cluster, largest first."""
    bad = set(bad_outcomes)
    rows: list[ClusterRow] = []
    for label in sorted(set(clusters.kmeans)):
        members = [r for r, c in zip(records, clusters.kmeans, strict=True) if c == label]
        found = [facets.get(r.id) for r in members]
        missing = Counter(k for f in found if f for k in f.missing)
        judged = [b for r in members if (b := _bad(r, bad)) is not None]
        name = names.get(f"c{label}")
        reps = clusters.representatives.get(label, [])
        rows.append(
            ClusterRow(
                cluster=label,
                name=name.name if name else None,
                description=name.description if name else None,
                group=clusters.top.get(label, 0),
                size=len(members),
                share=wilson_interval(len(members), len(records)),
                bad_outcome=wilson_interval(sum(judged), len(judged)) if judged else None,
                outcomes=dict(Counter(r.outcome or "none" for r in members).most_common()),
                missing=dict(missing.most_common()),
                missing_per_prompt=sum(len(f.missing) for f in found if f) / len(members),
                ambiguity=dict(
                    Counter(f.ambiguity for f in found if f and f.ambiguity != "none").most_common()
                ),
                representatives=[records[i].id for i in reps],
                examples=[records[i].text for i in reps],
                planted=dict(
                    Counter(
                        str(r.labels["intent"]) for r in members if "intent" in r.labels
                    ).most_common()
                ),
            )
        )
    return sorted(rows, key=lambda row: (-row.size, row.cluster))


def group_rows(clusters: _cluster.Clusters, names: dict[str, ClusterName | None]) -> list[GroupRow]:
    """The hierarchy's top level."""
    sizes = Counter(clusters.kmeans)
    rows = []
    for group in sorted(set(clusters.top.values())):
        members = sorted(label for label, top in clusters.top.items() if top == group)
        name = names.get(f"g{group}")
        rows.append(
            GroupRow(
                group=group,
                name=name.name if name else None,
                description=name.description if name else None,
                clusters=members,
                size=sum(sizes[label] for label in members),
            )
        )
    return rows


def _agree(truth: list[str], labels: list[int]) -> ScoreAgreement:
    ari, nmi = _cluster.agreement(truth, labels)
    return ScoreAgreement(ari=ari, nmi=nmi)


def validation(
    records: Sequence[PromptRecord],
    facets: dict[str, Facets | None],
    clusters: _cluster.Clusters,
    *,
    seed_labels: Sequence[list[int]],
    prompt_only: list[int] | None,
    seed: int,
) -> Validation | None:
    """Agreement with the planted intents, recall of planted missing constraints, ambiguity."""
    if not records or any("intent" not in r.labels for r in records):
        return None
    truth = [str(r.labels["intent"]) for r in records]
    noise = sum(1 for label in clusters.hdbscan if label < 0)
    domains = [str(r.labels.get("domain", "")) for r in records]
    over_seeds = [_cluster.agreement(truth, labels).ari for labels in seed_labels]
    return Validation(
        kmeans=_agree(truth, clusters.kmeans),
        hdbscan=_agree(truth, clusters.hdbscan),
        hdbscan_noise_share=noise / len(records),
        hdbscan_clusters=len({label for label in clusters.hdbscan if label >= 0}),
        hdbscan_clustered=_clustered(truth, clusters.hdbscan),
        prompt_only=_agree(truth, prompt_only) if prompt_only is not None else None,
        groups_vs_domain=(
            _agree(domains, [clusters.top.get(c, 0) for c in clusters.kmeans])
            if all(domains)
            else None
        ),
        planted_intents=len(set(truth)),
        ari_over_seeds=bootstrap_mean(over_seeds, seed=seed) if over_seeds else None,
        **_missing_scores(records, facets, seed),
        **_ambiguity_scores(records, facets),
    )


def _clustered(truth: list[str], labels: list[int]) -> ScoreAgreement | None:
    kept = [(t, label) for t, label in zip(truth, labels, strict=True) if label >= 0]
    if len(kept) < 2:
        return None
    return _agree([t for t, _ in kept], [label for _, label in kept])


def _missing_scores(
    records: Sequence[PromptRecord], facets: dict[str, Facets | None], seed: int
) -> dict[str, Estimate | None]:
    recall: dict[str, tuple[int, int]] = {}
    precision: dict[str, tuple[int, int]] = {}
    for record in records:
        found = facets.get(record.id)
        planted = record.labels.get("missing")
        if found is None or not isinstance(planted, list):
            continue
        truth, said = set(map(str, planted)), set(found.missing)
        recall[record.id] = (len(truth & said), len(truth))
        precision[record.id] = (len(truth & said), len(said))
    return {
        "missing_recall": hit_share(recall, seed=seed),
        "missing_precision": hit_share(precision, seed=seed),
    }


def _ambiguity_scores(
    records: Sequence[PromptRecord], facets: dict[str, Facets | None]
) -> dict[str, Estimate | None]:
    pairs = [
        (str(r.labels["ambiguity"]), f.ambiguity)
        for r in records
        if "ambiguity" in r.labels and (f := facets.get(r.id)) is not None
    ]
    planted = [(t, s) for t, s in pairs if t != "none"]
    clear = [(t, s) for t, s in pairs if t == "none"]
    return {
        "ambiguity_recall": _share(sum(s != "none" for _, s in planted), len(planted)),
        "ambiguity_false_alarm": _share(sum(s != "none" for _, s in clear), len(clear)),
        "ambiguity_type_accuracy": _share(sum(s == t for t, s in planted), len(planted)),
    }


def _share(hits: int, n: int) -> Estimate | None:
    return wilson_interval(hits, n) if n else None


def stability(result: _cluster.Stability) -> Stability:
    """The stability lists as estimates."""
    return Stability(seeds=spread(result.seed_pairs_ari), bootstrap=spread(result.bootstrap_ari))


def link(
    records: Sequence[PromptRecord], facets: dict[str, Facets | None], bad_outcomes: Sequence[str]
) -> Link:
    """Bad-outcome rates of prompts with and without a missing constraint."""
    bad = set(bad_outcomes)
    groups: dict[bool, list[bool]] = {True: [], False: []}
    for record in records:
        found = facets.get(record.id)
        outcome = _bad(record, bad)
        if found is not None and outcome is not None:
            groups[bool(found.missing)].append(outcome)
    return Link(
        with_missing=_share(sum(groups[True]), len(groups[True])),
        without_missing=_share(sum(groups[False]), len(groups[False])),
    )


def _values(scores: Sequence[Scores], policy: str, metric: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for score in scores:
        value = getattr(score, metric)
        if score.policy == policy and value is not None:
            out[score.user] = float(value)
    return out


def policy_rows(scores: Sequence[Scores], names: Sequence[str], seed: int) -> list[PolicyRow]:
    """Each policy's mean and interval per metric, over the users."""
    rows = []
    for policy in names:
        values = {m: list(_values(scores, policy, m).values()) for m in METRICS}
        rows.append(
            PolicyRow(
                policy=policy,
                **{m: bootstrap_mean(v, seed=seed) if v else None for m, v in values.items()},
            )
        )
    return rows


def differences(
    scores: Sequence[Scores], names: Sequence[str], clusters: Sequence[int], seed: int
) -> list[Difference]:
    """Paired differences: every metric of every policy against the original, pooled; the
    primary metric also against the baseline and per cluster. The primary metric's pooled
    p-values against the original are Holm-adjusted over the policies."""
    wanted: list[tuple[str, str, str, int | None]] = []
    for policy in names:
        if policy == ORIGINAL:
            continue
        wanted += [(policy, ORIGINAL, metric, None) for metric in METRICS]
        wanted += [(policy, ORIGINAL, PRIMARY, cluster) for cluster in clusters]
        if BASELINE in names and policy != BASELINE:
            wanted.append((policy, BASELINE, PRIMARY, None))
    out: list[Difference] = []
    for policy, reference, metric, cluster in wanted:
        row = _difference(scores, policy, reference, metric, cluster, seed)
        if row is not None:
            out.append(row)
    primary: dict[str, float] = {
        d.policy: d.p_value
        for d in out
        if d.reference == ORIGINAL
        and d.metric == PRIMARY
        and d.cluster is None
        and d.p_value is not None
    }
    adjusted = holm_adjust(primary)
    for d in out:
        if d.reference == ORIGINAL and d.metric == PRIMARY and d.cluster is None:
            d.p_holm = adjusted.get(d.policy)
    return out


def _difference(
    scores: Sequence[Scores],
    policy: str,
    reference: str,
    metric: str,
    cluster: int | None,
    seed: int,
) -> Difference | None:
    chosen = [s for s in scores if cluster is None or s.cluster == cluster]
    a, b = _values(chosen, policy, metric), _values(chosen, reference, metric)
    common = sorted(set(a) & set(b))
    if not common:
        return None
    diffs = [a[u] - b[u] for u in common]
    return Difference(
        policy=policy,
        reference=reference,
        metric=metric,
        cluster=cluster,
        estimate=paired_difference(a, b, seed=seed),
        p_value=sign_flip_p(diffs, seed=seed),
    )


def pair_rows(pairs: Sequence[dict[str, Any]], names: Sequence[str]) -> list[PairRow]:
    """Wins, losses and ties of each policy against the original, and the position bias."""
    rows = []
    for policy in names:
        mine = [p for p in pairs if p["policy"] == policy]
        if not mine:
            continue
        scores = [p["fix_score"] for p in mine]
        wins, losses = scores.count(1.0), scores.count(0.0)
        decided = [p for p in mine if p["verdict"] in ("A", "B")]
        first = sum(1 for p in decided if p["verdict"] == "A")
        rows.append(
            PairRow(
                policy=policy,
                wins=wins,
                losses=losses,
                ties=scores.count(0.5),
                unparsed=scores.count(None),
                win_rate=wilson_interval(wins, wins + losses) if wins + losses else None,
                first_shown_chosen=wilson_interval(first, len(decided)) if decided else None,
            )
        )
    return rows


def mean_or_none(values: Sequence[float]) -> float | None:
    """The mean of `values`, or None when there are none."""
    return fmean(values) if values else None

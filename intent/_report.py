"""The report: report.md (caveats first, then the analysis plan, then the results), report.html
in the shared look (analysis.report_page) and three plots (matplotlib's object API)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from analysis import Estimate, caveats_markdown, fmt, report_page
from intent import _cluster
from intent import _store as store
from intent._config import IntentConfig
from intent._results import IntentResults, LoopResults, Validation
from intent._summary import METRICS

MAP_PNG = "map.png"
CLUSTERS_PNG = "clusters.png"
LOOP_PNG = "loop.png"


class ReportPaths(NamedTuple):
    """The files of a report."""

    markdown: Path
    html: Path
    plots: list[Path]


def _est(value: Estimate | None, kind: str = "pct") -> str:
    """An estimate as every report writes it; `diff` is a signed ratio (a paired difference)."""
    if value is None:
        return "—"
    if kind == "diff":
        return fmt.estimate(value, "ratio", difference=True)
    return fmt.estimate(value, "ratio" if kind == "ratio" else "pct")


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _top(counts: dict[str, int], n: int = 3) -> str:
    return ", ".join(f"{k} ({v})" for k, v in list(counts.items())[:n]) or "—"


def _header(results: IntentResults) -> str:
    models = sorted(set(results.models.values()))
    return "\n".join(
        [
            f"# Intent analysis: {results.name}",
            "",
            f"Source: {results.log.path} ({results.source}) · models: {', '.join(models)} · "
            f"embeddings: {results.embedder} of the {results.embed_text} · "
            f"{results.log.sampled} prompts analysed of {results.log.rows}",
        ]
    )


def _clusters(results: IntentResults) -> str:
    planted = any(row.planted for row in results.clusters)
    header = [
        "cluster",
        "name",
        "group",
        "size",
        "share",
        "bad outcome",
        "missing (prompts)",
        "ambiguity",
    ] + (["planted intents"] if planted else [])
    rows = [
        [
            f"c{row.cluster}",
            row.name or "—",
            f"g{row.group}",
            str(row.size),
            _est(row.share),
            _est(row.bad_outcome),
            _top(row.missing),
            _top(row.ambiguity, 2),
        ]
        + ([_top(row.planted, 2)] if planted else [])
        for row in results.clusters
    ]
    chosen = ", ".join(f"{k}: {v:.3f}" for k, v in sorted(results.silhouettes.items()))
    groups = [
        [f"g{g.group}", g.name or "—", ", ".join(f"c{c}" for c in g.clusters), str(g.size)]
        for g in results.groups
    ]
    parts = [
        "## Clusters",
        "",
        f"k-means with k = {results.k} ({results.k_criterion}; silhouette per k: {chosen}). "
        f"Bad outcome = share of a cluster's prompts with an outcome that is bad. "
        f"Plots: {CLUSTERS_PNG}, {MAP_PNG}.",
        "",
        _table(header, rows),
        "",
        "### Hierarchy (top level)",
        "",
        _table(["group", "name", "clusters", "prompts"], groups),
        "",
        "### Descriptions and representative prompts",
        "",
    ]
    for row in results.clusters:
        parts.append(f"- **c{row.cluster} {row.name or ''}** — {row.description or ''}")
        parts += [
            f"  - `{rid}` {text[:160]}"
            for rid, text in zip(row.representatives[:3], row.examples[:3], strict=False)
        ]
    return "\n".join(parts)


def _validation(v: Validation, results: IntentResults) -> str:
    rows = [
        ["k-means", f"{v.kmeans.ari:.3f}", f"{v.kmeans.nmi:.3f}", f"k = {results.k}"],
        [
            "HDBSCAN",
            f"{v.hdbscan.ari:.3f}",
            f"{v.hdbscan.nmi:.3f}",
            f"{v.hdbscan_clusters} clusters, {v.hdbscan_noise_share:.0%} noise (one label)",
        ],
    ]
    if v.hdbscan_clustered:
        rows.append(
            [
                "HDBSCAN, clustered prompts only",
                f"{v.hdbscan_clustered.ari:.3f}",
                f"{v.hdbscan_clustered.nmi:.3f}",
                f"{1 - v.hdbscan_noise_share:.0%} of the prompts",
            ]
        )
    if v.prompt_only:
        rows.append(
            [
                "k-means, prompt text only",
                f"{v.prompt_only.ari:.3f}",
                f"{v.prompt_only.nmi:.3f}",
                "same k, no facets",
            ]
        )
    if v.groups_vs_domain:
        rows.append(
            [
                "top level vs planted domains",
                f"{v.groups_vs_domain.ari:.3f}",
                f"{v.groups_vs_domain.nmi:.3f}",
                f"{len(results.groups)} groups",
            ]
        )
    stab = results.stability
    return "\n".join(
        [
            "## Validation against the planted taxonomy",
            "",
            f"{v.planted_intents} planted intents.",
            "",
            _table(["clustering", "ARI", "NMI", "note"], rows),
            "",
            f"- ARI over k-means seeds: {_est(v.ari_over_seeds, 'ratio')}",
            f"- Stability, ARI between seeds: {_est(stab.seeds, 'ratio')}; between bootstrap "
            f"resamples and the full clustering: {_est(stab.bootstrap, 'ratio')}",
            f"- Planted missing constraints found (recall): {_est(v.missing_recall)}; "
            f"precision: {_est(v.missing_precision)}",
            f"- Planted ambiguity noticed: {_est(v.ambiguity_recall)}; its type right: "
            f"{_est(v.ambiguity_type_accuracy)}; ambiguity named where none was planted: "
            f"{_est(v.ambiguity_false_alarm)}",
        ]
    )


def _loop(loop: LoopResults) -> str:
    parts = [
        "## Closed loop: fixes against the original",
        "",
        f"Clusters {', '.join(f'c{c}' for c in loop.clusters)}; {loop.users} simulated users "
        f"({'planted' if loop.planted_users else 'model-written'} hidden details). "
        f"Plot: {LOOP_PNG}.",
        "",
        "### Fixes",
        "",
    ]
    for cluster, fixes in loop.fixes.items():
        parts += [f"- **{cluster} {kind}:** {text}" for kind, text in fixes.items()]
    policy_rows = [
        [
            r.policy,
            _est(r.coverage),
            _est(r.recovery),
            _est(r.turns, "ratio"),
            _est(r.success),
            _est(r.drift, "ratio"),
        ]
        for r in loop.rows
    ]
    parts += [
        "",
        "### Per policy (mean over users, 95 % bootstrap interval)",
        "",
        _table(["policy", "coverage", "recovery", "turns", "success", "drift"], policy_rows),
        "",
        "### Paired differences (pooled over clusters)",
        "",
    ]
    parts.append(_pooled(loop))
    per = [d for d in loop.differences if d.cluster is not None and d.metric == "coverage"]
    if per:
        parts += [
            "",
            "### Coverage difference per cluster",
            "",
            _table(
                ["cluster", "policy - reference", "difference"],
                [
                    [f"c{d.cluster}", f"{d.policy} - {d.reference}", _est(d.estimate, "diff")]
                    for d in per
                ],
            ),
        ]
    if loop.pairs:
        parts += [
            "",
            "### Side by side against the original (blind, order randomised)",
            "",
            _table(
                ["policy", "wins", "losses", "ties", "unparsed", "win rate", "first shown chosen"],
                [
                    [
                        p.policy,
                        str(p.wins),
                        str(p.losses),
                        str(p.ties),
                        str(p.unparsed),
                        _est(p.win_rate),
                        _est(p.first_shown_chosen),
                    ]
                    for p in loop.pairs
                ],
            ),
        ]
    return "\n".join(parts)


def _pooled(loop: LoopResults) -> str:
    """One row per comparison, one column per metric; coverage (primary) with its p-values."""
    pooled = [d for d in loop.differences if d.cluster is None]
    pairs = list(dict.fromkeys((d.policy, d.reference) for d in pooled))
    rows = []
    for policy, reference in pairs:
        mine = {d.metric: d for d in pooled if (d.policy, d.reference) == (policy, reference)}
        primary = mine.get("coverage")
        p_value = primary.p_value if primary else None
        p_holm = primary.p_holm if primary else None
        rows.append(
            [f"{policy} - {reference}"]
            + [_est(mine[m].estimate, "diff") if m in mine else "—" for m in METRICS]
            + [
                f"{p_value:.3f}" if p_value is not None else "—",
                f"{p_holm:.3f}" if p_holm is not None else "—",
            ]
        )
    header = ["policy - reference", *METRICS, "p, coverage (sign flip)", "p, coverage (Holm)"]
    return _table(header, rows)


def _gold(results: IntentResults) -> str:
    g = results.gold
    if g is None:
        return ""
    kinds = ", ".join(
        f"{k} {v:.2f}" if v is not None else f"{k} —" for k, v in g.missing_kappa.items()
    )
    mean = f"{g.missing_kappa_mean:.2f}" if g.missing_kappa_mean is not None else "—"
    agree = fmt.rate(g.clarification_agreement) if g.clarification_agreement is not None else "—"
    return "\n".join(
        [
            "## Judge vs human on the gold set",
            "",
            f"{g.labelled} of {g.n} hand-labelled prompts got a readable label from the judge "
            f"model ({results.models['judge']}).",
            "",
            f"- Needs clarification: Cohen's κ {_est(g.clarification_kappa, 'ratio')} "
            f"(raw agreement {agree})",
            f"- Ambiguity type: κ {_est(g.ambiguity_kappa, 'ratio')}",
            f"- Missing kinds, κ per kind (mean {mean}): {kinds}",
        ]
    )


def _footer(results: IntentResults) -> str:
    scrub = results.scrub
    found = ", ".join(f"{k} {v}" for k, v in sorted(scrub.found.items())) or "nothing"
    link = results.link
    outcomes = dict(sorted(results.log.outcomes.items(), key=lambda kv: -kv[1]))
    usage = [
        [
            m,
            str(int(u["calls"])),
            str(int(u["input_tokens"])),
            str(int(u["output_tokens"])),
            fmt.duration(u["seconds"]),
        ]
        for m, u in results.usage.items()
    ]
    return "\n".join(
        [
            "## Log, scrubbing, outcomes",
            "",
            f"- Rows with a text: {results.log.rows:,} (empty: {results.log.skipped_empty}); "
            f"outcomes: {_top(outcomes, 8)}",
            f"- Scrubbed before any model call: {scrub.prompts_changed} of {scrub.prompts} "
            f"prompts changed ({found})",
            f"- Bad outcome, prompts with a missing constraint: {_est(link.with_missing)}; "
            f"without: {_est(link.without_missing)}",
            f"- Replies that did not parse, per stage: {results.failures or 'none'}",
            "",
            "## Usage and time (this invocation)",
            "",
            _table(["model", "calls", "input tokens", "output tokens", "model time"], usage),
            "",
            "Stages: " + ", ".join(f"{k} {fmt.duration(v)}" for k, v in results.timings.items()),
        ]
    )


def report_markdown(results: IntentResults, plan: str) -> str:
    """The whole report as Markdown."""
    parts = [
        _header(results),
        caveats_markdown(results.caveats),
        plan.replace("# Analysis plan", "## Analysis plan", 1),
        _clusters(results),
    ]
    if results.validation is not None:
        parts.append(_validation(results.validation, results))
    else:
        stab = results.stability
        parts.append(
            f"## Stability\n\nARI between seeds: {_est(stab.seeds, 'ratio')}; between bootstrap "
            f"resamples and the full clustering: {_est(stab.bootstrap, 'ratio')}"
        )
    if results.loop is not None:
        parts.append(_loop(results.loop))
    parts += [_gold(results), _footer(results)]
    return "\n\n".join(p for p in parts if p) + "\n"


def write_report(
    folder: Path, results: IntentResults, clusters: _cluster.Clusters, config: IntentConfig
) -> ReportPaths:
    """report.md, report.html and the plots."""
    plan_path = folder / store.PLAN
    plan = plan_path.read_text(encoding="utf-8") if plan_path.is_file() else ""
    markdown = report_markdown(results, plan)
    plots = [
        _map_plot(folder / MAP_PNG, clusters, results),
        _cluster_plot(folder / CLUSTERS_PNG, results),
    ]
    if results.loop is not None:
        plots.append(_loop_plot(folder / LOOP_PNG, results.loop))
    images = "\n\n".join(f"![{p.stem}]({p.name})" for p in plots)
    markdown += f"\n## Plots\n\n{images}\n"
    md_path, html_path = folder / store.REPORT_MD, folder / store.REPORT_HTML
    md_path.write_text(markdown, encoding="utf-8")
    html_path.write_text(
        report_page(f"Intent analysis: {results.name}", markdown), encoding="utf-8"
    )
    return ReportPaths(md_path, html_path, plots)


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110)


def _map_plot(path: Path, clusters: _cluster.Clusters, results: IntentResults) -> Path:
    fig = _figure(7.5, 6)
    ax = fig.add_subplot()
    names = {row.cluster: row.name or f"c{row.cluster}" for row in results.clusters}
    xs = [p[0] for p in clusters.map]
    ys = [p[1] for p in clusters.map]
    cmap = _colours(len(names))
    for index, label in enumerate(sorted(names)):
        chosen = [i for i, c in enumerate(clusters.kmeans) if c == label]
        ax.scatter(
            [xs[i] for i in chosen],
            [ys[i] for i in chosen],
            s=12,
            color=cmap[index],
            label=f"c{label} {names[label][:28]}",
        )
    ax.set_title("Prompts on a 2-D map (t-SNE), coloured by k-means cluster")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=6, loc="best", markerscale=1.5)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _colours(n: int) -> list[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]


def _cluster_plot(path: Path, results: IntentResults) -> Path:
    fig = _figure(8, 4.5)
    ax = fig.add_subplot()
    rows = results.clusters
    labels = [f"c{r.cluster}" for r in rows]
    ax.bar(labels, [r.size for r in rows], color="#8fb3d9", label="prompts")
    ax.set_ylabel("prompts")
    twin = ax.twinx()
    rates = [r.bad_outcome for r in rows]
    points = [(i, e) for i, e in enumerate(rates) if e is not None]
    twin.errorbar(
        [i for i, _ in points],
        [e.mean for _, e in points],
        yerr=[
            [e.mean - (e.low or e.mean) for _, e in points],
            [(e.high or e.mean) - e.mean for _, e in points],
        ],
        fmt="o",
        color="#c0392b",
        capsize=3,
        label="bad outcome (95 % Wilson)",
    )
    twin.set_ylim(0, 1)
    twin.set_ylabel("bad-outcome rate")
    ax.set_title("Cluster sizes and outcome rates")
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="upper right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    return path


def _loop_plot(path: Path, loop: LoopResults) -> Path:
    fig = _figure(7.5, 4)
    ax = fig.add_subplot()
    rows = [d for d in loop.differences if d.cluster is None and d.metric == "coverage"]
    labels = [f"{d.policy} - {d.reference}" for d in rows]
    means = [d.estimate.mean for d in rows]
    lows = [
        d.estimate.mean - (d.estimate.low if d.estimate.low is not None else d.estimate.mean)
        for d in rows
    ]
    highs = [
        (d.estimate.high if d.estimate.high is not None else d.estimate.mean) - d.estimate.mean
        for d in rows
    ]
    ax.errorbar(means, range(len(rows)), xerr=[lows, highs], fmt="o", capsize=3, color="#2c6fbb")
    ax.axvline(0, color="#666", linewidth=0.8)
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlabel("hidden-detail coverage, paired difference (95 % bootstrap)")
    ax.set_title("Fix vs original (and vs the baseline)")
    fig.tight_layout()
    fig.savefig(path)
    return path

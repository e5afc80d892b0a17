"""`analyze` and `resume`: the whole pipeline on a prompt log (or regenlab's own runs), into a
run directory that a killed run continues from (`resume`) without redoing finished calls."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from agents.models import Model, get_model
from intent import _cluster, _summary
from intent import _store as store
from intent._config import GOLD_SET, PROFILES, IntentConfig, Models, load_config
from intent._embed import get_embedder
from intent._errors import IntentConfigError, IntentError
from intent._gold import gold_results, label_gold, read_gold
from intent._llm import Caller, Recorder
from intent._log import LogSample, PromptRecord, duplicate_ids, read_log
from intent._loop import SimUser, pick_users, policies, run_loop
from intent._plan import analysis_plan, caveats
from intent._regenlab import is_regenlab_dir, read_regenlab
from intent._report import ReportPaths, write_report
from intent._results import ClusterRow, IntentResults, LoopResults
from intent._schemas import ClusterName, Facets
from intent._scrub import ScrubReport, scrub_text
from intent._stages import Roles, cluster_summary_text, facet_text, run_facets, run_fixes, run_names
from intent._store import RunFolder

Progress = Callable[[str], None]


class IntentRun(NamedTuple):
    """What `analyze` returns: the results and where the report is."""

    results: IntentResults
    folder: Path
    report: ReportPaths


def analyze(
    *,
    log: Path | None = None,
    config: Path | None = None,
    model: str | Model | None = None,
    embedder: str | None = None,
    sample: int | None = None,
    out: Path | None = None,
    name: str | None = None,
    loop: bool | None = None,
    gold: bool | None = None,
    profile: str = "full",
    progress: Progress | None = None,
) -> IntentRun:
    """Analyse a prompt log into `out` (default runs/intent-<timestamp>-<name>/).

    `config` is an intent config file (default: the bundled run's `profile`, full or quick,
    unless `log` is given, then the plain defaults); the other arguments
    override it: `model` sets every role (a model string, or a Model instance such as a
    scripted mock), `loop=False` skips the closed loop, `gold` labels the gold set.
    """
    settings = _settings(
        config or _profile(profile, log),
        log=log,
        embedder=embedder,
        sample=sample,
        name=name,
        loop=loop,
        gold=gold,
        model=model,
    )
    folder = RunFolder.new(out, settings.name)
    if folder.holds_run():
        raise IntentError(
            f"{folder.path}: holds an analysis already; fix: `experiment intent resume "
            f"{folder.path}` to continue it, or give another --out"
        )
    text = yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False)
    folder.file(store.CONFIG).write_text(text, encoding="utf-8")
    folder.file(store.PLAN).write_text(analysis_plan(settings), encoding="utf-8")
    return _run(folder, settings, model if isinstance(model, Model) else None, progress)


def resume(
    *, run_dir: Path, model: Model | None = None, progress: Progress | None = None
) -> IntentRun:
    """Continue the analysis in `run_dir` with its saved config, skipping what is on disk."""
    folder = RunFolder(run_dir)
    if not folder.holds_run():
        raise IntentError(
            f"{run_dir}: no {store.CONFIG} here; fix: give a folder made by "
            "`experiment intent analyze`"
        )
    settings = load_config(folder.file(store.CONFIG))
    return _run(folder, settings, model, progress)


def _profile(profile: str, log: Path | None) -> Path | None:
    """The bundled profile's config, or None for a user's log (plain defaults)."""
    if profile not in PROFILES:
        raise IntentConfigError(f"--profile {profile}: fix: use one of {', '.join(PROFILES)}")
    return PROFILES[profile] if log is None else None


def _settings(config: Path | None, *, model: str | Model | None, **given: Any) -> IntentConfig:
    settings = load_config(config) if config else IntentConfig()
    update: dict[str, Any] = {}
    for key in ("log", "name"):
        if given.get(key) is not None:
            update[key] = given[key].resolve() if key == "log" else given[key]
    if given.get("sample") is not None:
        update["sample"] = given["sample"]
    if given.get("gold") is not None:
        update["gold"] = given["gold"]
    if given.get("embedder") is not None:
        update["clustering"] = settings.clustering.model_copy(
            update={"embedder": given["embedder"]}
        )
    if given.get("loop") is False:
        update["loop"] = settings.loop.model_copy(update={"clusters": 0})
    if model is not None:
        named = model if isinstance(model, str) else model.id
        update["models"] = Models(**dict.fromkeys(Models.model_fields, named))
    try:
        return IntentConfig.model_validate({**settings.model_dump(), **update})
    except ValueError as exc:
        raise IntentConfigError(f"command-line options: {exc}; fix: correct the flag") from exc


def _roles(settings: IntentConfig, given: Model | None) -> Roles:
    """One model instance per distinct model string (the embedded model loads once)."""
    cache: dict[str, Model] = {}

    def get(name: str) -> Model:
        if given is not None:
            return given
        if name not in cache:
            cache[name] = get_model(name)
        return cache[name]

    names = settings.models
    return Roles(
        facets=get(names.facets),
        names=get(names.names),
        fixes=get(names.fixes),
        user=get(names.user),
        app=get(names.app),
        judge=get(names.judge),
    )


@contextmanager
def _stage(timings: dict[str, float], name: str, progress: Progress | None) -> Iterator[None]:
    if progress:
        progress(f"{name} …")
    started = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - started, 2)


def _read(settings: IntentConfig) -> tuple[LogSample, str]:
    path = settings.log
    if path is None:
        raise IntentConfigError("no log given; fix: pass LOG or set `log:` in the config")
    if is_regenlab_dir(path):
        return read_regenlab(path, sample=settings.sample), "regenlab"
    sample = read_log(
        path,
        columns=settings.columns,
        labels=settings.labels,
        fmt=settings.format,
        sample=settings.sample,
        seed=settings.seed,
    )
    same = duplicate_ids(sample.records)
    if same is not None:
        raise IntentError(
            f"{path}: two prompts share the id {same!r}; fix: make the id column unique, or "
            "set `columns: {id: null}` to number the lines"
        )
    return sample, "log"


def _scrubbed(records: list[PromptRecord], limit: int) -> tuple[list[PromptRecord], ScrubReport]:
    """Copies with personal data replaced (text and context), cut to `limit` characters."""
    report = ScrubReport()
    out = []
    for record in records:
        text, found = scrub_text(record.text[:limit])
        context = None
        if record.context:
            context, more = scrub_text(record.context[:limit])
            found += more
        report.add(found)
        out.append(record.model_copy(update={"text": text, "context": context}))
    return out, report


class _Clustered(NamedTuple):
    """What the embedding and clustering stage found."""

    clusters: _cluster.Clusters
    seed_runs: list[list[int]]
    moved: _cluster.Stability
    prompt_only: list[int] | None


def _prepare(
    folder: RunFolder, settings: IntentConfig
) -> tuple[LogSample, list[PromptRecord], ScrubReport, str]:
    """Read (stream and sample) and scrub the log; write what was read."""
    sample, source = _read(settings)
    records, scrub = _scrubbed(sample.records, settings.max_chars)
    if len(records) < 3:
        raise IntentError(
            f"{settings.log}: {len(records)} prompt(s); fix: give at least 3 to cluster"
        )
    folder.write_json(store.LOG, sample.summary.model_dump())
    folder.write_json(store.SCRUB, scrub.model_dump())
    _write_prompts(folder, records)
    return sample, records, scrub, source


def _cluster_stage(
    folder: RunFolder,
    settings: IntentConfig,
    records: list[PromptRecord],
    facets: dict[str, Facets | None],
) -> _Clustered:
    """Embed, cluster, and measure stability (and the prompt-only clustering beside it)."""
    x, prompt_x = _embeddings(folder, settings, records, facets)
    clusters = _clusters(x, settings)
    options = settings.clustering
    runs = _cluster.seed_runs(x, clusters.k, seeds=options.seeds, seed=settings.seed)
    moved = _cluster.stability(x, clusters.k, runs, resamples=options.resamples, seed=settings.seed)
    prompt_only = None
    if prompt_x is not None:
        prompt_only = _cluster.kmeans_labels(prompt_x, clusters.k, settings.seed)
    return _Clustered(clusters, runs, moved, prompt_only)


def _run(
    folder: RunFolder, settings: IntentConfig, given: Model | None, progress: Progress | None
) -> IntentRun:
    timings: dict[str, float] = {}
    with _stage(timings, "read and scrub", progress):
        sample, records, scrub, source = _prepare(folder, settings)
    roles = _roles(settings, given)
    caller = Caller(Recorder(folder.file(store.TRANSCRIPTS)), settings.seed, settings.timeout_s)
    with _stage(timings, f"facets of {len(records)} prompts", progress):
        journals = source == "regenlab"
        facets = run_facets(
            caller, roles.facets, records, folder, settings, journals=journals, progress=progress
        )
    with _stage(timings, "embed and cluster", progress):
        found = _cluster_stage(folder, settings, records, facets)
    clusters = found.clusters
    with _stage(timings, f"names of {clusters.k} clusters", progress):
        texts = [r.text for r in records]
        names = run_names(caller, roles.names, texts, clusters, folder, settings)
    folder.write_json(
        store.CLUSTERS, {"clusters": clusters.model_dump(), "stability": found.moved.model_dump()}
    )
    rows = _summary.cluster_rows(records, facets, clusters, names, settings.bad_outcomes)
    loop = gold = None
    if settings.loop.clusters:
        with _stage(timings, "closed loop", progress):
            loop = _loop(
                caller, roles, records, facets, clusters, names, rows, folder, settings, progress
            )
    if settings.gold:
        with _stage(timings, "gold set", progress):
            items = read_gold(GOLD_SET)[: settings.gold_limit]
            labels = label_gold(caller, roles.judge, items, folder, settings)
            gold = gold_results(items, labels, settings.seed)
    results = IntentResults(
        name=settings.name,
        source=source,
        log=sample.summary,
        scrub=scrub,
        models=settings.models.model_dump(),
        embedder=settings.clustering.embedder,
        embed_text=settings.clustering.embed_text,
        facets_failed=sum(1 for f in facets.values() if f is None),
        k=clusters.k,
        k_criterion=clusters.k_criterion,
        silhouettes=clusters.silhouettes,
        hdbscan_min_cluster_size=clusters.hdbscan_min_cluster_size,
        clusters=rows,
        groups=_summary.group_rows(clusters, names),
        stability=_summary.stability(found.moved),
        link=_summary.link(records, facets, settings.bad_outcomes),
        validation=_summary.validation(
            records,
            facets,
            clusters,
            seed_labels=found.seed_runs,
            prompt_only=found.prompt_only,
            seed=settings.seed,
        ),
        loop=loop,
        gold=gold,
        failures=dict(caller.failures),
        usage=_usage(roles),
        timings=timings,
    )
    results.caveats = caveats(settings, results)
    folder.write_json(store.RESULTS, results.model_dump(mode="json"))
    report = write_report(folder.path, results, clusters, settings)
    return IntentRun(results, folder.path, report)


def _write_prompts(folder: RunFolder, records: list[PromptRecord]) -> None:
    path = folder.file(store.PROMPTS)
    lines = [r.model_dump_json() for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _embed_texts(
    records: list[PromptRecord], facets: dict[str, Facets | None], mode: str
) -> list[str]:
    if mode == "prompt":
        return [r.text for r in records]
    if mode == "facets":
        return [facet_text(facets.get(r.id)) or r.text for r in records]
    return [f"{facet_text(facets.get(r.id))} {r.text}".strip() for r in records]


def _embeddings(
    folder: RunFolder,
    settings: IntentConfig,
    records: list[PromptRecord],
    facets: dict[str, Facets | None],
) -> tuple[Any, Any]:
    """The embedding matrix (cached in embeddings.npy) and, when facets are embedded, the
    prompt-only one (for the comparison)."""
    import numpy as np

    mode = settings.clustering.embed_text
    meta = {"ids": [r.id for r in records], "embedder": settings.clustering.embedder, "text": mode}
    path = folder.file(store.EMBEDDINGS)
    embed = None
    if folder.read_json(store.EMBEDDINGS_META) == meta and path.is_file():
        x = np.load(path)
    else:
        embed = get_embedder(settings.clustering.embedder)
        x = embed(_embed_texts(records, facets, mode))
        np.save(path, x)
        folder.write_json(store.EMBEDDINGS_META, meta)
    if mode == "prompt":
        return x, None
    embed = embed or get_embedder(settings.clustering.embedder)
    return x, embed([r.text for r in records])


def _clusters(x: Any, settings: IntentConfig) -> _cluster.Clusters:
    options = settings.clustering
    return _cluster.cluster(
        x,
        k_min=options.k_min,
        k_max=options.k_max,
        min_cluster_size=options.min_cluster_size,
        top_groups=options.top_groups,
        examples=options.examples,
        seed=settings.seed,
    )


def _loop(
    caller: Caller,
    roles: Roles,
    records: list[PromptRecord],
    facets: dict[str, Facets | None],
    clusters: _cluster.Clusters,
    names: dict[str, ClusterName | None],
    rows: list[ClusterRow],
    folder: RunFolder,
    settings: IntentConfig,
    progress: Progress | None,
) -> LoopResults | None:
    """Fix and test the clusters whose prompts leave out the most (ties: the larger)."""
    ranked = sorted(rows, key=lambda r: (-r.missing_per_prompt, -r.size, r.cluster))
    chosen: list[int] = []
    users: list[SimUser] = []
    fix_texts: dict[str, dict[str, str]] = {}
    all_policies: list[str] = []
    for row in ranked:
        if len(chosen) == settings.loop.clusters:
            break
        members = [r for r, c in zip(records, clusters.kmeans, strict=True) if c == row.cluster]
        found = pick_users(row.cluster, members, facets, caller, roles, folder, settings)
        if not found:
            continue
        summary = cluster_summary_text(
            names.get(f"c{row.cluster}"), Counter(row.missing), Counter(row.ambiguity), row.examples
        )
        fixes = run_fixes(caller, roles.fixes, row.cluster, summary, folder, settings)
        options = policies(fixes, settings)
        if progress:
            progress(f"  cluster {row.cluster}: {len(found)} users x {len(options)} policies")
        run_loop(caller, roles, found, options, folder, settings)
        chosen.append(row.cluster)
        users += found
        fix_texts[f"c{row.cluster}"] = fixes
        all_policies += [p for p in options if p not in all_policies]
    if not chosen:
        return None
    scores_all = [s for s in _scores(folder) if s.cluster in chosen]
    pairs_all = [p for p in folder.rows(store.PAIRS) if p.get("cluster") in chosen]
    return LoopResults(
        clusters=chosen,
        users=len(users),
        planted_users=all(u.planted for u in users),
        policies=all_policies,
        fixes=fix_texts,
        rows=_summary.policy_rows(scores_all, all_policies, settings.seed),
        differences=_summary.differences(scores_all, all_policies, chosen, settings.seed),
        pairs=_summary.pair_rows(pairs_all, all_policies),
    )


def _scores(folder: RunFolder) -> list[Any]:
    from intent._loop import Scores

    return [Scores.model_validate(v) for v in folder.done(store.JUDGEMENTS).values()]


def _usage(roles: Roles) -> dict[str, dict[str, float]]:
    """Calls, tokens and seconds per distinct model of this invocation."""
    seen: dict[str, dict[str, float]] = {}
    for role in ("facets", "names", "fixes", "user", "app", "judge"):
        model: Model = getattr(roles, role)
        if model.id in seen:
            continue
        usage = model.usage
        seen[model.id] = {
            "calls": usage.calls,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "seconds": round(usage.latency_s, 1),
        }
    return seen

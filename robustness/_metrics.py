"""Metrics of a run, each with a 95 % cluster-bootstrap interval over test cases (the calls of
one case are not independent: whole cases are resampled).

- nominal: the clean prompt's mean (pass rate or score) over its repeats;
- noise floor: the same prompt against itself — the drop between two halves of the clean
  repeats, whose interval bounds what "no change" can look like, and the clean flip rate;
- per family and per family x severity: drop (clean - perturbed), PromptBench's Performance
  Drop Rate PDR = 1 - sum(perturbed) / sum(clean), flip rate (verdicts that differ from the
  clean repeats'), ReCode's Robust Pass_s (a case counts only if all its s variants pass);
- fragile: a one-sided bootstrap p-value for "drop <= noise floor", Holm-adjusted across
  families (and, separately, across severity cells and across prompts); fragile when < 0.05;
- format spread (FormatSpread): p10-p90 and max-min of the format variants' accuracies;
- pass^k over the clean repeats; DIR controls' pass rates (Wilson intervals); POSIX if run.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from statistics import fmean, median

from pydantic import BaseModel, Field

from analysis import Estimate, cluster_bootstrap, holm_adjust, wilson_interval
from robustness._records import CallRecord
from robustness._variants import Variant

ALPHA = 0.05
"""Family-wise error rate of the fragility tests."""
Groups = Sequence[Sequence[float]]


class NoiseFloor(BaseModel):
    """How much the clean prompt moves against itself."""

    repeats: int
    """Clean calls per case."""
    self_drop: Estimate | None
    """Mean of (even repeats - odd repeats) per case: the drop of a change that changes nothing."""
    floor: float
    """The largest |bound| of that interval: a drop must exceed it to count (0 with 1 repeat)."""
    flip_rate: Estimate | None
    """How often two clean calls of one case disagree on pass/fail."""


class Row(BaseModel):
    """One family (or family x severity) of one prompt."""

    prompt_id: str
    family: str
    severity: int | None = None
    """None: every severity of the family."""
    cases: int
    """Cases with both clean and perturbed calls."""
    variants: int
    """Distinct variants run."""
    calls: int
    """Perturbed calls."""
    s: int = 0
    """Variants per case (the median), the s of Robust Pass_s."""
    clean: Estimate
    """The clean mean on the same cases."""
    perturbed: Estimate
    """The perturbed mean."""
    drop: Estimate
    """clean - perturbed, in the metric's units."""
    pdr: Estimate
    """Performance Drop Rate: 1 - sum(perturbed) / sum(clean)."""
    flip_rate: Estimate
    """Share of perturbed verdicts that differ from a clean verdict of the same case."""
    robust_pass: Estimate
    """Robust Pass_s: share of cases where every variant passes."""
    p_value: float | None = None
    """One-sided bootstrap p of drop <= noise floor."""
    p_holm: float | None = None
    """Holm-adjusted p-value."""
    fragile: bool = False
    """The drop exceeds the noise floor (Holm-adjusted p < 0.05)."""


class Spread(BaseModel):
    """How far the format variants' accuracies spread (FormatSpread)."""

    variants: int
    """Format variants run."""
    cases_per_variant: float
    """Mean cases behind each variant's accuracy."""
    p10_p90: Estimate
    """p90 - p10 of the variants' accuracies."""
    max_min: Estimate
    """max - min of the variants' accuracies."""
    best: str = ""
    """The variant with the highest accuracy."""
    worst: str = ""
    """The variant with the lowest accuracy."""
    chance_p10_p90: float | None = None
    """Mean p90 - p10 when every variant has the pooled accuracy and the same cases per
    variant: the spread that sampling alone makes (pass metric only)."""
    chance_max_min: float | None = None
    """The same for max - min."""


class DirRow(BaseModel):
    """One meaning-changing control."""

    variant_id: str
    edit: str
    """What it changes."""
    cases: int
    passed: Estimate
    """Share of its calls whose reply follows the changed prompt (Wilson interval)."""


class Breaker(BaseModel):
    """A variant that broke a case the clean prompt passes."""

    variant_id: str
    family: str
    kind: str
    severity: int
    edit: str
    output: str
    """The variant's reply."""


class FragileCase(BaseModel):
    """A test case that the clean prompt passes and variants break."""

    group: str
    """The metrics group (the prompt's id unless the suite groups prompts)."""
    prompt_id: str
    """The prompt whose variants broke it."""
    case_id: str
    clean_pass: float
    """Pass rate over the clean repeats."""
    perturbed_pass: float
    """Pass rate over its meaning-preserving variants."""
    runs: int
    """Its meaning-preserving calls."""
    clean_output: str
    """The first clean reply."""
    breakers: list[Breaker]
    """Up to three variants that failed it."""


class Metrics(BaseModel):
    """Everything the report shows, computed from results.jsonl."""

    metric: str
    """pass (pass rate) or score (mean weighted score)."""
    resamples: int = 10_000
    """Bootstrap resamples behind each interval."""
    calls: int
    """Calls in the results."""
    errors: int
    """Calls that failed (left out)."""
    nominal: dict[str, Estimate]
    """Per prompt: the clean mean."""
    noise: dict[str, NoiseFloor]
    """Per prompt: the noise floor."""
    overall: list[Row]
    """Per prompt: every meaning-preserving variant together (Holm across prompts)."""
    families: list[Row]
    """Per prompt and family (Holm across all of them)."""
    cells: list[Row]
    """Per prompt, family and severity (Holm across all of them)."""
    pass_k: dict[str, list[Estimate]]
    """Per prompt: pass^k for k = 1 .. repeats."""
    spread: dict[str, Spread]
    """Per prompt: the format spread."""
    dir: list[DirRow]
    """The meaning-changing controls."""
    fragile_cases: list[FragileCase]
    """The cases variants break most, worst first."""
    paraphrases_failed: int = 0
    """Paraphrases left out because their meaning check failed."""
    posix: dict[str, Estimate] = Field(default_factory=dict)
    """Per prompt: POSIX (when computed)."""


# --- resampling -----------------------------------------------------------------------------


def _estimate(groups: Groups, statistic: Callable[[Groups], float], resamples: int) -> Estimate:
    clusters = {str(i): list(g) for i, g in enumerate(groups)}
    return cluster_bootstrap(clusters, statistic, resamples=resamples)


def _p_value(
    groups: Groups, statistic: Callable[[Groups], float], floor: float, resamples: int
) -> float:
    """Share of bootstrap draws (the same draws cluster_bootstrap makes: seed 0, whole cases)
    whose statistic is at most `floor`, with the +1 correction."""
    rng = random.Random(0)
    items = [list(g) for g in groups]
    below = sum(statistic(rng.choices(items, k=len(items))) <= floor for _ in range(resamples))
    return (below + 1) / (resamples + 1)


def _diff(groups: Groups) -> float:
    return fmean(g[0] - g[1] for g in groups)


def _second(groups: Groups) -> float:
    return fmean(g[1] for g in groups)


def _first(groups: Groups) -> float:
    return fmean(g[0] for g in groups)


def _pdr(groups: Groups) -> float:
    clean = sum(g[0] for g in groups)
    return 1 - sum(g[1] for g in groups) / clean if clean > 0 else 0.0


def _mean(groups: Groups) -> float:
    return fmean(fmean(g) for g in groups)


# --- per family -----------------------------------------------------------------------------


class _Data:
    """The records of one prompt (or group of prompts), indexed by cluster: the case, or the
    (prompt, case) pair when a group has several prompts."""

    def __init__(self, records: list[CallRecord], metric: str) -> None:
        self.metric = metric
        self.clean: dict[str, list[CallRecord]] = defaultdict(list)
        self.inv: dict[str, list[CallRecord]] = defaultdict(list)
        several = len({r.prompt_id for r in records}) > 1
        for r in records:
            cluster = f"{r.prompt_id}/{r.case_id}" if several else r.case_id
            if r.relation == "clean":
                self.clean[cluster].append(r)
            elif r.relation == "INV":
                self.inv[cluster].append(r)
        for runs in self.clean.values():
            runs.sort(key=lambda r: r.repeat)

    def value(self, record: CallRecord) -> float:
        return float(record.passed) if self.metric == "pass" else record.score

    def clean_mean(self, case: str) -> float:
        return fmean(self.value(r) for r in self.clean[case])


def _row(
    data: _Data,
    prompt_id: str,
    family: str,
    severity: int | None,
    select: Callable[[CallRecord], bool],
    resamples: int,
) -> Row | None:
    runs = {c: [r for r in rs if select(r)] for c, rs in data.inv.items()}
    cases = sorted(c for c, rs in runs.items() if rs and data.clean.get(c))
    if not cases:
        return None
    pairs = [[data.clean_mean(c), fmean(data.value(r) for r in runs[c])] for c in cases]
    flips = [[_flip(runs[c], data.clean[c])] for c in cases]
    robust = [[float(all(r.passed for r in runs[c]))] for c in cases]
    return Row(
        prompt_id=prompt_id,
        family=family,
        severity=severity,
        cases=len(cases),
        variants=len({r.variant_id for c in cases for r in runs[c]}),
        calls=sum(len(runs[c]) for c in cases),
        s=round(median(len(runs[c]) for c in cases)),
        clean=_estimate(pairs, _first, resamples),
        perturbed=_estimate(pairs, _second, resamples),
        drop=_estimate(pairs, _diff, resamples),
        pdr=_estimate(pairs, _pdr, resamples),
        flip_rate=_estimate(flips, _mean, resamples),
        robust_pass=_estimate(robust, _mean, resamples),
    )


def _flip(runs: list[CallRecord], clean: list[CallRecord]) -> float:
    return fmean(float(a.passed != b.passed) for a in runs for b in clean)


def _with_test(
    row: Row, data: _Data, select: Callable[[CallRecord], bool], floor: float, resamples: int
) -> Row:
    runs = {c: [r for r in rs if select(r)] for c, rs in data.inv.items()}
    cases = sorted(c for c, rs in runs.items() if rs and data.clean.get(c))
    pairs = [[data.clean_mean(c), fmean(data.value(r) for r in runs[c])] for c in cases]
    return row.model_copy(update={"p_value": _p_value(pairs, _diff, floor, resamples)})


def _holm(rows: list[Row]) -> list[Row]:
    tested = {str(i): r.p_value for i, r in enumerate(rows) if r.p_value is not None}
    adjusted = holm_adjust(tested) if tested else {}
    out = []
    for i, row in enumerate(rows):
        p = adjusted.get(str(i))
        out.append(row.model_copy(update={"p_holm": p, "fragile": p is not None and p < ALPHA}))
    return out


# --- noise floor, pass^k --------------------------------------------------------------------


def noise_floor(data: _Data, resamples: int) -> NoiseFloor:
    """The clean prompt against itself (needs two repeats or more)."""
    cases = [c for c, rs in data.clean.items() if len(rs) >= 2]
    repeats = max((len(rs) for rs in data.clean.values()), default=0)
    if not cases:
        return NoiseFloor(repeats=repeats, self_drop=None, floor=0.0, flip_rate=None)
    halves = [
        [
            fmean(data.value(r) for r in data.clean[c][0::2]),
            fmean(data.value(r) for r in data.clean[c][1::2]),
        ]
        for c in cases
    ]
    drop = _estimate(halves, _diff, resamples)
    flips = [[_pair_flips(data.clean[c])] for c in cases]
    floor = max(abs(drop.low or 0.0), abs(drop.high or 0.0))
    return NoiseFloor(
        repeats=repeats, self_drop=drop, floor=floor, flip_rate=_estimate(flips, _mean, resamples)
    )


def _pair_flips(runs: list[CallRecord]) -> float:
    pairs = [(a, b) for i, a in enumerate(runs) for b in runs[i + 1 :]]
    return fmean(float(a.passed != b.passed) for a, b in pairs)


def pass_hat_k(data: _Data, resamples: int) -> list[Estimate]:
    """pass^k = the chance that k fresh calls all pass, per case (unbiased: C(c,k)/C(n,k))."""
    groups = [[float(r.passed) for r in rs] for rs in data.clean.values() if rs]
    if not groups:
        return []
    n = min(len(g) for g in groups)
    out = []
    for k in range(1, n + 1):

        def statistic(gs: Groups, k: int = k) -> float:
            return fmean(math.comb(int(sum(g)), k) / math.comb(len(g), k) for g in gs)

        out.append(_estimate(groups, statistic, resamples))
    return out


# --- format spread, DIR, fragile cases -------------------------------------------------------


def format_spread(data: _Data, resamples: int) -> Spread | None:
    """p10-p90 and max-min of the format variants' accuracies, resampling cases."""
    by_case: dict[str, list[float]] = defaultdict(list)
    ids: list[str] = []
    for case, runs in data.inv.items():
        for r in runs:
            if r.family != "format":
                continue
            if r.variant_id not in ids:
                ids.append(r.variant_id)
            by_case[case] += [float(ids.index(r.variant_id)), data.value(r)]
    if len(ids) < 2:
        return None
    groups = list(by_case.values())

    def accuracies(gs: Groups) -> list[float]:
        sums: dict[int, list[float]] = defaultdict(list)
        for g in gs:
            for i in range(0, len(g), 2):
                sums[int(g[i])].append(g[i + 1])
        return sorted(fmean(v) for v in sums.values())

    def p10_p90(gs: Groups) -> float:
        acc = accuracies(gs)
        return _quantile(acc, 0.9) - _quantile(acc, 0.1)

    def max_min(gs: Groups) -> float:
        acc = accuracies(gs)
        return acc[-1] - acc[0]

    per_variant = {
        vid: fmean(g[i + 1] for g in groups for i in range(0, len(g), 2) if int(g[i]) == n)
        for n, vid in enumerate(ids)
    }
    runs_of = Counter(int(g[i]) for g in groups for i in range(0, len(g), 2))
    counts = [runs_of[n] for n in range(len(ids))]
    values = [g[i] for g in groups for i in range(1, len(g), 2)]
    chance = (
        _chance_spread(counts, fmean(values))
        if all(v in (0.0, 1.0) for v in values)
        else (None, None)
    )
    return Spread(
        variants=len(ids),
        cases_per_variant=sum(len(g) for g in groups) / 2 / len(ids),
        p10_p90=_estimate(groups, p10_p90, resamples),
        max_min=_estimate(groups, max_min, resamples),
        best=max(per_variant, key=lambda v: per_variant[v]),
        worst=min(per_variant, key=lambda v: per_variant[v]),
        chance_p10_p90=chance[0],
        chance_max_min=chance[1],
    )


CHANCE_DRAWS = 2000
"""Simulated runs behind the sampling-only spread."""


def _chance_spread(counts: list[int], rate: float) -> tuple[float, float]:
    """Mean (p90 - p10, max - min) of variant accuracies when every variant passes each of its
    `counts[i]` cases with probability `rate`: what sampling alone spreads (seeded)."""
    rng = random.Random(0)
    p10_p90, max_min = [], []
    for _ in range(CHANCE_DRAWS):
        acc = sorted(sum(rng.random() < rate for _ in range(k)) / k for k in counts)
        p10_p90.append(_quantile(acc, 0.9) - _quantile(acc, 0.1))
        max_min.append(acc[-1] - acc[0])
    return fmean(p10_p90), fmean(max_min)


def _quantile(values: list[float], q: float) -> float:
    """Linear-interpolated quantile of sorted values."""
    at = q * (len(values) - 1)
    low = math.floor(at)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (at - low)


def dir_rows(records: list[CallRecord], variants: dict[str, Variant]) -> list[DirRow]:
    """Each control's share of replies that follow the changed prompt."""
    by_variant: dict[str, list[CallRecord]] = defaultdict(list)
    for r in records:
        if r.relation == "DIR":
            by_variant[r.variant_id].append(r)
    rows = []
    for vid, runs in sorted(by_variant.items()):
        passed = sum(r.passed for r in runs)
        edit = variants[vid].edit if vid in variants else vid
        rows.append(
            DirRow(
                variant_id=vid,
                edit=edit,
                cases=len(runs),
                passed=wilson_interval(passed, len(runs)),
            )
        )
    return rows


def fragile_cases(
    group: str, data: _Data, variants: dict[str, Variant], limit: int = 10
) -> list[FragileCase]:
    """Cases the clean prompt mostly passes and meaning-preserving variants fail, worst first."""
    out = []
    for case, runs in data.inv.items():
        clean = data.clean.get(case)
        if not clean or not runs:
            continue
        clean_pass = fmean(float(r.passed) for r in clean)
        broken = [r for r in runs if not r.passed]
        if clean_pass < 0.5 or not broken:
            continue
        breakers = [
            Breaker(
                variant_id=r.variant_id,
                family=r.family,
                kind=r.kind,
                severity=r.severity,
                edit=variants[r.variant_id].edit if r.variant_id in variants else "",
                output=r.output,
            )
            for r in broken[:3]
        ]
        out.append(
            FragileCase(
                group=group,
                prompt_id=clean[0].prompt_id,
                case_id=clean[0].case_id,
                clean_pass=clean_pass,
                perturbed_pass=fmean(float(r.passed) for r in runs),
                runs=len(runs),
                clean_output=clean[0].output,
                breakers=breakers,
            )
        )
    out.sort(key=lambda f: (f.perturbed_pass - f.clean_pass, -f.runs, f.case_id))
    return out[:limit]


# --- everything -----------------------------------------------------------------------------


def compute_metrics(
    records: Iterable[CallRecord],
    variants: list[Variant],
    *,
    metric: str = "pass",
    resamples: int = 10_000,
    groups: dict[str, str] | None = None,
) -> Metrics:
    """All metrics of a run from its records (failed calls left out), per prompt, or per
    group where `groups` maps prompt ids to groups."""
    all_records = list(records)
    good = [r for r in all_records if r.error is None]
    by_id = {v.id: v for v in variants}
    group_of = groups or {}
    prompts = sorted({group_of.get(r.prompt_id, r.prompt_id) for r in good})
    data = {
        p: _Data([r for r in good if group_of.get(r.prompt_id, r.prompt_id) == p], metric)
        for p in prompts
    }
    noise = {p: noise_floor(data[p], resamples) for p in prompts}
    overall: list[Row] = []
    families: list[Row] = []
    cells: list[Row] = []
    for p in prompts:
        floor = noise[p].floor
        overall += _tested(data[p], p, "all", None, _selector(None, None), floor, resamples)
        for family in sorted({r.family for rs in data[p].inv.values() for r in rs}):
            select = _selector(family, None)
            families += _tested(data[p], p, family, None, select, floor, resamples)
            severities = {r.severity for rs in data[p].inv.values() for r in rs if select(r)}
            for severity in sorted(severities):
                select = _selector(family, severity)
                cells += _tested(data[p], p, family, severity, select, floor, resamples)
    return Metrics(
        metric=metric,
        resamples=resamples,
        calls=len(all_records),
        errors=len(all_records) - len(good),
        nominal={
            p: _estimate(
                [[data[p].value(r) for r in rs] for rs in data[p].clean.values() if rs],
                _mean,
                resamples,
            )
            for p in prompts
            if data[p].clean
        },
        noise=noise,
        overall=_holm(overall),
        families=_holm(families),
        cells=_holm(cells),
        pass_k={p: pass_hat_k(data[p], resamples) for p in prompts},
        spread={p: s for p in prompts if (s := format_spread(data[p], resamples)) is not None},
        dir=dir_rows(good, by_id),
        fragile_cases=[f for p in prompts for f in fragile_cases(p, data[p], by_id)],
        paraphrases_failed=sum(1 for v in variants if v.family == "paraphrase" and not v.usable),
    )


def _selector(family: str | None, severity: int | None) -> Callable[[CallRecord], bool]:
    """The records of one family (None: all) and severity (None: all)."""

    def select(record: CallRecord) -> bool:
        return (family is None or record.family == family) and (
            severity is None or record.severity == severity
        )

    return select


def _tested(
    data: _Data,
    prompt_id: str,
    family: str,
    severity: int | None,
    select: Callable[[CallRecord], bool],
    floor: float,
    resamples: int,
) -> list[Row]:
    row = _row(data, prompt_id, family, severity, select, resamples)
    if row is None:
        return []
    return [_with_test(row, data, select, floor, resamples)]

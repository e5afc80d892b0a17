"""The statistics on synthetic results: exact values on small hand-made data, and a known drop
found (and a null family not called fragile) on larger seeded data."""

from __future__ import annotations

import random

import pytest

from robustness import CallRecord, compute_metrics
from robustness._metrics import _chance_spread
from robustness._variants import Variant

RESAMPLES = 2000


def _record(
    case: str, family: str, passed: bool, *, repeat: int = 0, variant: str = "", severity: int = 1
) -> CallRecord:
    relation = "clean" if family == "clean" else ("DIR" if family == "dir" else "INV")
    vid = "p:clean" if family == "clean" else variant or f"p:{family}:k:s{severity}:r0"
    return CallRecord(
        key=f"{vid}|{case}|{repeat}",
        variant_id=vid,
        prompt_id="p",
        family=family,
        kind="k",
        severity=0 if family == "clean" else severity,
        seed=0,
        relation=relation,
        case_id=case,
        repeat=repeat,
        passed=passed,
        score=float(passed),
    )


def _clean(case: str, passes: list[int]) -> list[CallRecord]:
    return [_record(case, "clean", bool(p), repeat=r) for r, p in enumerate(passes)]


def small() -> list[CallRecord]:
    records = _clean("A", [1, 1, 0]) + _clean("B", [1, 1, 1])
    records.append(_record("A", "format", False, variant="p:format:k:s1:r0"))
    records += [
        _record("B", "format", True, variant="p:format:k:s1:r0"),
        _record("B", "format", False, variant="p:format:k:s2:r0", severity=2),
    ]
    records += [_record(c, "noise", True, variant=f"p:noise:k:s1:r{c}") for c in "AB"]
    return records


def test_exact_values_on_hand_made_results() -> None:
    m = compute_metrics(small(), [], resamples=RESAMPLES)
    assert m.nominal["p"].mean == pytest.approx((2 / 3 + 1) / 2)
    fmt = next(r for r in m.families if r.family == "format")
    assert (fmt.cases, fmt.variants, fmt.calls) == (2, 2, 3)
    assert fmt.clean.mean == pytest.approx(5 / 6)
    assert fmt.perturbed.mean == pytest.approx(0.25)
    assert fmt.drop.mean == pytest.approx(5 / 6 - 0.25)
    assert fmt.pdr.mean == pytest.approx(1 - 0.5 / (5 / 3))
    assert fmt.flip_rate.mean == pytest.approx((2 / 3 + 0.5) / 2)
    assert fmt.robust_pass.mean == 0.0
    noise = next(r for r in m.families if r.family == "noise")
    assert noise.robust_pass.mean == 1.0 and noise.flip_rate.mean == pytest.approx((1 / 3 + 0) / 2)
    floor = m.noise["p"]
    assert floor.repeats == 3
    assert floor.flip_rate is not None and floor.flip_rate.mean == pytest.approx((2 / 3 + 0) / 2)
    # even repeats (0, 2) against odd (1): A (1+0)/2 - 1 = -0.5, B 0 -> -0.25
    assert floor.self_drop is not None and floor.self_drop.mean == pytest.approx(-0.25)
    assert [e.mean for e in m.pass_k["p"]] == pytest.approx([5 / 6, 2 / 3, 1 / 2])
    cell = {(r.family, r.severity): r for r in m.cells}
    assert cell[("format", 2)].cases == 1 and cell[("format", 1)].cases == 2


def _seeded(
    n_cases: int, p_clean: float, families: dict[str, float], runs: int, seed: int = 7
) -> list[CallRecord]:
    # One random stream per family: adding a family leaves the others' data as it was.
    streams = {f: random.Random(f"{seed}:{f}") for f in ["clean", *families]}
    records: list[CallRecord] = []
    for c in range(n_cases):
        case = f"c{c:02d}"
        records += _clean(case, [int(streams["clean"].random() < p_clean) for _ in range(3)])
        for family, p in families.items():
            for r in range(runs):
                vid = f"p:{family}:k:s1:r{r}"
                records.append(_record(case, family, streams[family].random() < p, variant=vid))
    return records


def test_a_known_drop_is_found_and_no_drop_is_not_called_fragile() -> None:
    records = _seeded(40, 0.9, {"format": 0.4, "noise": 0.9}, runs=4)
    m = compute_metrics(records, [], resamples=RESAMPLES)
    rows = {r.family: r for r in m.families}
    fmt, noise = rows["format"], rows["noise"]
    # The true drop is 0.5 and the true PDR 1 - 0.4 / 0.9; 160 calls estimate them within 0.15.
    assert fmt.drop.mean == pytest.approx(0.5, abs=0.15)
    assert fmt.pdr.mean == pytest.approx(1 - 0.4 / 0.9, abs=0.15)
    assert fmt.drop.low is not None and fmt.drop.low > m.noise["p"].floor
    assert fmt.fragile and fmt.p_holm is not None and fmt.p_holm < 0.05
    assert noise.drop.low is not None and noise.drop.high is not None
    assert noise.drop.low < 0 < noise.drop.high
    assert not noise.fragile and noise.p_holm is not None and noise.p_holm > 0.05
    assert fmt.flip_rate.mean > noise.flip_rate.mean
    assert fmt.robust_pass.mean < noise.robust_pass.mean
    overall = m.overall[0]
    assert overall.family == "all" and overall.calls == 40 * 8


def test_holm_makes_the_call_harder_with_more_families() -> None:
    # A small drop on few cases: significant alone, not after Holm over five families.
    base = {"format": 0.5}
    alone = compute_metrics(_seeded(30, 0.9, base, runs=2, seed=3), [], resamples=RESAMPLES)
    many = {**base, **{f: 0.9 for f in ("structure", "length", "noise", "paraphrase")}}
    crowd = compute_metrics(_seeded(30, 0.9, many, runs=2, seed=3), [], resamples=RESAMPLES)
    p_alone = next(r for r in alone.families if r.family == "format")
    p_crowd = next(r for r in crowd.families if r.family == "format")
    assert p_alone.p_value is not None and p_alone.p_value < 0.05
    assert p_alone.p_value == p_crowd.p_value  # the same data, the same test
    assert p_alone.p_holm == p_alone.p_value and p_alone.fragile
    assert p_crowd.p_holm == pytest.approx(5 * p_alone.p_value)  # the smallest of five p-values
    assert not p_crowd.fragile


def test_failed_calls_are_left_out_and_counted() -> None:
    records = small()
    records.append(
        _record("A", "noise", False, variant="p:noise:k:s1:rX").model_copy(
            update={"error": "HTTP 500"}
        )
    )
    m = compute_metrics(records, [], resamples=RESAMPLES)
    assert m.errors == 1 and m.calls == len(records)
    assert next(r for r in m.families if r.family == "noise").calls == 2


def test_dir_controls_and_fragile_cases() -> None:
    records = _clean("A", [1, 1, 1]) + _clean("B", [1, 0, 1])
    records.append(_record("A", "noise", False, variant="p:noise:typos:s3:r0"))
    records += [_record(c, "dir", c == "A", variant="p:dir:rename-x") for c in "AB"]
    variants = [
        Variant(
            id="p:noise:typos:s3:r0",
            prompt_id="p",
            family="noise",
            kind="typos",
            severity=3,
            seed=0,
            relation="INV",
            system=None,
            user="{{m}}",
            edit="noise: typos at 20%",
        ),
    ]
    m = compute_metrics(records, variants, resamples=RESAMPLES)
    (control,) = m.dir
    assert control.cases == 2 and control.passed.mean == 0.5
    assert control.passed.low is not None and control.passed.low > 0
    (case,) = m.fragile_cases
    assert case.case_id == "A" and case.clean_pass == 1.0 and case.perturbed_pass == 0.0
    assert case.breakers[0].edit == "noise: typos at 20%"


def test_the_format_spread() -> None:
    records = _clean("A", [1, 1]) + _clean("B", [1, 1]) + _clean("C", [1, 1])
    for v, passes in (
        ("p:format:a:s1:r0", "111"),
        ("p:format:b:s1:r0", "100"),
        ("p:format:c:s1:r0", "110"),
    ):
        records += [
            _record(c, "format", p == "1", variant=v) for c, p in zip("ABC", passes, strict=True)
        ]
    spread = compute_metrics(records, [], resamples=RESAMPLES).spread["p"]
    assert spread.variants == 3 and spread.cases_per_variant == 3
    assert spread.max_min.mean == pytest.approx(1 - 1 / 3)
    assert spread.p10_p90.mean == pytest.approx((1 - 2 / 3) * 0.8 + (2 / 3 - 1 / 3) * 0.8)
    assert spread.best == "p:format:a:s1:r0" and spread.worst == "p:format:b:s1:r0"
    assert spread.chance_max_min is not None and 0 < spread.chance_max_min < 1


def test_the_score_metric_uses_scores() -> None:
    records = [r.model_copy(update={"score": 0.5}) for r in small()]
    m = compute_metrics(records, [], metric="score", resamples=RESAMPLES)
    assert m.nominal["p"].mean == pytest.approx(0.5)
    assert next(r for r in m.families if r.family == "format").drop.mean == pytest.approx(0.0)


def test_the_sampling_only_spread_is_what_equal_variants_spread_by() -> None:
    """Every variant at the same true rate still spreads on few cases; on many it barely does."""
    rate = 0.5
    _, few = _chance_spread([2] * 50, rate)
    _, many = _chance_spread([400] * 50, rate)
    assert few == pytest.approx(1.0, abs=1e-9)  # 50 variants on 2 cases: some 0 %, some 100 %
    assert many < 0.3
    assert _chance_spread([5] * 10, 1.0) == (0.0, 0.0)

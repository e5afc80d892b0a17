"""The statistics and formatting the summaries and the labs share, on data with known answers."""

from __future__ import annotations

import random

import pytest

from analysis import (
    bootstrap_mean,
    caveats_markdown,
    cluster_bootstrap,
    fmt,
    holm_adjust,
    report_page,
    wilson_interval,
)


def test_holm_matches_the_textbook_example() -> None:
    # Holm (1979): p = 0.01, 0.04, 0.03 over m = 3 -> 0.03, 0.06, 0.06, monotone in rank.
    adjusted = holm_adjust({"a": 0.01, "b": 0.04, "c": 0.03})
    assert adjusted == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})
    assert holm_adjust({"x": 0.6, "y": 0.7}) == {"x": 1.0, "y": 1.0}


def test_wilson_interval_is_exact_at_the_ends_and_covers_the_truth() -> None:
    none = wilson_interval(0, 10)
    assert (none.mean, none.low) == (0.0, 0.0) and 0.25 < (none.high or 0) < 0.35
    assert wilson_interval(10, 10).high == 1.0
    # Wilson (1927), n=20, 14 successes: about [0.48, 0.85].
    mid = wilson_interval(14, 20)
    assert mid.low == pytest.approx(0.481, abs=0.002) and mid.high == pytest.approx(
        0.855, abs=0.002
    )
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


def test_a_cluster_bootstrap_is_wider_than_a_naive_one_on_correlated_data() -> None:
    # 20 test cases, each with 10 variants that share their case's outcome: 10 observations of
    # one case are not 10 independent ones, so the honest interval is the wider one.
    rng = random.Random(1)
    clusters = {f"case{i}": [float(rng.random() < 0.5)] * 10 for i in range(20)}
    honest = cluster_bootstrap(clusters, resamples=2000)
    naive = bootstrap_mean([v for values in clusters.values() for v in values], resamples=2000)
    assert honest.mean == pytest.approx(naive.mean)
    width = (honest.high or 0) - (honest.low or 0)
    assert width > 2 * ((naive.high or 0) - (naive.low or 0))
    single = cluster_bootstrap({"only": [1.0, 0.0]})
    assert (single.low, single.high, single.n) == (None, None, 1)


def test_formatting_is_one_style() -> None:
    assert (fmt.rate(0.5), fmt.rate(None), fmt.usd(0.01234)) == ("50%", "undefined", "$0.0123")
    assert [fmt.duration(s) for s in (0.25, 12.34, 245, 7380)] == [
        "250 ms",
        "12.3 s",
        "4 min 05 s",
        "2 h 03 min",
    ]
    assert fmt.score(0.29) == "0.290" and fmt.score(0.99999) == "0.999" and fmt.score(1.0) == "1"
    assert fmt.estimate(bootstrap_mean([1.0])) == "100% (n=1: no interval)"
    assert fmt.estimate(bootstrap_mean([0.5, 0.7, 0.9]), "ratio").startswith("0.70 [")


def test_a_report_page_puts_the_caveats_first_and_escapes_html() -> None:
    markdown = caveats_markdown(["Synthetic data.", "One  seed."]) + "\n# Title <b>x</b>\n"
    html = report_page("A <lab>", markdown)
    assert html.index("Read this first") < html.index("Title")
    assert "<title>A &lt;lab&gt;</title>" in html and "<b>x</b>" not in html
    assert "One seed." in html and caveats_markdown([]) == ""

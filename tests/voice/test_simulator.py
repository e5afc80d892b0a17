"""The budget simulator against results known analytically."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from tests.voice.sim_fixtures import run, runs
from voice import (
    DESIGNS,
    VendorFile,
    VoiceConfigError,
    load_yaml,
    local_profile,
    simulate_all,
    vendor_profiles,
)
from voice._config import DEFAULT_VENDORS, LogNormal, Normal
from voice._simulator import (
    NEEDS,
    Component,
    Profile,
    constant,
    sampler,
    simulate,
    turn_slots,
    validate,
)
from voice._stats import percentile

VALUES = {
    "end_of_turn": 0.1,
    "stt": 0.3,
    "llm_ttft": 0.2,
    "llm_sentence": 0.15,
    "llm_full": 1.0,
    "tts_first_audio": 0.08,
    "tts_full": 0.5,
    "playback": 0.02,
    "interim": 0.0,
}


def fixed(turn_detection: str = "audio", restart_rate: float = 0.0, **over: float) -> Profile:
    values = {**VALUES, **over}
    components = {slot: Component(slot, constant(value)) for slot, value in values.items()}
    return Profile("fixed", components, turn_detection, restart_rate)  # type: ignore[arg-type]


def test_constants_sum_exactly() -> None:
    streaming = simulate(fixed(), "streaming", samples=100)
    # max(E, S) + L1 + L2 + A1 + P
    assert streaming.p50_s == pytest.approx(0.3 + 0.2 + 0.15 + 0.08 + 0.02)
    assert streaming.p95_s == pytest.approx(streaming.p50_s)
    assert sum(streaming.contributions_s.values()) == pytest.approx(streaming.p50_s)
    non_streaming = simulate(fixed(), "non_streaming", samples=100)
    assert non_streaming.p50_s == pytest.approx(0.3 + 0.2 + 1.0 + 0.5 + 0.02)


def test_text_turn_detection_waits_for_the_transcript_then_decides() -> None:
    result = simulate(fixed("text"), "streaming", samples=10)
    assert result.p50_s == pytest.approx(0.1 + 0.3 + 0.2 + 0.15 + 0.08 + 0.02)


def test_preemptive_hides_the_llm_behind_the_turn_decision() -> None:
    # The LLM starts at vad_stop and its first sentence (0.35 s) is ready before the transcript
    # (0.4 s), so only TTS and playback remain after the turn is confirmed.
    hidden = simulate(fixed(stt=0.4), "preemptive", samples=10)
    assert hidden.p50_s == pytest.approx(0.4 + 0.08 + 0.02)
    # Started late (interim 0.3 s), the first sentence is ready at 0.65 s.
    late = simulate(fixed(stt=0.4, interim=0.3), "preemptive", samples=10)
    assert late.p50_s == pytest.approx(0.65 + 0.08 + 0.02)
    # Every generation restarted: the same as the streaming design.
    restarted = simulate(fixed(stt=0.4, restart_rate=1.0), "preemptive", samples=10)
    streaming = simulate(fixed(stt=0.4), "streaming", samples=10)
    assert restarted.p50_s == pytest.approx(streaming.p50_s)


def test_restart_rate_is_the_share_of_slow_turns() -> None:
    result = simulate(fixed(stt=0.4, restart_rate=0.3), "preemptive", samples=50_000, seed=1)
    fast, slow = 0.4 + 0.1, 0.4 + 0.35 + 0.1
    assert result.contributions_s["llm"] == pytest.approx(0.3 * (slow - fast), rel=0.03)
    assert result.p95_s == pytest.approx(slow)
    assert result.p50_s == pytest.approx(fast)


def test_independent_normals_add_means_and_variances() -> None:
    means = {"end_of_turn": 0.1, "stt": 0.3, "llm_ttft": 0.2, "llm_sentence": 0.1}
    sds = {"end_of_turn": 0.02, "stt": 0.05, "llm_ttft": 0.04, "llm_sentence": 0.03}
    components = {
        slot: Component(slot, sampler(Normal(kind="normal", mean=means[slot], sd=sds[slot])))
        for slot in means
    }
    components |= {s: Component(s, constant(0.0)) for s in ("tts_first_audio", "playback")}
    profile = Profile("normals", components, turn_detection="text")
    result = simulate(profile, "streaming", samples=200_000, seed=3)
    mean = sum(means.values())
    sd = math.sqrt(sum(v * v for v in sds.values()))
    assert result.p50_s == pytest.approx(mean, abs=0.002)
    assert result.p95_s == pytest.approx(mean + 1.6448536 * sd, abs=0.003)
    below = 0.5 * (1 + math.erf((0.8 - mean) / (sd * math.sqrt(2))))  # the normal's CDF
    assert result.fraction_under_800ms == pytest.approx(below, abs=0.005)


def test_lognormal_goes_through_the_published_p50_and_p95() -> None:
    draw = sampler(LogNormal(kind="lognormal", p50=0.3, p95=0.6))
    values = list(draw(np.random.default_rng(0), 200_000))
    assert percentile(values, 50) == pytest.approx(0.3, rel=0.01)
    assert percentile(values, 95) == pytest.approx(0.6, rel=0.01)


def test_seeded_runs_repeat_and_seeds_differ() -> None:
    normal = Normal(kind="normal", mean=0.3, sd=0.1)
    profile = Profile("noisy", {**fixed().components, "stt": Component("stt", sampler(normal))})
    first = simulate(profile, "streaming", samples=1000, seed=7)
    assert simulate(profile, "streaming", samples=1000, seed=7) == first
    assert simulate(profile, "streaming", samples=1000, seed=8).p50_s != first.p50_s


def test_missing_components_are_refused_or_skipped() -> None:
    partial = Profile("partial", {"stt": Component("stt", constant(0.1))})
    with pytest.raises(ValueError, match="lacks"):
        simulate(partial, "streaming")
    assert partial.missing("preemptive") == [s for s in NEEDS["preemptive"] if s != "stt"]
    assert simulate_all([partial, fixed()], samples=10) == [
        simulate(fixed(), design, samples=10) for design in DESIGNS
    ]


def test_validate_reports_the_relative_error() -> None:
    predicted = simulate(fixed(), "streaming", samples=10)  # 0.75 s
    close = validate(predicted, 0.7)
    assert close.relative_error == pytest.approx(0.05 / 0.7)
    assert close.within_20_percent
    far = validate(predicted, 0.5)
    assert far.relative_error == pytest.approx(0.5) and not far.within_20_percent
    assert not validate(predicted, 0.6, tolerance=0.2).within_20_percent  # 25 % off


@pytest.mark.parametrize("design", ["non_streaming", "streaming"])
def test_turn_slots_reproduce_each_turns_voice_to_voice(design: str) -> None:
    measured = run(design)  # type: ignore[arg-type]
    profile_of_turn = [turn_slots(t, measured.design) for t in measured.turns]
    for timeline, slots in zip(measured.turns, profile_of_turn, strict=True):
        one = Profile("turn", {k: Component(k, constant(v)) for k, v in slots.items()})
        predicted = simulate(one, measured.design, samples=5)
        assert predicted.p50_s == pytest.approx(timeline.voice_to_voice_s)


def test_turn_decision_after_the_transcript_counts_once() -> None:
    timeline = run("streaming").turns[0]
    events = {**timeline.events, "end_of_turn": timeline.events["vad_stop"] + 0.5}
    slots = turn_slots(timeline.model_copy(update={"events": events}), "streaming")
    one = Profile("turn", {k: Component(k, constant(v)) for k, v in slots.items()})
    assert simulate(one, "streaming", samples=5).p50_s == pytest.approx(1.02)


def test_local_profile_predicts_the_fixture_runs() -> None:
    measured = runs()
    profile = local_profile(measured)
    assert profile.missing("streaming") == [] and profile.missing("non_streaming") == []
    # Without an llm_start event, preemptive falls back to starting on the final transcript.
    assert "interim" in profile.components
    for design, measured_p50 in (("streaming", 1.04), ("non_streaming", 2.44)):
        check = validate(simulate(profile, design, seed=0), measured_p50)  # type: ignore[arg-type]
        assert check.within_20_percent, check


CONSTANT_VENDORS = """
disclaimer: vendors' claims, not our measurements
assumptions: {network_s: 0.04, first_sentence_tokens: 12, reply_tokens: 40,
              reply_audio_s: 8.0, tts_speed_x: 20.0, restart_rate: 0.0}
stt:
  s: {claim: c, source: u, accessed: d, latency: {kind: constant, value: 0.2}}
llm:
  l: {claim: c, source: u, accessed: d, ttft: {kind: constant, value: 0.1}, tokens_per_s: 100}
tts:
  t: {claim: c, source: u, accessed: d, first_audio: {kind: constant, value: 0.05}}
"""


def test_vendor_profiles_add_one_network_trip_per_cloud_component(tmp_path: Path) -> None:
    path = tmp_path / "vendors.yaml"
    path.write_text(CONSTANT_VENDORS, encoding="utf-8")
    eot = Component("eot", constant(0.1))
    local = Profile("local", {"end_of_turn": eot, "playback": Component("p", constant(0.02))})
    (profile,) = vendor_profiles(load_yaml(path, VendorFile), local)
    assert profile.components["end_of_turn"] is eot
    streaming = simulate(profile, "streaming", samples=10)
    assert streaming.p50_s == pytest.approx(0.24 + 0.14 + 12 / 100 + 0.09 + 0.02)
    non_streaming = simulate(profile, "non_streaming", samples=10)
    assert non_streaming.p50_s == pytest.approx(0.24 + 0.14 + 40 / 100 + 0.09 + 8 / 20 + 0.02)
    # Started at vad_stop, the first sentence (0.26 s) comes 20 ms after the transcript (0.24 s).
    preemptive = simulate(profile, "preemptive", samples=10)
    assert preemptive.p50_s == pytest.approx(0.26 + 0.09 + 0.02)
    assert preemptive.contributions_s["llm"] == pytest.approx(0.02)


def test_shipped_vendor_file_is_labelled_and_complete() -> None:
    vendors = load_yaml(DEFAULT_VENDORS, VendorFile)
    assert "not" in vendors.disclaimer and "claims" in vendors.disclaimer
    entries = [*vendors.stt.values(), *vendors.llm.values(), *vendors.tts.values()]
    assert len(entries) >= 4
    assert all(e.source.startswith("https://") and e.accessed for e in entries)
    rows = simulate_all(vendor_profiles(vendors), samples=2000)
    assert len(rows) == 3 * len(vendors.stt) * len(vendors.llm) * len(vendors.tts)


def test_bad_vendor_file_names_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "vendors.yaml"
    bad.write_text(
        "disclaimer: x\nstt:\n  v:\n    claim: c\n    source: s\n    accessed: d\n"
        "    latency: {kind: lognormal, p50: 0.3, p95: 0.2}\n",
        encoding="utf-8",
    )
    with pytest.raises(VoiceConfigError, match=r"vendors.yaml: field 'stt.v.latency.lognormal'"):
        load_yaml(bad, VendorFile)

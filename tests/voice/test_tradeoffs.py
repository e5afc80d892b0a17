"""End-to-end speech models beside cascades: simulated from claims, priced from published prices,
and honest about what has no figure or does not run here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.voice.sim_fixtures import runs
from voice import VendorFile, VoiceConfigError, analyse, end_to_end_profiles, load_yaml, trade_offs
from voice._config import DEFAULT_VENDORS
from voice._report import render_markdown
from voice._simulator import Component, Profile, constant, simulate
from voice._tradeoffs import cascade_cost, e2e_cost

VENDORS = load_yaml(DEFAULT_VENDORS, VendorFile)


def test_the_end_to_end_formula_adds_turn_detection_model_and_playback() -> None:
    profile = Profile(
        "e2e",
        {
            "s2s_turn": Component("turn", constant(0.3)),
            "s2s_first_audio": Component("model", constant(0.25)),
            "playback": Component("play", constant(0.02)),
        },
    )
    sim = simulate(profile, "end_to_end", samples=10)
    assert sim.p50_s == pytest.approx(0.57)
    assert sim.contributions_s == pytest.approx(
        {"turn_detection": 0.3, "speech_model": 0.25, "playback": 0.02}
    )
    assert profile.missing("streaming")  # an end-to-end profile has no cascade stages


def test_only_models_with_a_published_figure_are_simulated() -> None:
    names = [p.name for p in end_to_end_profiles(VENDORS)]
    assert names == ["end-to-end: openai-realtime", "end-to-end: kyutai-moshi"]
    assert VENDORS.speech_to_speech["google-gemini-live"].first_audio is None


def test_cost_per_minute_comes_from_published_prices_and_stated_assumptions() -> None:
    minute = VENDORS.assumptions.cost
    usd, basis = e2e_cost(VENDORS.speech_to_speech["openai-realtime"], minute)
    # Half a minute of user audio at 600 tokens/min, $32/M; half of bot audio at 1200/min, $64/M.
    assert usd == pytest.approx(300 * 32e-6 + 600 * 64e-6)
    assert "300 audio tokens in at $32/M" in basis
    assert e2e_cost(VENDORS.speech_to_speech["kyutai-moshi"], minute)[0] is None
    stt, llm = (
        VENDORS.stt["assemblyai-universal-streaming"],
        VENDORS.llm["groq-llama-3.1-8b-instant"],
    )
    usd, basis = cascade_cost(stt, llm, VENDORS.tts["elevenlabs-flash-v2.5"], minute, 40)
    # STT $0.15/h for the whole minute + 420 chars of TTS at $0.05/1k + the LLM's tokens.
    assert usd is not None and usd == pytest.approx(0.15 / 60 + 0.021, abs=0.001)
    assert "genai-prices" in basis
    unpriced = cascade_cost(stt, llm, VENDORS.tts["cartesia-sonic-2"], minute, 40)
    assert unpriced == (None, "no published price here for TTS")


def test_the_bench_sets_the_measured_cascade_beside_the_claims() -> None:
    bench = analyse(runs(), vendors=VENDORS, samples=2000)
    rows = {row.design: row for row in bench.end_to_end}
    local = rows["cascade, local: whisper tiny.en + embedded LLM + piper (streaming)"]
    assert local.p50_s == pytest.approx(1.04) and local.latency_basis.startswith("measured here")
    assert "measured stop time p50 300 ms (n=6)" in local.barge_in
    moshi = rows["end-to-end: kyutai-moshi"]
    assert moshi.p50_s is not None and moshi.runs_here.startswith("no: 7B parameters")
    gemini = rows["end-to-end: google-gemini-live"]
    assert gemini.p50_s is None and gemini.latency_basis.startswith("no published latency")
    text = render_markdown(bench)
    assert "## End-to-end vs cascade" in text and "No end-to-end model runs on this machine" in text
    assert any(sim.design == "end_to_end" for sim in bench.simulator)


def test_trade_offs_without_a_bench_have_no_local_row() -> None:
    assert all(not row.design.startswith("cascade, local") for row in trade_offs(VENDORS, []))


def test_a_bad_speech_model_entry_is_one_line(tmp_path: Path) -> None:
    text = DEFAULT_VENDORS.read_text(encoding="utf-8").replace(
        "    open_weights: true\n", "    open_weights: maybe\n"
    )
    path = tmp_path / "vendors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        VoiceConfigError, match=r"field 'speech_to_speech\.kyutai-moshi\.open_weights'"
    ):
        load_yaml(path, VendorFile)

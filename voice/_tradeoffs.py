"""End-to-end speech models vs cascades: the trade-offs the lab can measure or cite.

One row per design: voice-to-voice p50/p95 (measured here for the local cascade, simulated from
vendors' claims otherwise), barge-in handling (measured stop time for the local cascade, the
vendor's documented mechanism otherwise), tools, where a text guardrail can act, the cost of a
conversation minute from published prices (with our assumptions of what a minute holds), and
whether this machine runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from voice._config import (
    CostAssumptions,
    LlmVendor,
    SpeechToSpeech,
    SttVendor,
    TtsVendor,
    VendorFile,
)
from voice._stats import percentile, stat
from voice._types import (
    END_TO_END,
    VOICE_TO_VOICE,
    ConversationRun,
    Design,
    SimulatedDesign,
    StageStats,
    TradeOff,
)

CASCADE_BARGE_IN = (
    "Pipecat broadcasts an interruption on the user's speech: the LLM is cancelled, queued TTS "
    "audio dropped, playback stopped"
)
CASCADE_TOOLS = "any tool-calling LLM (our providers; the embedded model acts through JSON actions)"
CASCADE_GUARDRAILS = (
    "the reply exists as text before TTS speaks it: a filter can hold or rewrite each sentence"
)


def trade_offs(
    vendors: VendorFile,
    simulated: Sequence[SimulatedDesign],
    *,
    runs: Sequence[ConversationRun] = (),
    stats: Mapping[Design, list[StageStats]] | None = None,
) -> list[TradeOff]:
    """The local cascade (when measured), each cloud cascade (streaming design) and each
    end-to-end model."""
    rows = []
    local = _local_row(runs, stats or {})
    if local is not None:
        rows.append(local)
    rows += [_cloud_row(sim, vendors) for sim in simulated if _is_cloud_streaming(sim)]
    by_name = {
        sim.profile.removeprefix("end-to-end: "): sim
        for sim in simulated
        if sim.design == END_TO_END
    }
    rows += [
        _e2e_row(name, model, by_name.get(name), vendors.assumptions.cost)
        for name, model in vendors.speech_to_speech.items()
    ]
    return rows


def _is_cloud_streaming(sim: SimulatedDesign) -> bool:
    return sim.profile.startswith("cloud: ") and sim.design == "streaming"


def _local_row(
    runs: Sequence[ConversationRun], stats: Mapping[Design, list[StageStats]]
) -> TradeOff | None:
    row = stat(stats.get("streaming", []), VOICE_TO_VOICE)
    if row is None or row.p50_s is None:
        return None
    stops = [b.stop_time_s for r in runs for b in r.barge_ins if b.stop_time_s is not None]
    stop = percentile(stops, 50)
    measured = f"; measured stop time p50 {stop * 1000:.0f} ms (n={len(stops)})" if stop else ""
    return TradeOff(
        design="cascade, local: whisper tiny.en + embedded LLM + piper (streaming)",
        kind="cascade",
        p50_s=row.p50_s,
        p95_s=row.p95_s,
        latency_basis=f"measured here, 2 CPU cores (n={row.n} turns)",
        barge_in=CASCADE_BARGE_IN + measured,
        tools=CASCADE_TOOLS,
        guardrails=CASCADE_GUARDRAILS,
        usd_per_minute=0.0,
        cost_basis="runs on this machine: no per-minute price (hardware and power not counted)",
        runs_here="yes (measured)",
    )


def _cloud_row(sim: SimulatedDesign, vendors: VendorFile) -> TradeOff:
    names = sim.profile.removeprefix("cloud: ").split(" + ")
    stt, llm, tts = vendors.stt.get(names[0]), vendors.llm.get(names[1]), vendors.tts.get(names[2])
    cost, basis = cascade_cost(
        stt, llm, tts, vendors.assumptions.cost, vendors.assumptions.reply_tokens
    )
    return TradeOff(
        design=f"cascade, cloud: {' + '.join(names)} (streaming)",
        kind="cascade",
        p50_s=sim.p50_s,
        p95_s=sim.p95_s,
        latency_basis="simulated from vendors' claims (voice/vendors.yaml) and our assumptions",
        barge_in=CASCADE_BARGE_IN + " (as measured locally; the cloud stages add a round trip)",
        tools=CASCADE_TOOLS,
        guardrails=CASCADE_GUARDRAILS,
        usd_per_minute=cost,
        cost_basis=basis,
        runs_here="no: cloud APIs (keys and the network)",
    )


def cascade_cost(
    stt: SttVendor | None,
    llm: LlmVendor | None,
    tts: TtsVendor | None,
    minute: CostAssumptions,
    reply_tokens: int,
) -> tuple[float | None, str]:
    """$ per conversation minute of STT + LLM + TTS, or None with what is missing."""
    missing = [
        name
        for name, price in (
            ("STT", stt and stt.usd_per_hour),
            ("LLM", llm and llm.genai_prices),
            ("TTS", tts and tts.usd_per_1k_chars),
        )
        if price is None
    ]
    if missing or stt is None or llm is None or tts is None:
        return None, f"no published price here for {', '.join(missing)}"
    assert stt.usd_per_hour is not None and tts.usd_per_1k_chars is not None
    stt_usd = stt.usd_per_hour / 60  # billed on the whole session, user speaking or not
    tokens_in = minute.turns_per_minute * minute.context_tokens
    tokens_out = minute.turns_per_minute * reply_tokens
    llm_usd = llm_price(llm.genai_prices or "", tokens_in, tokens_out)
    chars = (1 - minute.user_share) * 60 * minute.chars_per_second
    tts_usd = chars / 1000 * tts.usd_per_1k_chars
    return stt_usd + llm_usd + tts_usd, (
        f"STT ${stt_usd:.4f} (session time) + LLM ${llm_usd:.4f} ({tokens_in:.0f} in, "
        f"{tokens_out:.0f} out tokens, genai-prices) + TTS ${tts_usd:.4f} ({chars:.0f} chars)"
    )


def llm_price(ref: str, tokens_in: float, tokens_out: float) -> float:
    """$ for the tokens at genai-prices' current price of provider/model."""
    from genai_prices import Usage, calc_price

    provider, model = ref.split("/", 1)
    usage = Usage(input_tokens=round(tokens_in), output_tokens=round(tokens_out))
    return float(calc_price(usage, model_ref=model, provider_id=provider).total_price)


def e2e_cost(model: SpeechToSpeech, minute: CostAssumptions) -> tuple[float | None, str]:
    """$ per conversation minute of a speech model's audio tokens, or None."""
    rates = (
        model.usd_per_mtok_audio_in,
        model.usd_per_mtok_audio_out,
        model.audio_tokens_in_per_minute,
        model.audio_tokens_out_per_minute,
    )
    if any(rate is None for rate in rates):
        return None, "no published price per token (self-hosted or not in this file)"
    price_in, price_out, per_min_in, per_min_out = (float(r or 0.0) for r in rates)
    tokens_in = minute.user_share * per_min_in
    tokens_out = (1 - minute.user_share) * per_min_out
    usd = tokens_in * price_in / 1e6 + tokens_out * price_out / 1e6
    return usd, (
        f"{tokens_in:.0f} audio tokens in at ${price_in:g}/M + {tokens_out:.0f} out at "
        f"${price_out:g}/M; the context each turn re-reads (cached) not counted"
    )


def _e2e_row(
    name: str, model: SpeechToSpeech, sim: SimulatedDesign | None, minute: CostAssumptions
) -> TradeOff:
    cost, basis = e2e_cost(model, minute)
    return TradeOff(
        design=f"end-to-end: {name}",
        kind="end_to_end",
        p50_s=sim.p50_s if sim else None,
        p95_s=sim.p95_s if sim else None,
        latency_basis=(
            f"simulated from the vendor's claim ({model.claim!r}) and our assumptions"
            if sim
            else "no published latency figure: not simulated"
        ),
        barge_in=model.barge_in,
        tools=model.tools,
        guardrails=model.guardrails,
        usd_per_minute=cost,
        cost_basis=basis,
        runs_here=model.runs_here,
    )

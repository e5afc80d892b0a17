"""The latency budget simulator: predict voice-to-voice p50/p95 of each design by Monte Carlo.

Every component is a latency distribution (seconds); a profile names one per slot:

    end_of_turn      E   vad_stop -> end-of-turn decision
    stt              S   vad_stop -> final transcript
    llm_ttft         L1  LLM start -> first token
    llm_sentence     L2  first token -> first sentence complete
    llm_full         L3  first token -> whole reply
    tts_first_audio  A1  text in -> first audio (one sentence)
    tts_full         A2  whole reply in -> first audio (non-streaming synthesis)
    playback         P   first audio -> playback start
    interim          I   vad_stop -> LLM started on the interim transcript (preemptive)

The LLM needs both the turn decision and the transcript: ready = max(E, S) when the turn detector
listens to audio (Smart Turn, in parallel with STT), ready = S + E when it reads the transcript
(LiveKit's text model). Then, with r the share of preemptive generations restarted:

    non_streaming  V = ready + L1 + L3 + A2 + P
    streaming      V = ready + L1 + L2 + A1 + P
    preemptive     V = T + A1 + P, T = max(ready, I + L1 + L2), or ready + L1 + L2 on a restart
    end_to_end     V = D + F + P: the service's own turn detection D beyond our VAD stop, the
                   speech model's published first-audio time F (plus a network round trip)

Slots are drawn independently, so correlations between stages of one turn are lost; validate()
says whether that still predicts the measured median within 20 %.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from voice._config import Constant, Dist, Empirical, LogNormal, Normal, VendorFile
from voice._types import (
    DESIGNS,
    END_TO_END,
    ConversationRun,
    Design,
    SimDesign,
    SimulatedDesign,
    SimulatorCheck,
    TurnTimeline,
)

Array = NDArray[np.float64]
Draw = Callable[[np.random.Generator, int], Array]

Z95 = 1.6448536269514722
"""The standard normal's 95th percentile: sigma of a lognormal = ln(p95 / p50) / Z95."""

NEEDS: dict[SimDesign, tuple[str, ...]] = {
    "end_to_end": ("s2s_turn", "s2s_first_audio", "playback"),
    "non_streaming": ("end_of_turn", "stt", "llm_ttft", "llm_full", "tts_full", "playback"),
    "streaming": ("end_of_turn", "stt", "llm_ttft", "llm_sentence", "tts_first_audio", "playback"),
    "preemptive": (
        "end_of_turn",
        "stt",
        "interim",
        "llm_ttft",
        "llm_sentence",
        "tts_first_audio",
        "playback",
    ),
}
"""The slots each design's formula reads."""


class Component(NamedTuple):
    """One slot's distribution and what it stands for."""

    label: str
    draw: Draw


@dataclass(frozen=True)
class Profile:
    """One combination of components (local measured, or vendors' figures)."""

    name: str
    components: Mapping[str, Component]
    turn_detection: Literal["audio", "text"] = "audio"
    restart_rate: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def missing(self, design: SimDesign) -> list[str]:
        """Slots the design needs that this profile lacks."""
        return [slot for slot in NEEDS[design] if slot not in self.components]


def sampler(dist: Dist, offset_s: float = 0.0) -> Draw:
    """A function drawing n latencies from a YAML distribution, shifted by offset_s."""

    def draw(rng: np.random.Generator, n: int) -> Array:
        return _draw(dist, rng, n) + offset_s

    return draw


def _draw(dist: Dist, rng: np.random.Generator, n: int) -> Array:
    if isinstance(dist, Constant):
        return np.full(n, dist.value)
    if isinstance(dist, LogNormal):
        sigma = np.log(dist.p95 / dist.p50) / Z95
        return rng.lognormal(np.log(dist.p50), sigma, n)
    if isinstance(dist, Normal):
        return rng.normal(dist.mean, dist.sd, n)
    return rng.choice(np.asarray(dist.samples, dtype=float), n)


def constant(value: float) -> Draw:
    """A Draw that always returns value."""
    return sampler(Constant(kind="constant", value=value))


def empirical(samples: Sequence[float]) -> Draw:
    """A Draw resampling measured values with replacement."""
    return sampler(Empirical(kind="empirical", samples=list(samples)))


def simulate(
    profile: Profile, design: SimDesign, *, samples: int = 20_000, seed: int = 0
) -> SimulatedDesign:
    """Monte Carlo voice-to-voice latency of one design with one profile's components."""
    missing = profile.missing(design)
    if missing:
        raise ValueError(f"profile {profile.name!r} lacks {missing} for {design}")
    rng = np.random.default_rng(seed)
    slots = {name: profile.components[name].draw(rng, samples) for name in NEEDS[design]}
    parts = _parts(profile, design, slots, rng)
    total = np.sum(list(parts.values()), axis=0)
    return SimulatedDesign(
        design=design,
        profile=profile.name,
        components={name: profile.components[name].label for name in NEEDS[design]},
        p50_s=float(np.percentile(total, 50)),
        p95_s=float(np.percentile(total, 95)),
        contributions_s={name: float(values.mean()) for name, values in parts.items()},
        fraction_under_400ms=float(np.mean(total < 0.4)),
        fraction_under_800ms=float(np.mean(total < 0.8)),
        samples=samples,
    )


def _parts(
    profile: Profile, design: SimDesign, slots: dict[str, Array], rng: np.random.Generator
) -> dict[str, Array]:
    """The design's formula, as additive parts whose sum is voice-to-voice."""
    if design == END_TO_END:
        return {
            "turn_detection": slots["s2s_turn"],
            "speech_model": slots["s2s_first_audio"],
            **_play(slots),
        }
    e, s = slots["end_of_turn"], slots["stt"]
    ready = np.maximum(e, s) if profile.turn_detection == "audio" else e + s
    if design == "non_streaming":
        llm = slots["llm_ttft"] + slots["llm_full"]
        return {"turn_and_stt": ready, "llm": llm, "tts": slots["tts_full"], **_play(slots)}
    llm = slots["llm_ttft"] + slots["llm_sentence"]
    if design == "streaming":
        return {"turn_and_stt": ready, "llm": llm, "tts": slots["tts_first_audio"], **_play(slots)}
    restarted = rng.random(ready.shape[0]) < profile.restart_rate
    text = np.where(restarted, ready + llm, np.maximum(ready, slots["interim"] + llm))
    # The LLM time left visible after overlapping the turn decision.
    return {
        "turn_and_stt": ready,
        "llm": text - ready,
        "tts": slots["tts_first_audio"],
        **_play(slots),
    }


def _play(slots: dict[str, Array]) -> dict[str, Array]:
    return {"playback": slots["playback"]}


def validate(
    simulated: SimulatedDesign, measured_p50_s: float, *, tolerance: float = 0.2
) -> SimulatorCheck:
    """Predicted vs measured voice-to-voice p50, and whether they agree within tolerance."""
    if measured_p50_s <= 0:
        raise ValueError("the measured p50 must be positive")
    error = abs(simulated.p50_s - measured_p50_s) / measured_p50_s
    return SimulatorCheck(
        design=simulated.design,
        predicted_p50_s=simulated.p50_s,
        measured_p50_s=measured_p50_s,
        relative_error=error,
        within_20_percent=error <= tolerance,
        tolerance=tolerance,
    )


# --- the local pipeline's components, from its timelines -------------------------------------


def local_profile(runs: Iterable[ConversationRun], name: str = "local (measured)") -> Profile:
    """The measured local components, each from the runs where it is design-independent.

    end_of_turn, stt and playback pool every run; llm_ttft pools the (non-)streaming runs;
    llm_sentence and tts_first_audio come from streaming runs, llm_full and tts_full from
    non_streaming runs (where first_sentence marks the whole reply reaching TTS); interim comes
    from preemptive runs' "llm_start" event, or is the final transcript when absent (no overlap).
    """
    samples: dict[str, list[float]] = {}
    for run in runs:
        for turn in run.turns:
            for slot, value in turn_slots(turn, run.design).items():
                samples.setdefault(slot, []).append(value)
    components = {
        slot: Component(f"local {run_label(slot)} (measured, n={len(values)})", empirical(values))
        for slot, values in samples.items()
    }
    return Profile(name, components)


def run_label(slot: str) -> str:
    """A slot's name as the report prints it."""
    return slot.replace("_", " ")


def turn_slots(turn: TurnTimeline, design: Design) -> dict[str, float]:
    """One turn's slot values; the design formula applied to them gives its voice_to_voice."""
    ev = turn.events
    if "vad_stop" not in ev or "final_transcript" not in ev:
        return {}
    vad = ev["vad_stop"]
    stt = ev["final_transcript"] - vad
    eot = ev["end_of_turn"] - vad if "end_of_turn" in ev else 0.0
    slots = {"end_of_turn": eot, "stt": stt}
    if "tts_first_audio" in ev and "playback_start" in ev:
        slots["playback"] = ev["playback_start"] - ev["tts_first_audio"]
    ready = vad + max(eot, stt)
    if design == "preemptive":
        slots["interim"] = ev.get("llm_start", ready) - vad
        return slots
    if "llm_first_token" in ev:
        slots["llm_ttft"] = ev["llm_first_token"] - ready
        slots.update(_text_to_audio(ev, design))
    return slots


def _text_to_audio(ev: Mapping[str, float], design: Design) -> dict[str, float]:
    """LLM first token -> text for TTS -> first audio; with no first_sentence, all LLM."""
    llm_slot, tts_slot = (
        ("llm_full", "tts_full")
        if design == "non_streaming"
        else ("llm_sentence", "tts_first_audio")
    )
    first_token, audio = ev["llm_first_token"], ev.get("tts_first_audio")
    text = ev.get("first_sentence", audio)
    if text is None:
        return {}
    slots = {llm_slot: text - first_token}
    if audio is not None:
        slots[tts_slot] = audio - text
    return slots


# --- vendors' figures ----------------------------------------------------------------------


def vendor_profiles(vendors: VendorFile, local: Profile | None = None) -> list[Profile]:
    """Every STT x LLM x TTS combination of the vendor file.

    The turn decision and playback are the local measured ones when given, else the file's
    assumptions; each cloud component gets one network round trip on top of the vendor's figure.
    """
    a = vendors.assumptions
    shared = {
        "end_of_turn": _local_or(local, "end_of_turn", a.end_of_turn, "end of turn (assumed)"),
        "playback": _local_or(local, "playback", a.playback, "playback (assumed)"),
        "interim": Component("at vad_stop (streaming STT partials)", constant(0.0)),
    }
    profiles = []
    for (stt_name, stt), (llm_name, llm), (tts_name, tts) in itertools.product(
        vendors.stt.items(), vendors.llm.items(), vendors.tts.items()
    ):
        speed = llm.tokens_per_s
        components = {
            **shared,
            "stt": Component(stt_name, sampler(stt.latency, a.network_s)),
            "llm_ttft": Component(llm_name, sampler(llm.ttft, a.network_s)),
            "llm_sentence": Component(
                f"{a.first_sentence_tokens} tokens at {speed:g}/s",
                constant(a.first_sentence_tokens / speed),
            ),
            "llm_full": Component(
                f"{a.reply_tokens} tokens at {speed:g}/s", constant(a.reply_tokens / speed)
            ),
            "tts_first_audio": Component(tts_name, sampler(tts.first_audio, a.network_s)),
            "tts_full": Component(
                f"{tts_name} + {a.reply_audio_s:g} s audio at {a.tts_speed_x:g}x",
                sampler(tts.first_audio, a.network_s + a.reply_audio_s / a.tts_speed_x),
            ),
        }
        name = f"cloud: {stt_name} + {llm_name} + {tts_name}"
        profiles.append(Profile(name, components, restart_rate=a.restart_rate))
    return profiles


def _local_or(local: Profile | None, slot: str, fallback: Dist, label: str) -> Component:
    if local is not None and slot in local.components:
        return local.components[slot]
    return Component(label, sampler(fallback))


def end_to_end_profiles(vendors: VendorFile, local: Profile | None = None) -> list[Profile]:
    """One profile per speech-to-speech model with a published first-audio figure.

    Each gets one network round trip on top of the vendor's figure; playback is the local
    measured one when given, else the file's assumption.
    """
    a = vendors.assumptions
    playback = _local_or(local, "playback", a.playback, "playback (assumed)")
    profiles = []
    for name, model in vendors.speech_to_speech.items():
        if model.first_audio is None:
            continue
        components = {
            "s2s_turn": Component(f"{name} turn detection", sampler(model.turn_detection)),
            "s2s_first_audio": Component(name, sampler(model.first_audio, a.network_s)),
            "playback": playback,
        }
        profiles.append(Profile(f"end-to-end: {name}", components))
    return profiles


SIM_DESIGNS: tuple[SimDesign, ...] = (*DESIGNS, END_TO_END)
"""Every design the simulator knows."""


def simulate_all(
    profiles: Iterable[Profile],
    designs: Sequence[SimDesign] = SIM_DESIGNS,
    *,
    samples: int = 20_000,
    seed: int = 0,
) -> list[SimulatedDesign]:
    """Every profile x design the profile can simulate (same seed for each, so rows compare)."""
    return [
        simulate(profile, design, samples=samples, seed=seed)
        for profile in profiles
        for design in designs
        if not profile.missing(design)
    ]

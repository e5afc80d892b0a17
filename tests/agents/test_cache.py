"""The response cache: hits skip the model, keys separate what differs, SQLite survives sharing."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agents import ModelError
from agents.models import (
    CacheStats,
    GenerateConfig,
    Message,
    MockModel,
    RawReply,
    ResponseCache,
    ToolSpec,
    Usage,
    default_cache_path,
)
from agents.models._cache import cache_key
from experiments.cli import app

TOOL = ToolSpec(name="journal", description="Append a journal entry.")
HELLO = [Message.user("hello there")]


def echo(messages: list[Message], tools: list[ToolSpec]) -> dict[str, object]:
    return {
        "text": f"reply to {messages[-1].content}",
        "usage": {"input_tokens": 11, "output_tokens": 3},
    }


def cached_mock(cache: ResponseCache, name: str = "demo", **kwargs: object) -> MockModel:
    model = MockModel(name, echo, cost_per_call=0.5)
    model.cache = cache
    for attr, value in kwargs.items():
        setattr(model, attr, value)
    return model


@pytest.fixture
def cache(tmp_path: Path) -> ResponseCache:
    return ResponseCache(tmp_path / "responses.sqlite")


def test_a_repeated_call_is_answered_from_the_cache(cache: ResponseCache) -> None:
    model = cached_mock(cache)
    first = model.generate(HELLO)
    second = model.generate(HELLO)
    assert len(model.requests) == 1
    assert second.text == first.text == "reply to hello there"
    assert first.usage.cache_hits == 0 and first.usage.cost_usd == 0.5
    assert second.usage.cache_hits == 1 and second.usage.cost_usd == 0.0
    assert (second.usage.input_tokens, second.usage.output_tokens) == (11, 3)
    assert second.usage.retries == 0 and second.usage.latency_s >= 0
    assert model.usage.calls == 2 and model.usage.cache_hits == 1 and model.usage.cost_usd == 0.5


def test_a_new_model_instance_finds_the_reply_too(cache: ResponseCache) -> None:
    cached_mock(cache).generate(HELLO)
    other = cached_mock(ResponseCache(cache.path))
    assert other.generate(HELLO).usage.cache_hits == 1
    assert other.requests == []


def test_tool_calls_survive_the_cache(cache: ResponseCache) -> None:
    script = [{"tool_calls": [{"name": "journal", "arguments": {"text": "plan"}, "id": "c1"}]}]
    model = MockModel("demo", script)
    model.cache = cache
    first = model.generate(HELLO, tools=[TOOL])
    second = model.generate(HELLO, tools=[TOOL])  # the script holds one reply: a hit or an error
    assert second.tool_calls == first.tool_calls and second.stop_reason == "tool_calls"


@pytest.mark.parametrize(
    ("change", "call"),
    [
        ("trial", {"trial": 1}),
        ("messages", {"messages": [Message.user("hello again")]}),
        ("system message", {"messages": [Message.system("be brief"), *HELLO]}),
        ("config", {"config": GenerateConfig(max_output_tokens=12)}),
        ("seed", {"config": GenerateConfig(seed=7)}),
        ("stop", {"config": GenerateConfig(stop=("\n",))}),
        ("tools", {"tools": [TOOL]}),
        ("model name", {"name": "other"}),
    ],
)
def test_anything_that_differs_misses(
    cache: ResponseCache, change: str, call: dict[str, object]
) -> None:
    cached_mock(cache).generate(HELLO)
    model = cached_mock(cache, str(call.get("name", "demo")), trial=call.get("trial", 0))
    reply = model.generate(
        call.get("messages", HELLO),  # type: ignore[arg-type]
        tools=call.get("tools"),  # type: ignore[arg-type]
        config=call.get("config"),  # type: ignore[arg-type]
    )
    assert reply.usage.cache_hits == 0, change
    assert len(model.requests) == 1


def test_the_key_covers_provider_base_url_and_tool_results() -> None:
    base: dict[str, Any] = {
        "provider": "openai",
        "model": "m",
        "base_url": None,
        "messages": HELLO,
        "tools": [],
        "config": GenerateConfig(),
    }
    key = cache_key(**base)
    assert key == cache_key(**base)
    assert len(key) == 64
    variants: list[dict[str, Any]] = [
        {"provider": "anthropic"},
        {"base_url": "http://127.0.0.1:8000/v1"},
        {"messages": [*HELLO, Message.tool("ok", "call_1")]},
        {"messages": [*HELLO, Message.tool("ok", "call_2")]},
        {"config": GenerateConfig(temperature=0.5)},
        {"config": GenerateConfig(timeout_s=5)},
    ]
    keys = {cache_key(**{**base, **v}) for v in variants}
    assert len(keys) == len(variants) and key not in keys
    assert cache_key(**base, trial=1) != key


def test_errors_are_not_cached(cache: ResponseCache) -> None:
    model = MockModel("demo", [{"error": {"status": 400, "message": "bad request"}}, "fine"])
    model.cache = cache
    with pytest.raises(ModelError, match="HTTP 400"):
        model.generate(HELLO)
    assert cache.stats().entries == 0
    reply = model.generate(HELLO)
    assert reply.text == "fine" and reply.usage.cache_hits == 0
    assert model.generate(HELLO).usage.cache_hits == 1


def test_a_retried_reply_is_cached_once(cache: ResponseCache) -> None:
    model = MockModel("demo", [{"error": {"status": 429, "retry_after_s": 0}}, "after retry"])
    model.cache = cache
    assert model.generate(HELLO).usage.retries == 1
    again = model.generate(HELLO)
    assert again.text == "after retry" and again.usage.cache_hits == 1 and again.usage.retries == 0


def test_without_a_cache_nothing_is_stored(tmp_path: Path) -> None:
    model = MockModel("demo", echo)
    model.generate(HELLO)
    model.generate(HELLO)
    assert len(model.requests) == 2 and model.usage.cache_hits == 0
    assert list(tmp_path.iterdir()) == []


def test_usage_sums_cache_hits() -> None:
    total = Usage(cache_hits=1) + Usage() + Usage(cache_hits=2)
    assert total.cache_hits == 3 and total.calls == 3
    assert Usage.zero().cache_hits == 0


def test_stats_count_entries_hits_and_misses(cache: ResponseCache) -> None:
    empty = cache.stats()
    assert isinstance(empty, CacheStats)
    assert (empty.entries, empty.hits, empty.misses, empty.models) == (0, 0, 0, {})
    demo, other = cached_mock(cache), cached_mock(cache, "other")
    demo.generate(HELLO)
    demo.generate(HELLO)
    demo.generate([Message.user("second")])
    other.generate(HELLO)
    stats = cache.stats()
    assert stats.path == str(cache.path)
    assert stats.entries == 3
    assert stats.models == {"mock/demo": 2, "mock/other": 1}
    assert (stats.hits, stats.misses) == (1, 3)
    assert stats.size_bytes > 0
    # Another object on the same file shares this process's counts.
    assert ResponseCache(cache.path).stats().hits == 1


def test_get_and_put_directly(cache: ResponseCache) -> None:
    assert cache.get("k") is None
    cache.put("k", RawReply(text="stored", output_tokens=1), model="mock/x")
    assert cache.get("k") == RawReply(text="stored", output_tokens=1)
    cache.put("k", RawReply(text="replaced"), model="mock/x")
    reply = cache.get("k")
    assert reply is not None and reply.text == "replaced"
    assert cache.stats().entries == 1


def test_clear_all_and_per_model(cache: ResponseCache) -> None:
    for name in ("a", "b"):
        model = cached_mock(cache, name)
        model.generate(HELLO)
        model.generate([Message.user("more")])
    assert cache.stats().entries == 4
    assert cache.clear("mock/a") == 2
    assert cache.stats().models == {"mock/b": 2}
    assert cache.clear("mock/nothing") == 0
    assert cache.clear() == 2
    assert cache.stats().entries == 0
    assert len(cached_mock(cache, "b").requests) == 0
    b = cached_mock(cache, "b")
    assert b.generate(HELLO).usage.cache_hits == 0


def test_stats_and_clear_of_a_missing_file_create_nothing(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path / "sub" / "none.sqlite")
    assert cache.stats().entries == 0 and cache.clear() == 0
    assert not (tmp_path / "sub").exists()


def test_default_path_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REGENLAB_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_path() == tmp_path / "explicit" / "responses.sqlite"
    monkeypatch.delenv("REGENLAB_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "regenlab" / "responses.sqlite"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_path() == tmp_path / "home" / ".cache" / "regenlab" / "responses.sqlite"
    assert ResponseCache().path == default_cache_path()


def test_two_threads_writing_at_once(cache: ResponseCache) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work(name: str) -> None:
        try:
            model = cached_mock(cache, name)
            start.wait()
            for i in range(50):
                model.generate([Message.user(f"message {i}")])
                assert model.generate([Message.user(f"message {i}")]).usage.cache_hits == 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert cache.stats().models == {"mock/t1": 50, "mock/t2": 50}


def _write_from_a_process(path: str, name: str) -> int:
    cache = ResponseCache(path)
    for i in range(30):
        cache.put(f"{name}-{i}", RawReply(text=str(i)), model=f"mock/{name}")
    return cache.stats().models[f"mock/{name}"]


def test_two_processes_writing_at_once(cache: ResponseCache) -> None:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        counts = list(pool.map(_write_from_a_process, [str(cache.path)] * 2, ["p1", "p2"]))
    assert counts == [30, 30]
    assert cache.stats().entries == 60


def test_a_cache_pickles_as_its_path(cache: ResponseCache) -> None:
    cache.put("k", RawReply(text="x"))
    copy = pickle.loads(pickle.dumps(cache))
    assert copy.path == cache.path and copy.get("k") == RawReply(text="x")


def test_cli_stats_and_clear(cache: ResponseCache) -> None:
    for name in ("a", "b"):
        cached_mock(cache, name).generate(HELLO)
    runner = CliRunner()
    path = str(cache.path)

    table = runner.invoke(app, ["cache", "stats", "--path", path])
    assert table.exit_code == 0, table.output
    assert "mock/a" in table.output and "mock/b" in table.output
    assert "2 cached replies" in table.output

    data = runner.invoke(app, ["cache", "stats", "--path", path, "--json"])
    assert data.exit_code == 0, data.output
    stats = json.loads(data.output)
    assert stats["entries"] == 2 and stats["models"] == {"mock/a": 1, "mock/b": 1}

    one = runner.invoke(app, ["cache", "clear", "--path", path, "--model", "mock/a"])
    assert one.exit_code == 0, one.output
    assert "deleted 1 cached reply of mock/a" in one.output
    everything = runner.invoke(app, ["cache", "clear", "--path", path])
    assert everything.exit_code == 0, everything.output
    assert "deleted 1 cached reply" in everything.output
    assert cache.stats().entries == 0


def test_cli_reports_a_broken_cache_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_text("not a database", encoding="utf-8")
    result = CliRunner().invoke(app, ["cache", "stats", "--path", str(broken)])
    assert result.exit_code == 2
    assert "response cache" in result.output


def test_a_broken_cache_costs_a_call_not_the_run(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_text("not a database", encoding="utf-8")
    model = cached_mock(ResponseCache(broken))
    assert model.generate(HELLO).text == "reply to hello there"
    assert len(model.requests) == 1

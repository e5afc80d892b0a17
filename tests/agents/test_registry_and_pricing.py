"""Model strings, the provider registry and the price table."""

from __future__ import annotations

import pytest

from agents import UnknownModelError
from agents.models import (
    MockModel,
    ModelRef,
    Usage,
    cost_usd,
    get_model,
    parse_model_string,
    providers,
)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("anthropic/claude-sonnet-4-6", ModelRef("anthropic", "claude-sonnet-4-6")),
        ("openai-compatible/org/model:7b", ModelRef("openai-compatible", "org/model:7b")),
        ("local/gemma-3-270m", ModelRef("local", "gemma-3-270m")),
    ],
)
def test_parse_model_string(text: str, ref: ModelRef) -> None:
    assert parse_model_string(text) == ref


@pytest.mark.parametrize(
    ("text", "message"),
    [("gpt-4", "must be provider/model"), ("/x", "must be"), ("nope/x", "unknown provider 'nope'")],
)
def test_bad_model_strings(text: str, message: str) -> None:
    with pytest.raises(UnknownModelError, match=message):
        parse_model_string(text)


def test_every_documented_provider_is_registered() -> None:
    assert [p.name for p in providers()] == [
        "anthropic",
        "openai",
        "openai-compatible",
        "local",
        "mock",
    ]


def test_get_model_builds_a_mock() -> None:
    model = get_model("mock/x", outputs=["hi"])
    assert isinstance(model, MockModel) and model.id == "mock/x"


def test_unknown_local_model_lists_the_available_ones() -> None:
    from agents import PrerequisiteError

    with pytest.raises(PrerequisiteError, match=r"available: local/qwen2\.5-coder-1\.5b, .*gemma"):
        get_model("local/llama-70b")


def test_costs() -> None:
    million = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    assert cost_usd("openai", "gpt-4.1", million) == pytest.approx(2.0 + 8.0)
    # Under Anthropic's 200k-token long-context threshold: $3/M input, $15/M output.
    tenth = Usage(input_tokens=100_000, output_tokens=100_000)
    assert cost_usd("anthropic", "claude-sonnet-4-6", tenth) == pytest.approx(0.3 + 1.5)
    assert cost_usd("local", "gemma-3-270m", million) == 0.0
    assert cost_usd("mock", "x", million) == 0.0
    assert cost_usd("openai", "no-such-model-xyz", million) is None
    assert cost_usd("openai-compatible", "qwen", million) is None


def test_usage_sums_and_unknown_cost_stays_unknown() -> None:
    a = Usage(input_tokens=1, output_tokens=2, latency_s=0.5, retries=1, cost_usd=0.1)
    b = Usage(input_tokens=3, output_tokens=4, latency_s=1.5, cost_usd=None)
    total = a + a
    assert (total.calls, total.input_tokens, total.retries) == (2, 2, 2)
    assert total.cost_usd == pytest.approx(0.2)
    assert (a + b).cost_usd is None
    assert Usage.zero() + a == a
    assert (a + a).tokens_per_second == pytest.approx(4 / 1.0)

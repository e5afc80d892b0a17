"""Cost of a call, from the genai-prices table (pydantic's maintained price data)."""

from __future__ import annotations

from functools import lru_cache

from agents.models._types import Usage

FREE_PROVIDERS = frozenset({"local", "mock"})
"""Providers that run on this machine (or replay a script) and cost nothing per call."""

_GENAI_PRICES_PROVIDER = {"anthropic": "anthropic", "openai": "openai"}


def cost_usd(provider: str, model: str, usage: Usage) -> float | None:
    """Dollar cost of `usage`, or None when the price of the model is not known.

    Self-hosted `openai-compatible/...` models have no list price and report None.
    """
    if provider in FREE_PROVIDERS:
        return 0.0
    provider_id = _GENAI_PRICES_PROVIDER.get(provider)
    if provider_id is None:
        return None
    return _price(
        provider_id,
        model,
        usage.input_tokens,
        usage.output_tokens,
        usage.cached_tokens,
        usage.cache_write_tokens,
    )


@lru_cache(maxsize=4096)
def _price(
    provider_id: str, model: str, input_tokens: int, output_tokens: int, cached: int, written: int
) -> float | None:
    from genai_prices import Usage as PriceUsage
    from genai_prices import calc_price

    priced = PriceUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cached,
        cache_write_tokens=written,
    )
    try:
        result = calc_price(priced, model_ref=model, provider_id=provider_id)
    except LookupError:
        return None
    return float(result.total_price)


def is_priced(provider: str, model: str) -> bool:
    """Whether cost_usd knows a price for this model."""
    return cost_usd(provider, model, Usage(input_tokens=1, output_tokens=1)) is not None

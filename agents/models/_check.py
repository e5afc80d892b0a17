"""`experiment models check`: one short request that proves a model answers, with its speed."""

from __future__ import annotations

import time
from pathlib import Path

from pydantic import BaseModel, Field

from agents.models._registry import get_model
from agents.models._types import GenerateConfig, Message, Usage

DEFAULT_PROMPT = "Write a Python function `square(x)` that returns x squared."

_NOTES = {
    "local": (
        "local/* models are small embedded models (at most 1.5B parameters, 4-bit, on the CPU): "
        "a reply proves the offline pipeline works, not what a capable model would write."
    ),
    "mock": "mock/* replays a script: a test double, not a model result.",
}


class ModelCheck(BaseModel):
    """The outcome of a model check."""

    model: str
    """The model string checked."""
    prompt: str
    """What was sent."""
    reply: str
    """What came back."""
    load_s: float
    """Seconds spent preparing the model (weights, client) before the timed call."""
    usage: Usage
    """Tokens, latency, retries and cost of the call."""
    tokens_per_second: float | None
    """Output tokens per second of the call."""
    notes: list[str] = Field(default_factory=list)
    """Caveats that belong next to the numbers."""


def check_model(
    model: str,
    *,
    base_url: str | None = None,
    prompt: str = DEFAULT_PROMPT,
    max_tokens: int = 64,
    mock_script: Path | None = None,
) -> ModelCheck:
    """Send one short request to `model` and report its reply, usage and tokens/s."""
    instance = get_model(model, base_url=base_url, script=mock_script)
    started = time.perf_counter()
    instance.prepare()
    load_s = time.perf_counter() - started
    response = instance.generate(
        [Message.user(prompt)], config=GenerateConfig(max_output_tokens=max_tokens, seed=0)
    )
    note = _NOTES.get(instance.provider)
    return ModelCheck(
        model=instance.id,
        prompt=prompt,
        reply=response.text,
        load_s=load_s,
        usage=response.usage,
        tokens_per_second=response.usage.tokens_per_second,
        notes=[note] if note else [],
    )

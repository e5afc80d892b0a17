"""Providers registered by name; `get_model("provider/model")` builds a model from a string."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from agents._errors import ModelOptionError, UnknownModelError
from agents.models._base import Model

ModelFactory = Callable[..., Model]


@dataclass(frozen=True)
class ProviderInfo:
    """A registered provider."""

    name: str
    """Provider part of model strings."""
    factory: ModelFactory
    """Builds a model from its name and options."""
    description: str
    """One line for `experiment models list`."""
    env_vars: tuple[str, ...] = ()
    """Environment variables it reads (keys, base URLs)."""
    example: str = ""
    """An example model string."""
    options: frozenset[str] | None = None
    """The options its factory takes (None: not checked)."""


class ModelRef(NamedTuple):
    """A parsed `provider/model` string."""

    provider: str
    name: str


_PROVIDERS: dict[str, ProviderInfo] = {}


def register_provider(
    name: str,
    factory: ModelFactory,
    *,
    description: str,
    env_vars: tuple[str, ...] = (),
    example: str = "",
    options: tuple[str, ...] | None = None,
) -> None:
    """Register (or replace) a provider under `name`; `options` lists what its factory takes."""
    accepted = frozenset(options) if options is not None else None
    _PROVIDERS[name] = ProviderInfo(
        name, factory, description, env_vars, example or f"{name}/…", accepted
    )


def takes_option(model: str, option: str) -> bool:
    """Whether the provider of `model` (a provider/model string) takes `option`."""
    accepted = _PROVIDERS[parse_model_string(model).provider].options
    return accepted is None or option in accepted


def providers() -> list[ProviderInfo]:
    """The registered providers, in registration order."""
    return list(_PROVIDERS.values())


def parse_model_string(model: str) -> ModelRef:
    """Split `provider/model`; the model part may itself contain slashes."""
    provider, sep, name = model.partition("/")
    if not sep or not provider or not name:
        examples = ", ".join(p.example for p in providers())
        raise UnknownModelError(f"model {model!r} must be provider/model, e.g. {examples}")
    if provider not in _PROVIDERS:
        known = ", ".join(_PROVIDERS)
        raise UnknownModelError(f"unknown provider {provider!r} in {model!r}; known: {known}")
    return ModelRef(provider, name)


def get_model(model: str, **options: Any) -> Model:
    """Build the model named by `provider/model`, passing provider options through.

    Options: `base_url` (openai, anthropic, openai-compatible), `tool_mode` ("native" or "json",
    openai-compatible), `script` (mock: a YAML/JSON file) or `outputs` (mock: a list or callable),
    `retry` (a RetryPolicy, any provider).
    """
    ref = parse_model_string(model)
    given = {k: v for k, v in options.items() if v is not None}
    info = _PROVIDERS[ref.provider]
    unknown = sorted(set(given) - info.options) if info.options is not None else []
    if unknown:
        takers = ", ".join(p.name for p in providers() if p.options and unknown[0] in p.options)
        raise ModelOptionError(
            f"{model}: the {ref.provider} provider does not take {unknown[0]!r}"
            + (f" (only {takers} do)" if takers else "")
            + "; fix: leave it out for this model"
        )
    return info.factory(ref.name, **given)


def _anthropic(name: str, **options: Any) -> Model:
    from agents.models._langchain import AnthropicModel

    return AnthropicModel(name, **options)


def _openai(name: str, **options: Any) -> Model:
    from agents.models._langchain import OpenAIModel

    return OpenAIModel(name, **options)


def _openai_compatible(name: str, **options: Any) -> Model:
    from agents.models._langchain import OpenAICompatibleModel

    return OpenAICompatibleModel(name, **options)


def _local(name: str, **options: Any) -> Model:
    from agents.models._local import LocalModel

    return LocalModel(name, **options)


def _mock(name: str, *, script: str | Path | None = None, **options: Any) -> Model:
    from agents.models._mock import MockModel

    if script is None and name.endswith((".yaml", ".yml", ".json")):
        # `mock/path/to/script.yaml`: the model string names its own script.
        script = name
    if script is not None:
        return MockModel.from_file(script, name=name, **options)
    return MockModel(name, **options)


register_provider(
    "anthropic",
    _anthropic,
    description="Anthropic Claude models via langchain-anthropic",
    env_vars=("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"),
    example="anthropic/claude-sonnet-4-6",
    options=("base_url", "retry"),
)
register_provider(
    "openai",
    _openai,
    description="OpenAI models via langchain-openai",
    env_vars=("OPENAI_API_KEY", "OPENAI_BASE_URL"),
    example="openai/gpt-4.1",
    options=("base_url", "tool_mode", "retry"),
)
register_provider(
    "openai-compatible",
    _openai_compatible,
    description="any OpenAI-compatible server: Ollama, vLLM, llama.cpp server",
    env_vars=("OPENAI_COMPATIBLE_BASE_URL", "OPENAI_COMPATIBLE_API_KEY"),
    example="openai-compatible/qwen2.5-coder:7b",
    options=("base_url", "tool_mode", "retry"),
)
register_provider(
    "local",
    _local,
    description="embedded offline models (llama.cpp): qwen2.5-coder-1.5b, qwen2.5-coder-0.5b "
    "and gemma-3-270m (the fastest, a smoke test)",
    example="local/qwen2.5-coder-1.5b",
    options=("tool_mode", "retry"),
)
register_provider(
    "mock",
    _mock,
    description="scripted replies for tests and demos; a test double, not a model",
    example="mock/demo",
    options=("script", "outputs", "retry", "cost_per_call", "fail_rate", "fail_status"),
)

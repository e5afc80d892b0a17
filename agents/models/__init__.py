"""Model providers behind one interface, selected by `provider/model` strings.

`get_model("anthropic/claude-sonnet-4-6")`, `"openai/gpt-4.1"`, `"openai-compatible/<model>"`
(with a base URL), `"local/gemma-3-270m"` (embedded, offline) and `"mock/<name>"` (scripted, for
tests) all return a `Model` whose `generate(messages, tools=..., config=...)` returns a
`ModelResponse` with usage and cost, and whose `stream(messages, config)` yields the reply's text
as the model writes it.
"""

from pathlib import Path

from agents.models._actions import action_schema, parse_action
from agents.models._base import Model
from agents.models._cache import CacheStats, ResponseCache, default_cache_path
from agents.models._check import ModelCheck, check_model
from agents.models._interrupt import (
    interrupt,
    interrupt_on_sigint,
    interrupted,
    reset_interrupt,
)
from agents.models._limiter import LimiterRegistry, LimiterState, ProviderLimiter, default_registry
from agents.models._mock import MockModel, MockRequest
from agents.models._pricing import cost_usd
from agents.models._registry import (
    ModelRef,
    ProviderInfo,
    get_model,
    parse_model_string,
    providers,
    register_provider,
    takes_option,
)
from agents.models._retry import RetryPolicy, TransientError
from agents.models._types import (
    GenerateConfig,
    Message,
    ModelResponse,
    RawReply,
    ToolCall,
    ToolSpec,
    Usage,
)
from agents.models._weights import cache_dir


def local_model_path(name: str) -> Path:
    """The GGUF file of the embedded model `local/<name>`, assembled from its packages on first
    use (for tools that load it themselves: a llama.cpp server, a log-probability scorer)."""
    from agents.models._local import model_path

    return model_path(name)


__all__ = [
    "CacheStats",
    "GenerateConfig",
    "LimiterRegistry",
    "LimiterState",
    "Message",
    "MockModel",
    "MockRequest",
    "Model",
    "ModelCheck",
    "ModelRef",
    "ModelResponse",
    "ProviderInfo",
    "ProviderLimiter",
    "RawReply",
    "ResponseCache",
    "RetryPolicy",
    "ToolCall",
    "ToolSpec",
    "TransientError",
    "Usage",
    "action_schema",
    "cache_dir",
    "check_model",
    "cost_usd",
    "default_cache_path",
    "default_registry",
    "get_model",
    "interrupt",
    "interrupt_on_sigint",
    "interrupted",
    "local_model_path",
    "parse_action",
    "parse_model_string",
    "providers",
    "register_provider",
    "reset_interrupt",
    "takes_option",
]

"""The builder and regenerator agents, their tools and journal, and the model providers."""

from agents._errors import (
    ActionParseError,
    AgentsError,
    ModelError,
    PrerequisiteError,
    ScriptExhaustedError,
    UnknownModelError,
)

__all__ = [
    "ActionParseError",
    "AgentsError",
    "ModelError",
    "PrerequisiteError",
    "ScriptExhaustedError",
    "UnknownModelError",
]

"""Errors raised by the agents package. Each message says what to do about it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from usererrors import PrerequisiteError, RegenlabError

if TYPE_CHECKING:
    from agents.models._types import RawReply, Usage

__all__ = [
    "ActionParseError",
    "AgentsError",
    "ModelError",
    "ModelOptionError",
    "PrerequisiteError",
    "ScriptExhaustedError",
    "UnknownModelError",
]


class AgentsError(RegenlabError):
    """Root of the errors raised by `agents` (a missing key or package is a PrerequisiteError)."""


class ModelError(AgentsError):
    """A model call failed for good (after retries), or its reply could not be used."""

    def __init__(self, message: str, *, status_code: int | None = None, retries: int = 0) -> None:
        super().__init__(message)
        self.status_code = status_code
        """HTTP status of the last failure, when there was one."""
        self.retries = retries
        """Retries made before giving up."""


class ScriptExhaustedError(ModelError):
    """A mock model was asked for more replies than its script holds."""


class ActionParseError(ModelError):
    """A JSON-action reply did not name a known tool with valid arguments.

    The model did answer, so the reply's tokens and time were spent: `reply` holds what the
    provider got back (when it got that far) and `usage` what `generate` charged for it.
    """

    def __init__(self, message: str, *, reply: RawReply | None = None) -> None:
        super().__init__(message)
        self.reply = reply
        """The provider's reply that could not be parsed, when there was one."""
        self.usage: Usage | None = None
        """The call's usage, set by the model base class."""


class UnknownModelError(AgentsError):
    """A model string that names no registered provider, or is not `provider/model`."""


class ModelOptionError(AgentsError):
    """An option (such as a base URL) given to a provider that does not take it."""

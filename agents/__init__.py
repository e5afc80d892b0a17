"""The builder and regenerator agents, their tools and journal, and the model providers."""

from agents._agent import (
    AgentContext,
    AgentLimits,
    AgentModelError,
    AgentRun,
    StopReason,
    ToolEvent,
    run_agent,
)
from agents._errors import (
    ActionParseError,
    AgentsError,
    ModelError,
    ModelOptionError,
    PrerequisiteError,
    ScriptExhaustedError,
    UnknownModelError,
)
from agents._journal import (
    ENTRY_KINDS,
    JOURNAL_FILE,
    JOURNAL_MARKDOWN,
    CodePolicy,
    Journal,
    JournalEntry,
    code_violation,
)
from agents._prompts import (
    ARMS,
    Arm,
    builder_prompt,
    gives_journal,
    journal_styles,
    regenerator_prompt,
)
from agents._tools import (
    Toolbox,
    ToolHandler,
    ToolMiddleware,
    ToolProvider,
    ToolResult,
)
from agents._workspace import PathRefused, Workspace

__all__ = [
    "ARMS",
    "ENTRY_KINDS",
    "JOURNAL_FILE",
    "JOURNAL_MARKDOWN",
    "ActionParseError",
    "AgentContext",
    "AgentLimits",
    "AgentModelError",
    "AgentRun",
    "AgentsError",
    "Arm",
    "CodePolicy",
    "Journal",
    "JournalEntry",
    "ModelError",
    "ModelOptionError",
    "PathRefused",
    "PrerequisiteError",
    "ScriptExhaustedError",
    "StopReason",
    "ToolEvent",
    "ToolHandler",
    "ToolMiddleware",
    "ToolProvider",
    "ToolResult",
    "Toolbox",
    "UnknownModelError",
    "Workspace",
    "builder_prompt",
    "code_violation",
    "gives_journal",
    "journal_styles",
    "regenerator_prompt",
    "run_agent",
]

"""Tool specs shared by the provider tests."""

from __future__ import annotations

from agents.models import ToolSpec

WRITE_FILE = ToolSpec(
    name="write_file",
    description="Write a file in the workspace.",
    parameters={
        "type": "object",
        "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
        "required": ["path", "content"],
    },
)
DONE = ToolSpec(
    name="done",
    description="Say the work is finished.",
    parameters={
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"],
    },
)

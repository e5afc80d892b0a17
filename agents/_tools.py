"""The agents' tools: files in the workspace, commands in the sandbox, the journal, done."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agents._journal import ENTRY_KINDS, Journal
from agents._workspace import PathRefused, Workspace
from agents.models import ToolCall, ToolSpec
from sandbox import Limits, Sandbox

RUN_OUTPUT_CHARS = 4000


@dataclass(frozen=True)
class ToolResult:
    """What a tool call returned to the agent."""

    text: str
    error: bool = False
    done: bool = False


ToolHandler = Callable[[ToolCall], ToolResult]
"""Runs one tool call and returns its result."""
ToolMiddleware = Callable[[ToolCall, ToolHandler], ToolResult]
"""Wraps every tool call of a toolbox: it gets the call and the handler that would run it, and
returns the result the agent sees (it may call the handler, change the call or the result, or
answer without calling it)."""


class ToolProvider(Protocol):
    """What the agent loop needs of its tools: a Toolbox, or any other set of tools."""

    deadline: float | None
    """time.monotonic() by which the agent must be done (the loop sets it before each turn)."""
    sandbox_seconds: float
    """Seconds spent in sandboxed commands so far."""

    def specs(self) -> list[ToolSpec]:
        """The tools the agent may call."""
        ...

    def call(self, call: ToolCall) -> ToolResult:
        """Run one tool call; failures come back as an error result."""
        ...


def _string(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


# A workspace path: relative, no leading dot, no empty segment. In a tool schema this also
# constrains the embedded model's grammar, which would otherwise copy a placeholder such as "...".
PATH_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$"


def _path(description: str, example: str = "module.py") -> dict[str, Any]:
    return {**_string(description), "pattern": PATH_PATTERN, "examples": [example]}


def _spec(name: str, description: str, required: list[str], **props: dict[str, Any]) -> ToolSpec:
    schema = {"type": "object", "properties": props, "required": required}
    return ToolSpec(name=name, description=description, parameters=schema)


FILE_TOOLS = (
    _spec(
        "write_file",
        "Create or replace a text file in the workspace (committed to git).",
        ["path", "content"],
        path=_path("Path relative to the workspace."),
        content=_string("The whole new content of the file."),
    ),
    _spec(
        "read_file", "Read a text file of the workspace.", ["path"], path=_path("Relative path.")
    ),
    _spec(
        "list_files", "List the files of the workspace.", [], path=_string("Folder, default '.'.")
    ),
    _spec("delete_file", "Delete a file of the workspace.", ["path"], path=_path("Relative path.")),
    _spec(
        "run",
        "Run a shell command in the workspace, in a sandbox without network "
        "(e.g. `python -m pytest -q`). Returns the exit code and output.",
        ["command"],
        command=_string("The shell command."),
    ),
    _spec("done", "Say the work is finished.", ["summary"], summary=_string("What was built.")),
)
"""The tools every agent gets: files in its workspace, a sandboxed shell, and `done`."""
JOURNAL_TOOL = _spec(
    "journal",
    "Append an entry to your journal.",
    ["kind", "text"],
    kind={"type": "string", "enum": list(ENTRY_KINDS), "description": "Kind of entry."},
    text=_string("The entry."),
    files={"type": "array", "items": {"type": "string"}, "description": "Files it is about."},
)
"""The builder's journal tool (a regenerator, who keeps no journal, does not get it)."""


class Toolbox:
    """Executes tool calls for one agent, confined to its workspace."""

    def __init__(
        self,
        workspace: Workspace,
        sandbox: Sandbox,
        *,
        journal: Journal | None = None,
        commit_label: Callable[[], str] = lambda: "",
        run_timeout_s: float = 60.0,
        middleware: ToolMiddleware | None = None,
    ) -> None:
        self.workspace = workspace
        self.sandbox = sandbox
        self.journal = journal
        self.commit_label = commit_label
        self.run_timeout_s = run_timeout_s
        self.sandbox_seconds = 0.0
        self.deadline: float | None = None
        """time.monotonic() by which the agent must be done: commands never run past it."""
        self.middleware = middleware
        """Called around every tool call (None: calls run as they are)."""

    def specs(self) -> list[ToolSpec]:
        """The tools this agent may call."""
        return [*FILE_TOOLS, JOURNAL_TOOL] if self.journal is not None else list(FILE_TOOLS)

    def call(self, call: ToolCall) -> ToolResult:
        """Run one tool call (through the middleware, if any); errors come back as a tool error
        the agent can read."""
        if self.middleware is None:
            return self._dispatch(call)
        return self.middleware(call, self._dispatch)

    def _dispatch(self, call: ToolCall) -> ToolResult:
        handler = getattr(self, f"_{call.name}", None)
        if handler is None or call.name not in {s.name for s in self.specs()}:
            return ToolResult(f"error: unknown tool {call.name!r}", error=True)
        try:
            result: ToolResult = handler(**call.arguments)
        except TypeError as exc:
            return ToolResult(f"error: bad arguments for {call.name}: {exc}", error=True)
        except (PathRefused, FileNotFoundError, ValueError, UnicodeError) as exc:
            return ToolResult(f"error: {exc}", error=True)
        return result

    def _message(self, action: str) -> str:
        label = self.commit_label()
        return f"{action} [{label}]" if label else action

    def _write_file(self, path: str, content: str) -> ToolResult:
        sha = self.workspace.write(path, content, self._message(f"write {path}"))
        return ToolResult(f"wrote {path} ({len(content)} chars, commit {sha or 'unchanged'})")

    def _read_file(self, path: str) -> ToolResult:
        return ToolResult(self.workspace.read(path))

    def _list_files(self, path: str = ".") -> ToolResult:
        files = self.workspace.files(path)
        return ToolResult("\n".join(files) if files else "(no files)")

    def _delete_file(self, path: str) -> ToolResult:
        sha = self.workspace.delete(path, self._message(f"delete {path}"))
        return ToolResult(f"deleted {path} (commit {sha})")

    def _run(self, command: str) -> ToolResult:
        timeout = self.run_timeout_s
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - time.monotonic())
        if timeout <= 0:
            return ToolResult("error: no time left to run a command", error=True)
        layout = self.sandbox.layout(self.workspace.root)
        result = self.sandbox.run(
            ["sh", "-c", command],
            self.workspace.root,
            limits=Limits(timeout_s=timeout),
            env={"PATH": f"{Path(layout.python).parent}:/usr/local/bin:/usr/bin:/bin"},
        )
        self.sandbox_seconds += result.duration_s
        if result.workspace_exceeded:
            # Committing gigabytes would only pass the damage on: the run is undone instead.
            self.workspace.discard_changes()
            text = (
                f"killed: the workspace grew past its {Limits().workspace_mb} MiB limit; "
                "the command's changes were undone"
            )
            return ToolResult(text, error=True)
        self.workspace.commit_all(self._message(f"run {command[:60]}"))
        status = "timed out" if result.timed_out else f"exit code {result.exit_code}"
        output = (result.stdout + result.stderr)[-RUN_OUTPUT_CHARS:]
        return ToolResult(f"{status}\n{output}", error=not result.ok)

    def _journal(self, kind: str, text: str, files: list[str] | None = None) -> ToolResult:
        assert self.journal is not None
        if kind not in ENTRY_KINDS:
            raise ValueError(f"kind must be one of {', '.join(ENTRY_KINDS)}")
        entry = self.journal.add(kind, text, files)
        return ToolResult(f"added {entry.label}")

    def _done(self, summary: str) -> ToolResult:
        return ToolResult(f"finished: {summary}", done=True)

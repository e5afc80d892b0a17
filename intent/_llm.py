"""Every model call the lab makes: typed answers through one tool built from a pydantic schema
(the embedded model's grammar constrains it), free text for the application's replies, and a
transcript line per call in `transcripts/<stage>.jsonl`.

A reply that does not parse is recorded and answered with None (the stage counts it); any other
model error stops the run, and what was finished stays on disk.
"""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agents import ActionParseError
from agents.models import GenerateConfig, Message, Model, ModelResponse, ToolSpec

Out = TypeVar("Out", bound=BaseModel)

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def tool_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema as one flat object: refs inlined, titles and descriptions gone.

    The embedded model sees the schema in its prompt (shorter is faster) and its grammar is
    built from it. No `maxLength`: llama.cpp expands a length bound into one rule per
    character, and sampling under such a grammar was ten times slower here.
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})
    cleaned: dict[str, Any] = _clean(schema, defs)
    return cleaned


def _clean(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_clean(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _clean(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    drop = {"title", "description", "default"}
    cleaned = {
        key: (
            {name: _clean(sub, defs) for name, sub in value.items()}
            if key == "properties"
            else _clean(value, defs)
        )
        for key, value in node.items()
        if key not in drop
    }
    if cleaned.get("type") == "object" and "properties" in cleaned:
        cleaned.setdefault("required", list(cleaned["properties"]))
        cleaned.setdefault("additionalProperties", False)
    return cleaned


def tool_for(model: type[BaseModel], description: str) -> ToolSpec:
    """The one tool a structured call offers: its name is the schema's, lower-cased."""
    return ToolSpec(
        name=model.__name__.lower(), description=description, parameters=tool_schema(model)
    )


def parse_reply(reply: ModelResponse, model: type[Out]) -> Out | None:
    """The typed answer: the tool call's arguments, else the first JSON object in the text."""
    candidates: list[Any] = [call.arguments for call in reply.tool_calls]
    found = _JSON_OBJECT.search(reply.text or "")
    if found:
        try:
            data = json.loads(found.group(0), strict=False)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict):
            # A JSON action written as text: {"tool": ..., "arguments": {...}}.
            candidates.append(data.get("arguments", data))
    for candidate in candidates:
        try:
            return model.model_validate(candidate)
        except ValidationError:
            continue
    return None


class Recorder:
    """Appends one line per model call to transcripts/<stage>.jsonl: the request, the reply."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()

    def write(self, stage: str, entry: dict[str, Any]) -> None:
        """Append `entry` to the stage's transcript."""
        self.folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"stage": stage, **entry}, ensure_ascii=False)
        with self._lock, open(self.folder / f"{stage}.jsonl", "a", encoding="utf-8") as stream:
            stream.write(line + "\n")


class Caller:
    """Makes the lab's model calls and records each one."""

    def __init__(self, recorder: Recorder, seed: int = 0, timeout_s: float = 600.0) -> None:
        self.recorder = recorder
        self.seed = seed
        self.timeout_s = timeout_s
        self.failures: dict[str, int] = {}
        """Replies that did not parse, per stage."""

    def ask(
        self,
        model: Model,
        schema: type[Out],
        messages: list[Message],
        *,
        stage: str,
        item: str,
        tokens: int,
        description: str,
    ) -> Out | None:
        """A typed answer, or None when the reply does not parse (recorded either way)."""
        tool = tool_for(schema, description)
        config = self._config(tokens)
        reply: ModelResponse | None = None
        error: str | None = None
        try:
            reply = model.generate(messages, tools=[tool], config=config)
        except ActionParseError as exc:
            error = str(exc)
        value = parse_reply(reply, schema) if reply is not None else None
        if value is None:
            self.failures[stage] = self.failures.get(stage, 0) + 1
            error = error or f"the reply does not fit {schema.__name__}"
        self._record(stage, item, model, messages, reply, error, tool)
        return value

    def say(
        self, model: Model, messages: list[Message], *, stage: str, item: str, tokens: int
    ) -> str:
        """Free text (the application's reply, a rewritten prompt), recorded."""
        config = self._config(tokens)
        reply = model.generate(messages, config=config)
        self._record(stage, item, model, messages, reply, None, None)
        return reply.text.strip()

    def _config(self, tokens: int) -> GenerateConfig:
        return GenerateConfig(
            max_output_tokens=tokens, temperature=0.0, seed=self.seed, timeout_s=self.timeout_s
        )

    def _record(
        self,
        stage: str,
        item: str,
        model: Model,
        messages: list[Message],
        reply: ModelResponse | None,
        error: str | None,
        tool: ToolSpec | None,
    ) -> None:
        self.recorder.write(
            stage,
            {
                "item": item,
                "model": model.id,
                "messages": [m.model_dump(mode="json") for m in messages],
                "tool": tool.name if tool else None,
                "reply": reply.model_dump(mode="json") if reply else None,
                "error": error,
            },
        )

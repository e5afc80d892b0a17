"""A scripted stand-in for every model role of the intent lab: a test double that answers from
simple rules on the text it is sent (never from planted labels, which it cannot see).

- facets: `missing` is `data` for short prompts, the intent is the prompt's first words;
- names: the first words of the first prompt shown;
- fixes: a fixed text per kind, the clarify one telling the assistant to ask;
- app: asks "Which date, budget and data?" on its first turn when its system prompt says to ask,
  else answers and echoes what the user told it;
- simulated user: `answered` unless the reply ends with "?", `asked` = kinds named in it;
- judge: `covered` = held-back details whose sentence appears in the answer.
"""

from __future__ import annotations

import re
from typing import Any

from agents.models import Message, MockModel, ToolSpec

CLARIFY = "Ask the user for the date, the budget and the data before answering."
KINDS = ("date", "budget", "data", "platform", "format", "quantity", "tone", "length", "goal")


def _last_user(messages: list[Message]) -> str:
    return next((m.content for m in reversed(messages) if m.role == "user"), "")


def _facets(request: str) -> dict[str, Any]:
    text = request.split("Request:", 1)[-1].strip()
    words = text.split()
    return {
        "tool_calls": [
            {
                "name": "facets",
                "arguments": {
                    "intent": " ".join(words[:5]),
                    "domain": "general",
                    "task": "write",
                    "stated": [],
                    "missing": ["data"] if len(text) < 60 else [],
                    "output": "prose",
                    "ambiguity": "referent" if re.search(r"\b(it|this)\b", text) else "none",
                    "needs_clarification": len(text) < 60,
                },
            }
        ]
    }


def _hidden(request: str) -> dict[str, str]:
    block = request.split("Held-back details:", 1)[-1].split("\n\n", 1)[0]
    found = re.findall(r"^- ([a-z]+): (.+)$", block, flags=re.MULTILINE)
    return dict(found)


def _judge(request: str) -> dict[str, Any]:
    answer = request.split("Final answer:", 1)[-1]
    covered = [kind for kind, value in _hidden(request).items() if value in answer]
    arguments = {"covered": covered, "assumed": [], "success": bool(covered)}
    return {"tool_calls": [{"name": "judgement", "arguments": arguments}]}


def _reading(request: str) -> dict[str, Any]:
    reply = request.split("The assistant replied:", 1)[-1].strip()
    asked = [kind for kind in KINDS if kind in reply.lower()]
    arguments = {"answered": not reply.endswith("?"), "asked": asked}
    return {"tool_calls": [{"name": "userreading", "arguments": arguments}]}


def _app(messages: list[Message]) -> str:
    system = messages[0].content if messages and messages[0].role == "system" else ""
    turns = sum(1 for m in messages if m.role == "assistant")
    if "Ask the user" in system and turns == 0:
        return "Which date, budget and data do you have in mind?"
    told = " ".join(m.content for m in messages[2:] if m.role == "user")
    return f"Here is my answer. {told}".strip()


def reply(messages: list[Message], tools: list[ToolSpec]) -> Any:
    """One scripted reply for whichever role the request is for."""
    request = _last_user(messages)
    name = tools[0].name if tools else None
    if name == "facets":
        return _facets(request)
    if name == "clustername":
        first = request.split("\n- ", 2)[1] if "\n- " in request else "group"
        return {
            "tool_calls": [
                {
                    "name": name,
                    "arguments": {
                        "name": " ".join(first.split()[:4]),
                        "description": "Requests like " + first[:40],
                    },
                }
            ]
        }
    if name == "fixtext":
        text = CLARIFY if "clarifying-question" in request else "State your assumptions."
        return {"tool_calls": [{"name": name, "arguments": {"text": text}}]}
    if name == "userreading":
        return _reading(request)
    if name == "judgement":
        return _judge(request)
    if name == "pairverdict":
        return {"tool_calls": [{"name": name, "arguments": {"better": "A"}}]}
    if name == "hiddenspec":
        details = [{"kind": "data", "value": "The data is in sales.csv."}]
        return {"tool_calls": [{"name": name, "arguments": {"details": details}}]}
    if messages and messages[0].content.startswith("Rewrite the user's request"):
        return request.split("Request:", 1)[-1].strip() + " Please ask me what you need."
    return _app(messages)


def scripted_model() -> MockModel:
    """The test double for every role."""
    return MockModel("intent-scripted", reply)

"""A fake OpenAI- and Anthropic-compatible HTTP server on 127.0.0.1 replaying scripted replies."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted HTTP reply."""

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    """Seconds to wait before answering (a slow server)."""


@dataclass
class Request:
    """One request the server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class FakeLLMServer:
    """Serves scripted replies in order; answers 500 with a clear message when they run out."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def queue(
        self, body: dict[str, Any], status: int = 200, delay_s: float = 0.0, **headers: str
    ) -> None:
        self.replies.append(
            Reply(body, status, {k.replace("_", "-"): v for k, v in headers.items()}, delay_s)
        )

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                server.requests.append(
                    Request(
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                        time.monotonic(),
                    )
                )
                reply = (
                    server.replies.popleft()
                    if server.replies
                    else Reply({"error": {"message": "fake server: no scripted reply left"}}, 500)
                )
                payload = json.dumps(reply.body).encode()
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def openai_text(
    text: str, prompt_tokens: int = 12, completion_tokens: int = 3, cached: int = 0
) -> dict[str, Any]:
    """An OpenAI chat-completion body with a text reply."""
    return _openai_body(
        {"role": "assistant", "content": text}, "stop", prompt_tokens, completion_tokens, cached
    )


def openai_tool_call(
    name: str, arguments: dict[str, Any], call_id: str = "call_1"
) -> dict[str, Any]:
    """An OpenAI chat-completion body with one tool call."""
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }
    return _openai_body(message, "tool_calls", 20, 8, 0)


def _openai_body(
    message: dict[str, Any], finish: str, prompt: int, completion: int, cached: int
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 0,
        "model": "fake",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def anthropic_text(
    text: str, input_tokens: int = 10, output_tokens: int = 3, cache_read: int = 0
) -> dict[str, Any]:
    """An Anthropic messages body with a text reply."""
    return _anthropic_body(
        [{"type": "text", "text": text}], "end_turn", input_tokens, output_tokens, cache_read
    )


def anthropic_tool_call(
    name: str, arguments: dict[str, Any], call_id: str = "toolu_1"
) -> dict[str, Any]:
    """An Anthropic messages body with one tool use."""
    content = [{"type": "tool_use", "id": call_id, "name": name, "input": arguments}]
    return _anthropic_body(content, "tool_use", 20, 8, 0)


def _anthropic_body(
    content: list[dict[str, Any]], stop: str, inp: int, out: int, cache_read: int
) -> dict[str, Any]:
    return {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": "fake",
        "content": content,
        "stop_reason": stop,
        "stop_sequence": None,
        "usage": {
            "input_tokens": inp,
            "output_tokens": out,
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": 0,
        },
    }


def openai_error(kind: str = "rate_limit_error") -> dict[str, Any]:
    return {"error": {"message": f"fake {kind}", "type": kind, "code": kind}}


def anthropic_error(kind: str = "rate_limit_error") -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": f"fake {kind}"}}

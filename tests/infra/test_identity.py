"""The model server's ID token: fetched from a fake metadata server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from infra import InfraError
from infra._identity import (
    EARLY_S,
    KEY_ENV,
    audience,
    authorize_model_server,
    fetch_access_token,
    fetch_id_token,
)

SERVICE = "https://regenlab-dev-vllm-abc123-ew.a.run.app"


ACCOUNT = "/computeMetadata/v1/instance/service-accounts/default"
VERTEX = (
    "https://europe-west4-aiplatform.googleapis.com/v1/projects/p-123456/locations/europe-west4/"
    "endpoints/42"
)


class Metadata(BaseHTTPRequestHandler):
    """Answers the identity and token endpoints like the metadata server; counts the calls."""

    calls: list[str] = []  # noqa: RUF012  # shared by the handler instances of one server

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if self.headers.get("Metadata-Flavor") != "Google":
            self.send_error(403)
            return
        if url.path == f"{ACCOUNT}/token":
            self.calls.append("access-token")
            self._answer(json.dumps({"access_token": "ya29.fake", "expires_in": 3599}).encode())
        elif url.path == f"{ACCOUNT}/identity":
            [target] = parse_qs(url.query)["audience"]
            self.calls.append(target)
            self._answer(f"token-{len(self.calls)}-for-{target}".encode())
        else:
            self.send_error(404)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def metadata() -> Iterator[str]:
    Metadata.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Metadata)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_audience_is_the_service_not_its_api_path() -> None:
    assert audience(f"{SERVICE}/v1") == SERVICE


def test_a_token_is_fetched_for_the_service(metadata: str) -> None:
    token = fetch_id_token(SERVICE, {"GCE_METADATA_HOST": metadata})
    assert token == f"token-1-for-{SERVICE}"


def test_the_task_puts_the_token_where_the_provider_reads_its_key(metadata: str) -> None:
    env = {"GCE_METADATA_HOST": metadata, "OPENAI_COMPATIBLE_BASE_URL": f"{SERVICE}/v1"}
    timer = authorize_model_server(env)
    assert timer is not None
    timer.cancel()
    assert env[KEY_ENV] == f"token-1-for-{SERVICE}"
    assert Metadata.calls == [SERVICE]


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"OPENAI_COMPATIBLE_BASE_URL": "http://127.0.0.1:8000/v1"},
        {"OPENAI_COMPATIBLE_BASE_URL": f"{SERVICE}/v1", KEY_ENV: "given-by-hand"},
    ],
)
def test_no_token_when_none_is_needed(metadata: str, env: dict[str, str]) -> None:
    before = dict(env)
    assert authorize_model_server({"GCE_METADATA_HOST": metadata, **env}) is None
    assert Metadata.calls == [] and env == before


def test_no_metadata_server_is_one_line_with_the_fix() -> None:
    with pytest.raises(InfraError, match="cannot get an ID token") as caught:
        fetch_id_token(SERVICE, {"GCE_METADATA_HOST": "127.0.0.1:9"})
    assert "\n" not in str(caught.value) and "fix:" in str(caught.value)


def test_the_vertex_endpoint_gets_an_access_token_renewed_before_it_expires(
    metadata: str,
) -> None:
    env = {"GCE_METADATA_HOST": metadata, "OPENAI_COMPATIBLE_BASE_URL": VERTEX}
    timer = authorize_model_server(env)
    assert timer is not None
    timer.cancel()
    assert env[KEY_ENV] == "ya29.fake"
    assert Metadata.calls == ["access-token"]
    assert timer.interval == 3599 - EARLY_S


def test_an_access_token_comes_from_the_metadata_server_or_one_line(metadata: str) -> None:
    token = fetch_access_token({"GCE_METADATA_HOST": metadata})
    assert token.value == "ya29.fake"
    with pytest.raises(InfraError, match="cannot get an access token") as caught:
        fetch_access_token({"GCE_METADATA_HOST": "127.0.0.1:9"})
    assert "\n" not in str(caught.value) and "fix:" in str(caught.value)

"""A token for the optional model server, from the metadata server of Cloud Run or GKE.

The vLLM service on Cloud Run accepts only requests carrying a Google ID token of a principal
allowed to invoke it; the Vertex AI endpoint only an OAuth access token of a principal allowed to
predict on it. Either principal is the runner's service account, whose tokens the metadata
server mints (on GKE, the GKE metadata server, through Workload Identity). `experiment cloud task`
puts the token where the openai-compatible provider reads its key and renews it before it
expires, so trials started later get a fresh one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, MutableMapping
from typing import NamedTuple
from urllib.parse import urlsplit

from infra._errors import InfraError

BASE_URL_ENV = "OPENAI_COMPATIBLE_BASE_URL"
KEY_ENV = "OPENAI_COMPATIBLE_API_KEY"
METADATA_HOST_ENV = "GCE_METADATA_HOST"
"""Google's standard override of the metadata server's address (tests point it at 127.0.0.1)."""
RENEW_S = 45 * 60
"""ID tokens live one hour; renewing at 45 minutes leaves a trial started just before the
renewal a quarter of an hour of validity."""
EARLY_S = 15 * 60
"""An access token is renewed this long before the metadata server says it expires."""
VERTEX_HOST_SUFFIX = "aiplatform.googleapis.com"


class Token(NamedTuple):
    """A bearer token and the seconds until it should be renewed."""

    value: str
    renew_in_s: float


def audience(base_url: str) -> str:
    """The ID token's audience: the service's URL without the path (…run.app, not …/v1)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def _metadata(path: str, what: str, params: dict[str, str], env: MutableMapping[str, str]) -> str:
    import httpx

    host = env.get(METADATA_HOST_ENV, "metadata.google.internal")
    url = f"http://{host}/computeMetadata/v1/instance/service-accounts/default/{path}"
    try:
        response = httpx.get(url, params=params, headers={"Metadata-Flavor": "Google"}, timeout=10)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise InfraError(
            f"cannot get {what} from the metadata server ({exc}); fix: run on Cloud Run or GKE, "
            "or set OPENAI_COMPATIBLE_API_KEY yourself"
        ) from None
    return response.text.strip()


def fetch_id_token(target: str, env: MutableMapping[str, str] | None = None) -> str:
    """An ID token for `target` from the metadata server."""
    env = os.environ if env is None else env
    params = {"audience": target, "format": "full"}
    return _metadata("identity", f"an ID token for {target}", params, env)


def fetch_access_token(env: MutableMapping[str, str] | None = None) -> Token:
    """An OAuth access token of the task's service account, and when to renew it."""
    import json

    env = os.environ if env is None else env
    text = _metadata("token", "an access token", {}, env)
    try:
        answer = json.loads(text)
        value, expires_in = str(answer["access_token"]), float(answer["expires_in"])
    except (ValueError, KeyError, TypeError):
        raise InfraError(
            "the metadata server's access token is not the JSON it should be; fix: run on "
            "Cloud Run or GKE, or set OPENAI_COMPATIBLE_API_KEY yourself"
        ) from None
    return Token(value, max(60.0, expires_in - EARLY_S))


def token_source(env: MutableMapping[str, str]) -> Callable[[], Token] | None:
    """What mints the model server's token: an ID token (Cloud Run), an access token (Vertex AI),
    or None for a server that takes neither."""
    base_url = urlsplit(env.get(BASE_URL_ENV, ""))
    host = base_url.hostname or ""
    if base_url.scheme != "https":
        return None
    if host.endswith(".run.app"):
        target = audience(base_url.geturl())
        return lambda: Token(fetch_id_token(target, env), RENEW_S)
    if host == VERTEX_HOST_SUFFIX or host.endswith(f"-{VERTEX_HOST_SUFFIX}"):
        return lambda: fetch_access_token(env)
    return None


def authorize_model_server(env: MutableMapping[str, str] | None = None) -> threading.Timer | None:
    """Set the model server's key to a fresh token and keep renewing it; None when not needed.

    Needed only when a Cloud Run or Vertex AI model server URL is set and no key was given (a
    key given by hand, or another server, is left alone).
    """
    env = os.environ if env is None else env
    source = token_source(env)
    if source is None or env.get(KEY_ENV):
        return None

    def renew() -> threading.Timer:
        token = source()
        env[KEY_ENV] = token.value
        timer = threading.Timer(token.renew_in_s, renew)
        timer.daemon = True
        timer.start()
        return timer

    return renew()

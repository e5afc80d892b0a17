"""An ID token for the optional model server, from the Cloud Run metadata server.

The vLLM service accepts only requests carrying a Google ID token of a principal allowed to
invoke it (the runner's service account). On Cloud Run the metadata server mints one for the
task's identity; `experiment cloud task` puts it where the openai-compatible provider reads its
key, and renews it before the hour it lives is up, so trials started later get a fresh one.
"""

from __future__ import annotations

import os
import threading
from collections.abc import MutableMapping
from urllib.parse import urlsplit

from infra._errors import InfraError

BASE_URL_ENV = "OPENAI_COMPATIBLE_BASE_URL"
KEY_ENV = "OPENAI_COMPATIBLE_API_KEY"
METADATA_HOST_ENV = "GCE_METADATA_HOST"
"""Google's standard override of the metadata server's address (tests point it at 127.0.0.1)."""
RENEW_S = 45 * 60
"""ID tokens live one hour; renewing at 45 minutes leaves a trial started just before the
renewal a quarter of an hour of validity."""


def audience(base_url: str) -> str:
    """The ID token's audience: the service's URL without the path (…run.app, not …/v1)."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def fetch_id_token(target: str, env: MutableMapping[str, str] | None = None) -> str:
    """An ID token for `target` from the metadata server."""
    import httpx

    env = os.environ if env is None else env
    host = env.get(METADATA_HOST_ENV, "metadata.google.internal")
    url = f"http://{host}/computeMetadata/v1/instance/service-accounts/default/identity"
    try:
        response = httpx.get(
            url,
            params={"audience": target, "format": "full"},
            headers={"Metadata-Flavor": "Google"},
            timeout=10,
        )
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise InfraError(
            f"cannot get an ID token for {target} from the metadata server ({exc}); fix: run on "
            "Cloud Run, or set OPENAI_COMPATIBLE_API_KEY yourself"
        ) from None
    return response.text.strip()


def authorize_model_server(env: MutableMapping[str, str] | None = None) -> threading.Timer | None:
    """Set the model server's key to an ID token and keep renewing it; None when not needed.

    Needed only when a model server URL is set and no key was given (a key given by hand, or
    a server that is not a Cloud Run service, is left alone).
    """
    env = os.environ if env is None else env
    base_url = urlsplit(env.get(BASE_URL_ENV, ""))
    if base_url.scheme != "https" or not (base_url.hostname or "").endswith(".run.app"):
        return None
    if env.get(KEY_ENV):
        return None
    target = audience(base_url.geturl())

    def renew() -> threading.Timer:
        env[KEY_ENV] = fetch_id_token(target, env)
        timer = threading.Timer(RENEW_S, renew)
        timer.daemon = True
        timer.start()
        return timer

    return renew()

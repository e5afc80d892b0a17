"""Whether credentials for a cloud are there, checked before Terraform is started.

Terraform's own message for missing credentials comes after init, buried in a provider error;
this says it in one line, with the fix, before anything runs. Only the places the providers
read are looked at; whether the credentials are valid is the provider's to say.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from infra._errors import InfraError

GCP_HINT = (
    "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
    "to a service-account key file"
)
AWS_HINT = (
    "run `aws configure` (or `aws sso login`), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
)


def check_gcp(env: Mapping[str, str] | None = None, home: Path | None = None) -> str:
    """Where the Google provider will find credentials; InfraError when it finds none."""
    env = os.environ if env is None else env
    key_file = env.get("GOOGLE_APPLICATION_CREDENTIALS")
    if key_file:
        if not Path(key_file).is_file():
            raise InfraError(
                f"GOOGLE_APPLICATION_CREDENTIALS={key_file}: no such file; fix: {GCP_HINT}"
            )
        return "GOOGLE_APPLICATION_CREDENTIALS"
    for name in ("GOOGLE_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN"):
        if env.get(name):
            return name
    config = Path(env["CLOUDSDK_CONFIG"]) if env.get("CLOUDSDK_CONFIG") else None
    config = config or (home or Path.home()) / ".config" / "gcloud"
    if (config / "application_default_credentials.json").is_file():
        return "application default credentials"
    raise InfraError(f"no Google Cloud credentials found; fix: {GCP_HINT}")


def check_aws(env: Mapping[str, str] | None = None, home: Path | None = None) -> str:
    """Where the AWS provider will find credentials; InfraError when it finds none."""
    env = os.environ if env is None else env
    if env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY"):
        return "AWS_ACCESS_KEY_ID"
    for name in (
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        if env.get(name):
            return name
    aws = (home or Path.home()) / ".aws"
    files = [
        Path(env.get("AWS_SHARED_CREDENTIALS_FILE") or aws / "credentials"),
        Path(env.get("AWS_CONFIG_FILE") or aws / "config"),
    ]
    for path in files:
        if path.is_file():
            return str(path)
    raise InfraError(f"no AWS credentials found; fix: {AWS_HINT}")

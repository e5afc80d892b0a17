"""Fixtures for the infra tests that run real tools: a moto server and Terraform's CLI config.

A missing tool skips a test on a workstation, with the reason; in CI (env CI set) it fails it,
so that CI cannot go green without having run them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

PLUGIN_MIRROR_ENV = "REGENLAB_TF_PLUGIN_MIRROR"
DEFAULT_PLUGIN_MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER = "registry.terraform.io/hashicorp/aws"
MOTO_START_TIMEOUT_S = 30.0
REGION = "us-east-1"
"""The region the moto tests deploy to."""


def missing_tool(reason: str) -> NoReturn:
    """Skip the test for a missing tool, or fail it in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run this test)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/moto-api/", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _wait_for_moto(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + MOTO_START_TIMEOUT_S
    while not _answers(url):
        if process.poll() is not None:
            pytest.fail(f"moto_server exited with {process.returncode}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"moto_server did not answer within {MOTO_START_TIMEOUT_S:.0f} s")
        time.sleep(0.2)


@pytest.fixture
def moto_server(tmp_path: Path) -> Iterator[str]:
    """A moto server on a free port of 127.0.0.1, for this test only; yields its URL."""
    binary = Path(sys.executable).parent / "moto_server"
    if not binary.is_file():
        missing_tool(f"moto_server not found next to {sys.executable} (pip install 'moto[server]')")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "moto_server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out
        )
    try:
        _wait_for_moto(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _plugin_mirror() -> Path:
    mirror = Path(os.environ.get(PLUGIN_MIRROR_ENV) or DEFAULT_PLUGIN_MIRROR)
    if not (mirror / AWS_PROVIDER).is_dir():
        missing_tool(
            f"no {AWS_PROVIDER} provider in the plugin mirror {mirror}; set {PLUGIN_MIRROR_ENV} "
            "to a `terraform providers mirror` folder"
        )
    return mirror


@pytest.fixture
def terraform_cli_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Terraform CLI config that installs the AWS provider from the offline mirror only.

    TF_CLI_CONFIG_FILE points at it for the test. No plugin cache is set (and an inherited one
    is removed): `terraform init` links an unpacked mirror's provider in place, while a cache
    would first copy the ~700 MB binary into it.
    """
    if shutil.which(os.environ.get("REGENLAB_TERRAFORM") or "terraform") is None:
        missing_tool("terraform is not installed (scripts/setup installs it)")
    mirror = _plugin_mirror()
    config = tmp_path / "terraform.rc"
    config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror.as_posix()}"\n'
        f'    include = ["{AWS_PROVIDER}"]\n'
        "  }\n"
        "}\n"
    )
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", str(config))
    monkeypatch.delenv("TF_PLUGIN_CACHE_DIR", raising=False)
    monkeypatch.setenv("CHECKPOINT_DISABLE", "1")
    return config


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials for moto, and no AWS profile or config file of the machine's user."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)

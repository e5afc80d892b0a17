"""Running Terraform for one deployment: its own copy of the modules, its state, its variables.

Each deployment lives in a state folder (default `.regenlab/cloud/<cloud>`): a copy of the
shipped modules (so nothing is written into the installed package, and the provider lock file
stays with the deployment), the local state file, and the variables of the last `up`, which
`plan`, `down`, `run` and `pull` reuse.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from infra._errors import InfraError

Cloud = Literal["gcp", "aws"]
SETTINGS_FILE = "deployment.json"
STATE_FILE = "terraform.tfstate"
TERRAFORM_ENV = "REGENLAB_TERRAFORM"
INSTALL_HINT = "install Terraform >= 1.6 (https://developer.hashicorp.com/terraform/install)"


def find_terraform() -> str:
    """The terraform binary: $REGENLAB_TERRAFORM, else the one on PATH."""
    explicit = os.environ.get(TERRAFORM_ENV)
    if explicit:
        if shutil.which(explicit) is None:
            raise InfraError(f"{TERRAFORM_ENV}={explicit}: not an executable; fix: {INSTALL_HINT}")
        return explicit
    found = shutil.which("terraform")
    if found is None:
        raise InfraError(f"terraform not found on PATH; fix: {INSTALL_HINT}")
    return found


@dataclass(frozen=True)
class Deployment:
    """One deployment of a cloud module: where its state lives and the variables it was given."""

    cloud: Cloud
    state_dir: Path
    variables: dict[str, Any]

    @property
    def config_dir(self) -> Path:
        """The deployment's copy of the module Terraform runs in."""
        return self.state_dir / "config" / self.cloud

    def save(self) -> None:
        """Remember the cloud and variables, for later commands on this state folder."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data = {"cloud": self.cloud, "variables": self.variables}
        (self.state_dir / SETTINGS_FILE).write_text(json.dumps(data, indent=2) + "\n")

    @classmethod
    def load(cls, state_dir: Path) -> Deployment:
        """The deployment of an earlier `experiment cloud up` in this state folder."""
        path = state_dir / SETTINGS_FILE
        if not path.is_file():
            raise InfraError(
                f"{path}: no deployment here; fix: run `experiment cloud up` first, or pass "
                "--state-dir of an existing one"
            )
        data = json.loads(path.read_text())
        return cls(data["cloud"], state_dir, data["variables"])


class Terraform:
    """terraform init / plan / apply / destroy / output on one deployment."""

    def __init__(self, deployment: Deployment, *, binary: str | None = None) -> None:
        self.deployment = deployment
        self.binary = binary or find_terraform()

    def init(self, modules: Path) -> None:
        """Copy the modules into the state folder and initialise the deployment's module."""
        target = self.deployment.state_dir / "config"
        shutil.copytree(
            modules,
            target,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"),
        )
        tfvars = self.deployment.config_dir / "regenlab.auto.tfvars.json"
        tfvars.write_text(json.dumps(self.deployment.variables, indent=2) + "\n")
        state = (self.deployment.state_dir / STATE_FILE).resolve()
        self._run("init", "-input=false", f"-backend-config=path={state}")

    def plan(self, *, detailed_exitcode: bool = False, destroy: bool = False) -> int:
        """Show what `up` (or `down`) would change; with detailed_exitcode, 2 means changes."""
        args = ["plan", "-input=false"]
        args += ["-detailed-exitcode"] if detailed_exitcode else []
        args += ["-destroy"] if destroy else []
        return self._run(*args, allowed=(0, 2) if detailed_exitcode else (0,))

    def apply(self) -> None:
        """Create or update every resource."""
        self._run("apply", "-input=false", "-auto-approve")

    def destroy(self) -> None:
        """Delete every resource of the deployment."""
        self._run("destroy", "-input=false", "-auto-approve")

    def outputs(self) -> dict[str, Any]:
        """The module's outputs, as values."""
        done = subprocess.run(
            [self.binary, f"-chdir={self.deployment.config_dir}", "output", "-json"],
            capture_output=True,
            text=True,
            env=_env(),
            check=False,
        )
        if done.returncode != 0:
            raise InfraError(f"terraform output failed: {_last_line(done.stderr)}")
        return {name: item["value"] for name, item in json.loads(done.stdout or "{}").items()}

    def _run(self, *args: str, allowed: tuple[int, ...] = (0,)) -> int:
        # Terraform's own output goes straight to the terminal: plans are meant to be read.
        command = [self.binary, f"-chdir={self.deployment.config_dir}", *args]
        code = subprocess.run(command, env=_env(), check=False).returncode
        if code not in allowed:
            raise InfraError(
                f"terraform {args[0]} failed (exit {code}) in {self.deployment.config_dir}; "
                "fix: see Terraform's message above"
            )
        return code


def _env() -> dict[str, str]:
    return os.environ | {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"

"""Static checks of the Terraform: formatting, the conventions module's own tests, and checkov."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.terraform_support import offline_terraform_env

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
# checkov lives in its own environment: its bc-python-hcl2 clashes with the project's python-hcl2.
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=(?P<check>[A-Z0-9_]+)(?::(?P<why>.*))?")


def _require(tool: Path | None, reason: str) -> Path:
    """The tool; when it is missing, fail in CI and skip elsewhere."""
    if tool is None or not tool.exists():
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return tool


def _terraform() -> Path:
    found = shutil.which("terraform")
    return _require(Path(found) if found else None, "terraform is not installed")


def _run(
    args: list[str | Path], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_terraform_is_formatted(tmp_path: Path) -> None:
    done = _run(
        [_terraform(), "fmt", "-check", "-recursive", "-diff", TERRAFORM],
        ROOT,
        offline_terraform_env(tmp_path),
    )
    assert done.returncode == 0, f"run `terraform fmt -recursive infra/terraform`:\n{done.stdout}"


def test_conventions_module_passes_its_terraform_tests(tmp_path: Path) -> None:
    terraform = _terraform()
    env = offline_terraform_env(tmp_path)
    # A copy, so that nothing terraform writes lands in the repository.
    module = tmp_path / "conventions"
    shutil.copytree(TERRAFORM / "modules" / "conventions", module)
    done = _run([terraform, "init", "-no-color"], module, env)
    assert done.returncode == 0, done.stderr
    done = _run([terraform, "test", "-no-color"], module, env)
    assert done.returncode == 0, done.stdout + done.stderr
    passed = re.search(r"Success! (\d+) passed, 0 failed", done.stdout)
    assert passed is not None and int(passed.group(1)) >= 10, done.stdout


def test_every_checkov_skip_gives_a_reason() -> None:
    skips = [
        (path.relative_to(ROOT), match)
        for path in sorted(TERRAFORM.rglob("*.tf"))
        for match in SKIP_COMMENT.finditer(path.read_text())
    ]
    for path, match in skips:
        why = (match.group("why") or "").strip()
        assert len(why) >= 20, f"{path}: {match.group('check')} is skipped without a reason"


def test_skip_pattern_catches_a_skip_without_reason() -> None:
    match = SKIP_COMMENT.search('resource "x" "y" {\n  #checkov:skip=CKV_GCP_62\n}')
    assert match is not None and match.group("check") == "CKV_GCP_62"
    assert not (match.group("why") or "").strip()


def _checkov(module: Path) -> dict[str, Any]:
    """checkov's JSON report for one module (external modules are not downloaded)."""
    checkov = _require(CHECKOV, f"{CHECKOV} is missing (scripts/setup makes .venv-checkov)")
    args: list[str | Path] = [checkov, "--directory", module, "--framework", "terraform"]
    args += ["--skip-download", "--output", "json", "--compact"]
    done = _run(args, ROOT, dict(os.environ))
    # checkov exits 1 when a check fails; the report says which.
    assert done.returncode in (0, 1), done.stderr
    report: dict[str, Any] | list[dict[str, Any]] = json.loads(done.stdout)
    return report[0] if isinstance(report, list) else report


@pytest.mark.slow
@pytest.mark.parametrize("cloud", ["gcp", "aws"])
def test_checkov_finds_no_failed_check(cloud: str) -> None:
    module = TERRAFORM / cloud
    assert module.is_dir(), f"{module} is missing"
    report = _checkov(module)
    summary = report["summary"]
    failed = [
        f"{check['check_id']} {check['resource']} ({check['file_path']}): {check['check_name']}"
        for check in report["results"]["failed_checks"]
    ]
    assert not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0
    assert summary["passed"] > 0, "checkov checked nothing"
    for skipped in report["results"]["skipped_checks"]:
        assert (skipped.get("check_result", {}).get("suppress_comment") or "").strip(), skipped

"""Finding promptfoo: the project's own install (scripts/setup puts it in .tools/), an explicit
$REGENLAB_PROMPTFOO, or a `promptfoo` on PATH."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from robustness._errors import ToolMissing

PROJECT_PROMPTFOO = Path(__file__).resolve().parents[1] / ".tools" / "bin" / "promptfoo"
"""Where scripts/setup installs promptfoo (on its own Node 22)."""


def promptfoo_command() -> list[str]:
    """The promptfoo command line to run; ToolMissing names the fix when there is none."""
    given = os.environ.get("REGENLAB_PROMPTFOO")
    if given:
        return [given]
    if PROJECT_PROMPTFOO.is_file() and os.access(PROJECT_PROMPTFOO, os.X_OK):
        return [str(PROJECT_PROMPTFOO)]
    found = shutil.which("promptfoo")
    if found:
        return [found]
    raise ToolMissing(
        "promptfoo is not installed: run scripts/setup (it installs promptfoo 0.123.1 on Node 22 "
        "into .tools/), or set REGENLAB_PROMPTFOO to a promptfoo executable"
    )


def promptfoo_env(home: Path) -> dict[str, str]:
    """The environment for a promptfoo run: telemetry and update checks off, its state under
    `home`, and our virtualenv's Python for the regenlab provider."""
    import sys

    return {
        **os.environ,
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_CONFIG_DIR": str(home),
        "PROMPTFOO_PYTHON": sys.executable,
    }

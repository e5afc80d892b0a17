"""Running Terraform offline in tests: configured only from the test's tmp_path."""

from __future__ import annotations

import os
from pathlib import Path


def offline_terraform_env(tmp_path: Path) -> dict[str, str]:
    """Terraform offline, configured only from tmp_path: no checkpoint call, no user CLI config."""
    config = tmp_path / "terraformrc"
    config.write_text("")
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_DATA_DIR": str(tmp_path / ".terraform"),
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "CHECKPOINT_DISABLE": "1",
    }

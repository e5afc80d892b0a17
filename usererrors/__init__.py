"""What every regenlab package shares about errors: the one root error and its kinds, reading YAML
into typed models safely with each failure as one line that names the file, the field and the
fix, and the mapping of errors to what the command line prints and its exit status.

A leaf: it imports nothing else of ours, and every package may import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from usererrors._cli import FAILED_EXIT, cli_errors, exit_code, one_line
from usererrors._errors import InputError, PrerequisiteError, RegenlabError

if TYPE_CHECKING:
    from usererrors._yaml import (
        MAX_YAML_BYTES,
        MAX_YAML_NODES,
        describe,
        excerpt,
        load_model,
        parse_yaml,
        read_text,
        read_yaml,
        yaml_problem,
    )

# The YAML half loads PyYAML and pydantic: imported on first use, so `experiment --help` stays fast.
_LAZY = {
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "describe",
    "excerpt",
    "load_model",
    "parse_yaml",
    "read_text",
    "read_yaml",
    "yaml_problem",
}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'usererrors' has no attribute {name!r}")
    from usererrors import _yaml

    return getattr(_yaml, name)


__all__ = [
    "FAILED_EXIT",
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "InputError",
    "PrerequisiteError",
    "RegenlabError",
    "cli_errors",
    "describe",
    "excerpt",
    "exit_code",
    "load_model",
    "one_line",
    "parse_yaml",
    "read_text",
    "read_yaml",
    "yaml_problem",
]

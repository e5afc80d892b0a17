"""What every regenlab package shares about bad input: reading YAML into typed models safely, with
each failure as one line that names the file, the field and the fix.

A leaf: it imports nothing else of ours.
"""

from __future__ import annotations

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

__all__ = [
    "MAX_YAML_BYTES",
    "MAX_YAML_NODES",
    "describe",
    "excerpt",
    "load_model",
    "parse_yaml",
    "read_text",
    "read_yaml",
    "yaml_problem",
]

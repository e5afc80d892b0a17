"""The `experiment` command line, a thin top floor: each command parses its options, calls one
library function and prints what it returns (the printers live in `experiments._printers`; the
one mapping of errors to exit codes is `usererrors.cli_errors`).

Heavy modules (pydantic models, LangChain, llama.cpp) are imported inside commands, so that
`experiment --help` answers at once.
"""

from __future__ import annotations

import importlib

from experiments.cli._app import app
from experiments.cli._labs import register_labs

# Each command module registers its commands on `app` when imported; `--help` lists them in this
# order.
for _module in ("_run", "_analyze", "_tasks", "_models"):
    importlib.import_module(f"experiments.cli.{_module}")
register_labs(app)

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()

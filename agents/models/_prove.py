"""`python -m agents.models._prove`: scripts/setup's proof that the llama.cpp it built runs here.

One line: the CPU build and a test generation's speed; exit code 1, with the reason and the fix,
when it cannot run here.
"""

from __future__ import annotations

import sys

from agents._errors import PrerequisiteError
from agents.models._build import ProbeFailed, probe, recorded_build
from agents.models._cpu import built_for
from agents.models._local import model_path


def main() -> int:
    """scripts/setup's proof of the build: one line, exit code 1 when it cannot run here."""
    built = recorded_build()
    label = built_for(built).label if built else "its default flags"
    try:
        result = probe(model_path("gemma-3-270m"))
    except PrerequisiteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ProbeFailed as exc:
        print(
            f"error: llama.cpp built for {label} failed a test generation: {exc}", file=sys.stderr
        )
        return 1
    print(
        f"llama.cpp built for {label}; a test generation ran "
        f"(gemma-3-270m, {result.tokens} tokens in {result.seconds:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

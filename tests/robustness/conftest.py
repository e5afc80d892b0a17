from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from robustness import ToolMissing, promptfoo_command

SUITES = Path(__file__).resolve().parents[2] / "robustness" / "suites"
TRIAGE = SUITES / "support-triage.yaml"


@pytest.fixture
def promptfoo() -> list[str]:
    """The promptfoo command (required in CI, skipped elsewhere when scripts/setup has not
    installed it)."""
    try:
        return promptfoo_command()
    except ToolMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the promptfoo round trip: {exc}")
        pytest.skip(str(exc))


TINY_SUITE = """\
name: tiny
model: mock/none
prompts:
  - id: ask
    system: |
      You sort questions into topics.

      Topics:
      - billing: money, invoices, prices
      - tech: bugs, errors, crashes

      Answer: reply with the topic only, one word.
    user: "Question: {{q}}"
output:
  kind: label
  labels: [billing, tech]
cases:
  - {id: c1, vars: {q: "Why was I charged twice?"}, expect: {label: billing}}
  - {id: c2, vars: {q: "The app crashes on start."}, expect: {label: tech}}
  - {id: c3, vars: {q: "Can I get an invoice?"}, expect: {label: billing}}
  - {id: c4, vars: {q: "I see error 500."}, expect: {label: tech}}
variants:
  seeds: 2
  families: [format, structure, length, noise, dir]
  auto_controls: 1
profiles:
  quick: {repeats: 2, cases_per_variant: 2, seeds: 1, max_variants: 8}
"""


@pytest.fixture
def tiny_suite(tmp_path: Path) -> Path:
    """A small label-classification suite (4 cases) for the fast tier."""
    path = tmp_path / "robustness.yaml"
    path.write_text(TINY_SUITE, encoding="utf-8")
    return path


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path

"""The promptfoo round trip with promptfoo itself: export, `promptfoo eval`, import; promptfoo's
pass/fail on each test must equal ours on the same replies."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from robustness import export_promptfoo, import_promptfoo
from robustness._tool import promptfoo_env
from tests.robustness.conftest import write

pytestmark = pytest.mark.slow

JSON_SUITE = """\
name: extract
prompts:
  - id: pick
    system: "Extract the fields. Reply with JSON."
    user: "Text: {{text}}"
output:
  kind: json
cases:
  - {id: a, vars: {text: one}, expect: {name: Ada, order_id: null}}
  - {id: b, vars: {text: two}, expect: {name: Bo, n: 2}}
  - id: c
    vars: {text: three}
    assert:
      - {type: json-field, field: meta.ok, value: true}
      - {type: contains-json}
      - {type: icontains, value: ADA}
      - {type: not-regex, value: "^Sorry"}
  - id: d
    vars: {text: four}
    assert:
      - {type: is-json, value: {type: object, required: [name]}}
      - {type: python, value: "len(output) > 5"}
      - {type: starts-with, value: "{"}
variants:
  seeds: 1
  families: [format, noise]
profiles:
  quick: {repeats: 1, cases_per_variant: 4, seeds: 1, max_variants: 2}
"""

REPLIES = [
    '{"name": "Ada", "order_id": null}',
    'Sure:\n```json\n{"name": "Bo", "n": 2.0}\n```',
    '{"name": "Ada", "order_id": "null"}',
    '{"meta": {"ok": true}, "name": "ada"}',
    '{"meta": {"ok": 1}}',
    "Sorry, I cannot.",
    '{"name": "Bo", "n": "2"} and more text {"x": 1}',
    '[{"name": "Ada"}]',
    "{broken json",
    '  {"name": "Ada"}  ',
    '```\n{"name": "Bo", "n": 2}\n```',
    '{"order_id": null, "name": "Ada", "extra": [1, {"a": null}]}',
]
"""Replies that probe the edges of our checks: fences, null against "null", 1 against true,
numbers against strings, arrays, broken JSON, spaces around JSON."""


def _eval(promptfoo: list[str], config: Path, results: Path, home: Path) -> None:
    command = [*promptfoo, "eval", "-c", str(config), "-o", str(results), "--no-cache"]
    command += ["--no-table", "--no-progress-bar", "--no-write"]
    done = subprocess.run(
        command, env=promptfoo_env(home), capture_output=True, text=True, timeout=600, check=False
    )
    # promptfoo exits 100 when some test failed: that is a result, not an error.
    assert done.returncode in (0, 100), done.stdout[-2000:] + done.stderr[-2000:]
    assert results.is_file(), done.stdout[-2000:]


def test_promptfoos_verdicts_equal_ours_on_edge_case_replies(
    promptfoo: list[str], tmp_path: Path
) -> None:
    suite = write(tmp_path / "robustness.yaml", JSON_SUITE)
    script = tmp_path / "replies.yaml"
    script.write_text(yaml.safe_dump(REPLIES * 20), encoding="utf-8")
    out = tmp_path / "export"
    made = export_promptfoo(suite, out=out, model=f"mock/{script}")
    results = out / "results.json"
    _eval(promptfoo, made.config, results, tmp_path / "home")
    imported = import_promptfoo(results, out=tmp_path / "imported", resamples=200)
    agreement = imported.agreement
    assert agreement.compared == made.tests and agreement.not_comparable == 0
    assert agreement.agreed == agreement.compared, agreement.disagreements
    rows = [
        json.loads(line)
        for line in (Path(imported.folder) / "results.jsonl").read_text().splitlines()
    ]
    verdicts = {r["passed"] for r in rows}
    assert verdicts == {True, False}, "the replies both pass and fail checks"


def test_the_round_trip_on_the_embedded_model(
    promptfoo: list[str], tiny_suite: Path, tmp_path: Path
) -> None:
    """A handful of real calls: the 0.5B model, four output tokens, the tiny label suite."""
    text = tiny_suite.read_text(encoding="utf-8").replace(
        "model: mock/none", "model: local/qwen2.5-coder-0.5b"
    )
    text = text.replace("max_variants: 8", "max_variants: 4")
    tiny_suite.write_text(text + "generation: {max_output_tokens: 4}\n", encoding="utf-8")
    out = tmp_path / "export"
    made = export_promptfoo(tiny_suite, out=out)
    assert made.tests <= 16
    results = out / "results.json"
    _eval(promptfoo, made.config, results, tmp_path / "home")
    imported = import_promptfoo(results, out=tmp_path / "imported", resamples=200)
    agreement = imported.agreement
    assert agreement.compared == made.tests
    assert agreement.agreed == agreement.compared, agreement.disagreements
    rows = [
        json.loads(line)
        for line in (Path(imported.folder) / "results.jsonl").read_text().splitlines()
    ]
    assert all(r["source"] == "promptfoo" and r["output"] for r in rows)
    report = (Path(imported.folder) / "report.md").read_text(encoding="utf-8")
    assert "Nominal pass rate" in report

"""The bundled classification suite on the embedded model, end to end: the quick profile through
`experiment robustness run`, then the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from experiments.cli import app
from tests.robustness.conftest import TRIAGE

# About 30 calls of the 1.5B model: 2-3 minutes on 2 free cores; a shared machine may take
# several times longer, hence the wider timeout.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def test_the_triage_suite_on_the_embedded_model(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["robustness", "run", str(TRIAGE), "--profile", "quick", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "nominal" in result.output and "report:" in result.output
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["errors"] == 0
    nominal = metrics["nominal"]["triage"]
    assert nominal["n"] == 6 and nominal["low"] is not None
    noise = metrics["noise"]["triage"]
    assert noise["repeats"] == 2 and noise["self_drop"] is not None
    families = {r["family"] for r in metrics["families"]}
    assert families == {"format", "structure", "length", "noise"}
    for row in metrics["families"]:
        assert row["pdr"]["n"] >= 1 and row["p_holm"] is not None
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert all(r["output"] for r in records), "the model answered every call"
    assert any(r["passed"] for r in records), "the 1.5B model gets some cases right"
    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in (
        "Read this first",
        "Nominal pass rate",
        "Noise floor",
        "Drop per family",
        "The most fragile cases",
    ):
        assert heading in report
    assert (out / "drops-triage.png").stat().st_size > 10_000

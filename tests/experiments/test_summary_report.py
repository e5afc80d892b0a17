"""The experiment summary over several trials made with scripted mock models (test doubles)."""

from __future__ import annotations

import base64
import json
import re
import shutil
from pathlib import Path
from statistics import fmean

import pytest
import yaml
from typer.testing import CliRunner

from agents.models import MockModel
from experiments import (
    ExperimentsError,
    RunDir,
    TrialResult,
    experiment_report,
    run_trials,
    write_experiment_report,
)
from experiments.cli import app
from experiments.reports import SummaryFiles, write_reports
from experiments.reports._plots import write_plots
from experiments.reports._summary import (
    JOURNAL_KEYS,
    NO_INTERVAL,
    ORIGINAL,
    ExperimentSummary,
    fmt_summary,
    summarize,
)
from tests.experiments.conftest import BUNDLED_TASK

SCRIPTS = Path(__file__).with_name("scripts")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BROKEN = "zz-broken-run"
KILLED = "zz-killed-run"


def _faithful_script() -> list[dict[str, object]]:
    """A regenerator that writes back the scripted builder's module: fidelity 1."""
    builder = yaml.safe_load((SCRIPTS / "builder.yaml").read_text())["outputs"]
    write = next(o for o in builder if o["tool_calls"][0]["name"] == "write_file")
    return [
        {"tool_calls": [{"name": "list_files", "arguments": {}}]},
        write,
        {"tool_calls": [{"name": "done", "arguments": {"summary": "rebuilt lru_ttl.py"}}]},
    ]


def _regenerator(faithful_arms: set[str]):
    lossy = yaml.safe_load((SCRIPTS / "regenerator.yaml").read_text())["outputs"]

    def make(arm: str) -> MockModel:
        return MockModel("regenerator", _faithful_script() if arm in faithful_arms else lossy)

    return make


def make_runs(root: Path) -> Path:
    """Three completed trials x two arms (journal lossy twice, prompt always faithful), one run
    that ended in an error and one killed before results.json."""
    task = shutil.copytree(BUNDLED_TASK, root / "tasks" / BUNDLED_TASK.name)
    out = root / "runs"
    builder = f"mock/{SCRIPTS / 'builder.yaml'}"
    lossy_journal = _regenerator({"prompt"})
    run_trials(task, builder_model=builder, regenerator_model=lossy_journal, trials=2, out=out)
    run_trials(
        task,
        builder_model=builder,
        regenerator_model=_regenerator({"journal", "prompt"}),
        seed=2,
        out=out,
    )
    first = sorted(out.iterdir())[0]
    broken = out / BROKEN
    broken.mkdir()
    shutil.copy(first / RunDir.RUN, broken / RunDir.RUN)
    result = json.loads((first / RunDir.RESULTS).read_text())
    result.update(run_id=BROKEN, status="error", error="ModelError: scripted failure")
    (broken / RunDir.RESULTS).write_text(json.dumps(result))
    (out / KILLED).mkdir()
    shutil.copy(first / RunDir.RUN, out / KILLED / RunDir.RUN)
    # Killed on the way: its checkpoint holds the steps done, but there is no results.json.
    shutil.copy(first / RunDir.CHECKPOINT, out / KILLED / RunDir.CHECKPOINT)
    # A codebase may write any file: a results.json inside a run directory is not a run.
    (first / "original" / RunDir.RESULTS).write_text("{not json")
    return out


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs(tmp_path_factory.mktemp("summary"))


@pytest.fixture(scope="module")
def summary(runs: Path) -> ExperimentSummary:
    return experiment_report(runs)


@pytest.fixture(scope="module")
def files(runs: Path) -> SummaryFiles:
    return write_experiment_report(runs)


def _trials(runs: Path) -> list[TrialResult]:
    results = [TrialResult.model_validate_json(p.read_text()) for p in runs.glob("*/results.json")]
    return [r for r in results if r.status == "completed"]


def test_one_group_of_three_trials(summary: ExperimentSummary) -> None:
    [group] = summary.groups
    assert group.n == 3 and summary.n_trials == 3
    assert group.arms == ["journal", "prompt"]
    assert set(group.columns) == {ORIGINAL, "journal", "prompt"}
    for column in group.columns.values():
        for metric in column.values():
            assert metric.estimate is not None and metric.estimate.n == 3
    assert not summary.few_trials


def test_means_are_the_means_of_the_trials(runs: Path, summary: ExperimentSummary) -> None:
    trials = _trials(runs)
    [group] = summary.groups
    for arm in ("journal", "prompt"):
        expected = {
            "pass_rate": [t.pass_rates[arm] for t in trials],
            "fidelity": [t.fidelity[arm] or 0.0 for t in trials],
            "text_similarity": [t.headlines[arm]["text_similarity"] or 0.0 for t in trials],
        }
        if arm == "journal":
            expected["compression"] = [t.headlines[arm]["compression"] or 0.0 for t in trials]
        for key, values in expected.items():
            estimate = group.columns[arm][key].estimate
            assert estimate is not None
            assert estimate.mean == pytest.approx(fmean(values)), (arm, key)
    original = group.columns[ORIGINAL]["pass_rate"].estimate
    assert original is not None
    assert original.mean == pytest.approx(fmean(t.pass_rates["original"] for t in trials))
    journal = group.columns["journal"]["fidelity"].estimate
    assert journal is not None and journal.mean == pytest.approx((0.4 + 0.4 + 1.0) / 3)


def test_intervals_for_n_of_at_least_two(summary: ExperimentSummary) -> None:
    [group] = summary.groups
    journal = group.columns["journal"]["fidelity"].estimate
    assert journal is not None and journal.low is not None and journal.high is not None
    assert journal.low <= journal.mean <= journal.high and journal.low < journal.high


def test_paired_difference_on_the_same_builder_output(summary: ExperimentSummary) -> None:
    [group] = summary.groups
    difference = group.differences["fidelity"]["journal - prompt"]
    assert difference.n == 3 and difference.mean == pytest.approx((-0.6 - 0.6 + 0.0) / 3)
    assert "journal - prompt" in group.differences["pass_rate"]


def test_a_single_trial_has_no_interval_and_a_warning(runs: Path) -> None:
    single = experiment_report(sorted(runs.iterdir())[0])
    [group] = single.groups
    metric = group.columns["journal"]["fidelity"]
    assert metric.estimate is not None and metric.estimate.low is None
    assert NO_INTERVAL in fmt_summary(metric, "ratio")
    assert any("fewer than 3" in w for w in single.warnings)


def test_undefined_values_are_counted_not_averaged() -> None:
    metric = summarize({"a": 0.5, "b": None, "c": 0.7})
    assert metric.undefined == ["b"] and metric.estimate is not None
    assert metric.estimate.n == 2 and metric.estimate.mean == pytest.approx(0.6)
    assert fmt_summary(metric, "ratio").endswith("; 1 undefined")
    assert fmt_summary(summarize({"a": None}), "ratio") == "undefined; 1 undefined"


def test_runs_not_completed_are_listed_and_left_out(
    summary: ExperimentSummary, files: SummaryFiles
) -> None:
    statuses = {r.run_id: r.status for r in summary.not_completed}
    assert statuses == {BROKEN: "error", KILLED: "no results"}
    assert BROKEN not in summary.groups[0].run_ids
    for text in (files.html.read_text(), files.markdown.read_text()):
        assert BROKEN in text and KILLED in text and "not completed: error" in text


def test_pngs_are_written_valid_and_deterministic(
    summary: ExperimentSummary, files: SummaryFiles, tmp_path: Path
) -> None:
    plots = [files.fidelity_by_arm, files.pass_rates, files.fidelity_vs_journal]
    plots.append(files.cost_per_trial)
    again = write_plots(summary, tmp_path)
    for path, second in zip(plots, again, strict=True):
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000, path
        assert b"Matplotlib" not in data, "no software/version metadata in the image"
        assert second.read_bytes() == data, f"{path.name} is not deterministic"


def test_html_is_self_contained_with_embedded_plots(files: SummaryFiles) -> None:
    html = files.html.read_text()
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(uris) == 4
    assert base64.b64decode(uris[0]) == files.fidelity_by_arm.read_bytes()
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(script|link)\b", html)
    assert "<table>" in html and "journal - prompt" in html


def test_markdown_links_the_pngs(files: SummaryFiles) -> None:
    markdown = files.markdown.read_text()
    for path in list(files)[2:]:
        assert f"]({path.name})" in markdown
    assert "| fidelity (regenerated ÷ original pass rate) | — | 0.60 [" in markdown


def test_notes_are_shown_prominently(files: SummaryFiles) -> None:
    html = files.html.read_text()
    notes = html.index("Read these notes first")
    assert notes < html.index("G1: lru-ttl-cache")
    assert "replays a script: a test double, not a model result" in html
    assert "replays a script" in files.markdown.read_text()


def test_journal_metrics_only_for_arms_given_the_journal(
    summary: ExperimentSummary, files: SummaryFiles
) -> None:
    [group] = summary.groups
    assert JOURNAL_KEYS <= set(group.columns["journal"])
    assert not JOURNAL_KEYS & set(group.columns["prompt"]), "the prompt arm never saw the journal"
    markdown = files.markdown.read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| leakage"))
    original, journal, prompt = (cell.strip() for cell in row.split("|")[2:-1])
    assert (original, prompt) == ("—", "—") and journal.startswith("0% [")
    assert "given only for the arms whose regenerator was given the journal" in markdown


def _copy_run(runs: Path, to: Path, name: str, *drop: str) -> Path:
    """A copy of the first completed run, named `name`, without the files in `drop`."""
    first = next(p for p in sorted(runs.iterdir()) if (p / RunDir.RESULTS).is_file())
    copy = shutil.copytree(first, to / name, ignore=shutil.ignore_patterns(*drop))
    return copy


def test_why_a_run_has_no_results(runs: Path, tmp_path: Path) -> None:
    _copy_run(runs, tmp_path, "never-started", RunDir.RESULTS, RunDir.CHECKPOINT)
    _copy_run(runs, tmp_path, "killed", RunDir.RESULTS)
    _copy_run(runs, tmp_path, "raised", RunDir.RESULTS, RunDir.CHECKPOINT)
    status = {"errors": {"raised": "UnknownModelError: unknown provider 'nosuch'"}}
    (tmp_path / "status.json").write_text(json.dumps(status))
    reasons = {
        r.run_id: (r.status, r.error or "") for r in experiment_report(tmp_path).not_completed
    }
    assert reasons["raised"] == ("error", "UnknownModelError: unknown provider 'nosuch'")
    assert reasons["never-started"][0] == "not started"
    assert "experiment resume" not in reasons["never-started"][1]
    assert reasons["killed"][0] == "no results" and "experiment resume" in reasons["killed"][1]


def test_no_completed_trial_is_an_error_naming_the_reasons(runs: Path, tmp_path: Path) -> None:
    for name in (BROKEN, KILLED):
        shutil.copytree(runs / name, tmp_path / name)
    with pytest.raises(ExperimentsError, match=r"2 run\(s\) did not complete") as caught:
        write_reports(tmp_path)
    assert "ModelError: scripted failure" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "summary.md").exists(), "no empty summary is written"
    result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "scripted failure" in result.output
    assert "Traceback" not in result.output


def test_a_missing_or_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExperimentsError, match="not a folder"):
        experiment_report(tmp_path / "nope")
    with pytest.raises(ExperimentsError, match="no run directory found"):
        write_reports(tmp_path)

"""Trial keys: unique for long model names, unchanged for short ones, old dirs still resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from experiments import (
    ExperimentDir,
    ExperimentsError,
    RunConfig,
    RunDir,
    TrialJob,
    TrialResult,
    expand,
    load_experiment,
    new_experiment_dir,
    run_experiment,
)
from experiments._results_log import ResultsLog
from tests.experiments.test_matrix import TASKS, rows, spec_file

QWEN = "openai-compatible/Qwen/Qwen2.5-Coder-32B-Instruct"


def keys_of(tmp_path: Path, models: list[object]) -> list[str]:
    path = spec_file(tmp_path, tasks=TASKS[:1], trials=1, models=models)
    return [job.key for job in expand(load_experiment(path), tmp_path)]


def test_two_long_names_that_share_a_start_get_two_keys(tmp_path: Path) -> None:
    first, second = keys_of(tmp_path, [QWEN, QWEN + "-AWQ"])
    assert first != second
    assert "Qwen2.5-Coder-32B-Instruct-AWQ" in second  # still readable
    assert all(len(part) <= 40 for part in second.split("--"))


def test_short_names_keep_the_keys_they_always_had(tmp_path: Path) -> None:
    [key] = keys_of(tmp_path, ["openai/gpt-4.1"])
    assert key == "lru-ttl-cache--openai-gpt-4.1--openai-gpt-4.1--structured--none--trial1"


def test_a_repeated_entry_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExperimentsError, match="two trials would share the run directory"):
        keys_of(tmp_path, ["openai/gpt-4.1", "openai/gpt-4.1"])


@pytest.mark.parametrize("same_models", [True, False])
def test_a_dir_named_by_an_old_cut_key_is_picked_up_again(
    tmp_path: Path, same_models: bool
) -> None:
    path = spec_file(tmp_path, tasks=TASKS[:1], trials=1)
    folder = new_experiment_dir(path, tmp_path / "runs")
    assert run_experiment(folder).done == 1
    [job] = expand(load_experiment(folder / "experiment.yaml"), folder)
    assert job.old_key is not None  # the mock script's path is longer than 40 characters
    # Make it look like a dir from before keys got a hash: the old key on the dir and the rows.
    (folder / job.key).rename(folder / job.old_key)
    results = folder / ExperimentDir.RESULTS_LOG
    results.write_text(results.read_text().replace(job.key, job.old_key))
    if not same_models:  # a cut key another model shared: that dir is not this trial's
        run_file = folder / job.old_key / RunDir.RUN
        run = yaml.safe_load(run_file.read_text())
        run["config"]["builder_model"] = "openai/another-model"
        run_file.write_text(yaml.safe_dump(run))
    again = run_experiment(folder)
    assert (again.skipped, again.done) == ((1, 0) if same_models else (0, 1))
    assert len(rows(folder)) == (2 if same_models else 4)


def a_result(tmp_path: Path) -> tuple[TrialJob, TrialResult]:
    config = RunConfig(task=Path(TASKS[0]))
    job = TrialJob("k2", config, "lru-ttl-cache", 1)
    result = TrialResult.model_validate(
        {
            "run_id": "k2",
            "run_dir": str(tmp_path / "k2"),
            "task": "lru-ttl-cache",
            "status": "completed",
            "models": {"builder": "mock/b", "regenerator": "mock/r"},
            "arms": ["journal"],
            "journal_style": "structured",
            "code_policy": "none",
            "started_at": "2025-01-01T00:00:00Z",
        }
    )
    return job, result


def test_a_torn_last_line_is_skipped_and_not_glued_to_the_next(tmp_path: Path) -> None:
    path = tmp_path / ExperimentDir.RESULTS_LOG
    whole = json.dumps({"key": "k1", "arm": "journal"})
    path.write_text(whole + "\n" + '{"key": "k1", "arm": "pro')  # killed mid-write
    log = ResultsLog(path)
    assert log.keys() == {("k1", "journal")}
    assert log.append(*a_result(tmp_path)) == 1
    assert log.keys() == {("k1", "journal"), ("k2", "journal")}
    lines = path.read_text().splitlines()
    assert len(lines) == 3 and json.loads(lines[2])["key"] == "k2"


def test_an_append_sees_the_rows_another_writer_added_since(tmp_path: Path) -> None:
    path = tmp_path / ExperimentDir.RESULTS_LOG
    job, result = a_result(tmp_path)
    ours, theirs = ResultsLog(path), ResultsLog(path)  # two processes on one experiment
    path.write_text(json.dumps({"key": "k1", "arm": "journal"}) + "\n")
    assert ours.append(TrialJob("k1", job.config, "lru-ttl-cache", 1), result) == 0
    assert theirs.append(job, result) == 1
    assert ours.append(job, result) == 0  # read since its last look: not written twice
    assert [json.loads(line)["key"] for line in path.read_text().splitlines()] == ["k1", "k2"]


def test_a_log_replaced_since_the_last_append_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / ExperimentDir.RESULTS_LOG
    job, result = a_result(tmp_path)
    log = ResultsLog(path)
    assert log.append(job, result) == 1
    assert log.append(job, result) == 0  # it has now read its own row
    # Replaced by hand with a longer log that lacks the row: the row is written again.
    other = tmp_path / "other.jsonl"
    other.write_text((json.dumps({"key": "k1", "arm": "journal", "pad": "x" * 2000}) + "\n") * 3)
    other.replace(path)
    assert log.append(job, result) == 1
    assert log.keys() == {("k1", "journal"), ("k2", "journal")}

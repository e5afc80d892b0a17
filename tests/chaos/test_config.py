"""chaos.yaml: the bundled experiments load, rates expand, and bad files are one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos import BUNDLED, BUNDLED_PIPELINE, ChaosConfigError, load_config, load_pipeline_chaos
from chaos._config import EXPERIMENTS_DIR
from chaos._experiment import narrow


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chaos.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
name: t
agents: [{name: h, kind: heuristic}]
method:
  faults: [{kind: js_off}]
"""


def test_every_bundled_experiment_loads() -> None:
    for path in EXPERIMENTS_DIR.glob("*.yaml"):
        if path == BUNDLED_PIPELINE:
            assert load_pipeline_chaos(path).faults
        else:
            assert load_config(path).method.faults


def test_the_bundled_web_experiment_covers_the_catalogue() -> None:
    kinds = {fault.kind_name for fault in load_config(BUNDLED).method.faults}
    browser_network_page_tool = {
        "js_off",
        "cookies_blocked",
        "storage_cleared",
        "offline",
        "latency",
        "http_error",
        "network_error",
        "truncated_body",
        "popup",
        "renamed_ids",
        "action_timeout",
        "action_exception",
        "stale_observation",
    }
    assert browser_network_page_tool <= kinds


def test_a_list_of_schedules_is_one_fault_per_rate(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "[{kind: js_off}]",
        "[{kind: http_error, schedule: [{probability: 0.2}, {probability: 0.5}]}]",
    )
    names = [f.name for f in load_config(write(tmp_path, text)).method.faults]
    assert names == ["http_error 503 p=0.2", "http_error 503 p=0.5"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("kind: js_off", "kind: js_of"), ["field 'method.faults.0'", "fix:"]),
        (("kind: heuristic", "kind: robot"), ["field 'agents.0.kind'", "fix:"]),
        (
            ("faults: [{kind: js_off}]", "faults: [{kind: js_off, schedule: {first: 1}}]"),
            ["js_off holds for a whole episode"],
        ),
        (("name: t", "name: T T"), ["field 'name'"]),
        (("method:", "steady_state: {agents: [nobody]}\nmethod:"), ["unknown agent", "nobody"]),
    ],
)
def test_a_bad_field_is_one_line_naming_it(
    tmp_path: Path, change: tuple[str, str], words: list[str]
) -> None:
    with pytest.raises(ChaosConfigError) as caught:
        load_config(write(tmp_path, MINIMAL.replace(*change)))
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path) in message
    assert all(word in message for word in words), message


def test_web_and_pipeline_files_are_not_mixed_up(tmp_path: Path) -> None:
    with pytest.raises(ChaosConfigError, match="experiment run TASK --chaos"):
        load_config(BUNDLED_PIPELINE)
    with pytest.raises(ChaosConfigError, match="target: pipeline"):
        load_pipeline_chaos(BUNDLED)


def test_narrowing_keeps_only_what_is_named() -> None:
    spec = narrow(load_config(BUNDLED), tasks=["deal-code"], faults=["js_off"], agents=["oracle"])
    assert spec.method.tasks == ["deal-code"]
    assert [f.kind_name for f in spec.method.faults] == ["js_off"]
    assert [a.name for a in spec.method_agents] == ["oracle"]
    with pytest.raises(ChaosConfigError, match="--faults"):
        narrow(load_config(BUNDLED), faults=["no_such_fault"])
    with pytest.raises(ChaosConfigError, match="unknown task"):
        narrow(load_config(BUNDLED), tasks=["no-such-task"])

"""`--executor ray`: trials as Ray tasks on a local head give the in-process executor's results."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
import yaml

from experiments import RunDir, new_experiment_dir, run_experiment

SCRIPTS = Path(__file__).with_name("scripts")
TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"

if importlib.util.find_spec("ray") is None:
    if os.environ.get("CI"):
        pytest.fail("CI must test the Ray executor: pip install 'regenlab[ray]'")
    pytest.skip("Ray is not installed (pip install 'regenlab[ray]')", allow_module_level=True)


def experiment(tmp_path: Path, name: str) -> Path:
    spec = {
        "name": name,
        "tasks": [str(TASK)],
        "models": [
            {
                "builder": f"mock/{SCRIPTS / 'builder.yaml'}",
                "regenerator": f"mock/{SCRIPTS / 'regenerator.yaml'}",
            }
        ],
        "arms": ["journal", "prompt"],
        "trials": 2,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return new_experiment_dir(path, tmp_path / name)


def table(folder: Path) -> list[tuple[object, ...]]:
    rows = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    keep = ("key", "arm", "original_pass_rate", "regenerated_pass_rate", "fidelity", "leakage")
    return sorted(tuple(row.get(k) for k in keep) for row in rows)


def test_ray_gives_the_same_results_as_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ray

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    local = experiment(tmp_path, "local")
    in_process = run_experiment(local, max_concurrency=2)
    assert in_process.done == 2, in_process.errors
    distributed = experiment(tmp_path, "ray")
    try:
        progress = run_experiment(distributed, max_concurrency=2, executor="ray")
    finally:
        ray.shutdown()
    assert progress.done == 2 and not progress.failed, progress.errors
    assert table(distributed) == table(local)
    run_dirs = sorted(p.name for p in distributed.iterdir() if (p / RunDir.RESULTS).is_file())
    assert len(run_dirs) == 2 and all((distributed / d / "report.html").is_file() for d in run_dirs)

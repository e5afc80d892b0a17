"""Sharding a trial matrix over Cloud Run Job tasks: every trial runs once, shards stay even."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from experiments import Shard, shard_items
from infra import InfraError
from infra._task import load_secret_files, task_place


@pytest.mark.parametrize("count", [1, 2, 3, 7, 10, 40])
def test_every_item_lands_in_exactly_one_shard_and_sizes_differ_by_at_most_one(
    count: int,
) -> None:
    items = [f"trial-{n}" for n in range(23)]
    shards = [shard_items(items, Shard(index=i, count=count)) for i in range(count)]
    dealt = [item for shard in shards for item in shard]
    assert sorted(dealt) == sorted(items)
    assert len(dealt) == len(set(dealt))
    sizes = [len(shard) for shard in shards]
    assert max(sizes) - min(sizes) <= 1


def test_the_deal_depends_only_on_the_order_of_the_matrix() -> None:
    items = list(range(10))
    assert shard_items(items, Shard(index=1, count=3)) == [1, 4, 7]
    assert shard_items(items, Shard(index=1, count=3)) == shard_items(
        list(range(10)), Shard(index=1, count=3)
    )
    assert shard_items(items, None) == items


def test_cells_of_one_task_are_spread_over_the_shards() -> None:
    # Matrix order: task a's three trials, then task b's; two shards each get both tasks.
    items = ["a1", "a2", "a3", "b1", "b2", "b3"]
    first, second = (shard_items(items, Shard(index=i, count=2)) for i in range(2))
    assert {item[0] for item in first} == {item[0] for item in second} == {"a", "b"}


def test_a_shard_index_must_be_below_the_count() -> None:
    with pytest.raises(ValidationError, match="not below count"):
        Shard(index=3, count=3)
    with pytest.raises(ValidationError):
        Shard(index=0, count=0)


def test_labels_sort_in_shard_order() -> None:
    labels = [Shard(index=i, count=12).label for i in range(12)]
    assert labels[0] == "shard-001-of-012"
    assert labels == sorted(labels)


def test_the_task_reads_its_place_from_cloud_run() -> None:
    place = task_place(
        {"CLOUD_RUN_TASK_INDEX": "4", "CLOUD_RUN_TASK_COUNT": "5", "CLOUD_RUN_EXECUTION": "job-x"}
    )
    assert place.shard == Shard(index=4, count=5)
    assert place.execution == "job-x"


def test_outside_cloud_run_it_is_the_only_shard() -> None:
    place = task_place({})
    assert place.shard == Shard(index=0, count=1)
    assert place.execution.startswith("local-")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLOUD_RUN_TASK_INDEX": "5", "CLOUD_RUN_TASK_COUNT": "5"}, "must be in 0..count-1"),
        ({"CLOUD_RUN_TASK_INDEX": "x"}, "CLOUD_RUN_TASK_INDEX='x' is not an integer"),
        ({"CLOUD_RUN_TASK_COUNT": "0"}, "must be in 0..count-1"),
    ],
)
def test_a_broken_cloud_run_environment_is_one_line(env: dict[str, str], message: str) -> None:
    with pytest.raises(InfraError, match=message) as caught:
        task_place(env)
    assert "\n" not in str(caught.value) and "fix:" in str(caught.value)


def test_a_gke_pod_reads_its_place_from_the_indexed_job() -> None:
    env = {"JOB_COMPLETION_INDEX": "2", "REGENLAB_TASK_COUNT": "3", "REGENLAB_EXECUTION": "job-y"}
    place = task_place(env)
    assert place.shard == Shard(index=2, count=3)
    assert place.execution == "job-y"


def test_a_broken_gke_environment_names_the_gke_variables() -> None:
    with pytest.raises(InfraError, match="JOB_COMPLETION_INDEX=3 with REGENLAB_TASK_COUNT=3"):
        task_place({"JOB_COMPLETION_INDEX": "3", "REGENLAB_TASK_COUNT": "3"})


def test_api_keys_mounted_as_files_become_variables(tmp_path: Path) -> None:
    (tmp_path / "ANTHROPIC_API_KEY").write_text("sk-ant-from-file\n")
    (tmp_path / "OPENAI_API_KEY").write_text("sk-from-file")
    (tmp_path / "UNRELATED").write_text("not read")
    env = {"REGENLAB_SECRETS_DIR": str(tmp_path), "OPENAI_API_KEY": "set-by-hand"}
    assert load_secret_files(env) == ["ANTHROPIC_API_KEY"]
    assert env["ANTHROPIC_API_KEY"] == "sk-ant-from-file"
    assert env["OPENAI_API_KEY"] == "set-by-hand"
    assert "UNRELATED" not in env
    assert load_secret_files({}) == []

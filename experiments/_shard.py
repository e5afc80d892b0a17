"""Shards of a trial matrix: shard i of n runs every n-th trial, so n machines split one experiment.

Trials are dealt round-robin in matrix order. The matrix lists a cell's trials next to each other
and cells of one task next to each other, so dealing them out spreads every task and every model
across the shards instead of giving one shard all the hard tasks. The assignment depends only on
the experiment.yaml, so a restarted shard finds the same trials again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")


class Shard(BaseModel):
    """Which slice of the matrix one worker runs: `index` of `count`, counted from 0."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0)
    count: int = Field(ge=1)

    @model_validator(mode="after")
    def _index_below_count(self) -> Shard:
        if self.index >= self.count:
            raise ValueError(f"index {self.index} is not below count {self.count}")
        return self

    @property
    def label(self) -> str:
        """`shard-003-of-010` (1-based, zero-padded so folders sort in order)."""
        width = max(3, len(str(self.count)))
        return f"shard-{self.index + 1:0{width}d}-of-{self.count:0{width}d}"


def shard_items(items: Sequence[T], shard: Shard | None) -> list[T]:
    """The items of one shard; all of them when `shard` is None.

    Every item lands in exactly one shard, and shard sizes differ by at most one.
    """
    if shard is None:
        return list(items)
    return list(items[shard.index :: shard.count])

"""Training data that ships with every machine: the Python standard library's own source.

Files are read in sorted order, every tenth goes to the held-out split (whole files, so no eval
text leaks into training), each split is tokenized, joined with an end-of-text token and cut
into fixed-length sequences. Which sequences a rank sees at a step follows DistributedSampler,
so the global batch of a step is the same whatever the world size.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    import torch

EVAL_EVERY_NTH_FILE = 10
"""Every tenth file (in sorted order) is held out for the eval loss."""
EVAL_SEQUENCES = 32
"""Held-out sequences per evaluation (rounded down to a multiple of the world size)."""
EVAL_SEQUENCES_PER_FILE = 4
"""At most this many sequences' worth of tokens from one held-out file."""
TRAIN_TOKENS = 2_000_000
"""Training tokens read (~2 MB of source as bytes); longer runs cycle in new orders."""
_SKIP_DIRS = frozenset(
    {"site-packages", "dist-packages", "test", "tests", "idlelib", "__pycache__"}
)


class Tokenizer(Protocol):
    """What packing needs from a tokenizer."""

    vocab_size: int
    eos_id: int
    bos_id: int | None
    """Starts every sequence when set (Gemma predicts badly without it: 6.3 vs 3.4 nats)."""

    def encode(self, text: str) -> list[int]:
        """Token ids of `text`, without special tokens."""
        ...


class ByteTokenizer:
    """UTF-8 bytes as tokens, plus one end-of-text id: honest, lossless and dependency-free."""

    vocab_size: int = 257
    eos_id: int = 256
    bos_id: int | None = None

    def encode(self, text: str) -> list[int]:
        """One token per UTF-8 byte."""
        return list(text.encode("utf-8"))


class HFTokenizer:
    """A transformers tokenizer (Gemma's, for the pretrained model) behind the same interface."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer
        self.vocab_size: int = len(tokenizer)
        self.eos_id: int = int(tokenizer.eos_token_id)
        bos = tokenizer.bos_token_id
        self.bos_id: int | None = None if bos is None else int(bos)

    def encode(self, text: str) -> list[int]:
        """The tokenizer's ids, without BOS/EOS."""
        ids: list[int] = self._tokenizer(text, add_special_tokens=False)["input_ids"]
        return ids


@dataclass(frozen=True)
class PackedData:
    """Token sequences for training and held-out evaluation."""

    train: torch.Tensor
    """[sequences, seq_len] int64."""
    eval: torch.Tensor
    """[sequences, seq_len] int64."""
    vocab_size: int
    train_files: tuple[str, ...]
    """Source files (relative to the stdlib) the training sequences come from."""
    eval_files: tuple[str, ...]
    """Source files of the held-out sequences: never among train_files."""


def stdlib_files() -> list[Path]:
    """The standard library's .py files (no tests, no third-party packages), sorted by path."""
    root = Path(sysconfig.get_paths()["stdlib"])
    files: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = [name for name in dirs if name not in _SKIP_DIRS]  # prune, don't walk them
        files.extend(Path(folder) / name for name in names if name.endswith(".py"))
    return sorted(files, key=lambda path: path.relative_to(root).as_posix())


def pack(
    tokenizer: Tokenizer, seq_len: int, *, train_tokens: int, eval_sequences: int
) -> PackedData:
    """Read stdlib files in order until both splits have enough tokens, then cut sequences.

    The training set's size is fixed by `train_tokens`, not by how long a run is, so runs of
    different lengths see the same data in the same order.
    """
    need = {"train": train_tokens, "eval": eval_sequences * seq_len}
    # A held-out file gives at most a few sequences, so the eval loss spans several files.
    cap = {"train": None, "eval": EVAL_SEQUENCES_PER_FILE * seq_len}
    tokens: dict[str, list[int]] = {"train": [], "eval": []}
    names: dict[str, list[str]] = {"train": [], "eval": []}
    for index, (name, text) in enumerate(_texts()):
        split = "eval" if index % EVAL_EVERY_NTH_FILE == EVAL_EVERY_NTH_FILE - 1 else "train"
        if len(tokens[split]) < need[split]:
            tokens[split].extend([*tokenizer.encode(text), tokenizer.eos_id][: cap[split]])
            names[split].append(name)
        if all(len(tokens[key]) >= need[key] for key in need):
            break
    train, held_out = (_cut(tokens[key], seq_len, tokenizer.bos_id) for key in ("train", "eval"))
    return PackedData(
        train=train,
        eval=held_out[:eval_sequences],
        vocab_size=tokenizer.vocab_size,
        train_files=tuple(names["train"]),
        eval_files=tuple(names["eval"]),
    )


def _texts() -> Iterator[tuple[str, str]]:
    root = Path(sysconfig.get_paths()["stdlib"])
    for path in stdlib_files():
        try:
            yield path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # a few stdlib files are not UTF-8; skipping them is still deterministic


def _cut(tokens: list[int], seq_len: int, bos_id: int | None) -> torch.Tensor:
    import torch

    body = seq_len if bos_id is None else seq_len - 1
    usable = len(tokens) // body * body
    rows = torch.tensor(tokens[:usable], dtype=torch.long).view(-1, body)
    if bos_id is None:
        return rows
    return torch.cat([torch.full((len(rows), 1), bos_id, dtype=torch.long), rows], dim=1)


def rank_batch(
    data: torch.Tensor, step: int, *, seed: int, world_size: int, rank: int, micro_batch: int
) -> torch.Tensor:
    """Rank `rank`'s micro-batch at 0-based `step`: DistributedSampler order, epoch by epoch.

    Rank r of N takes every N-th index of the epoch's permutation, so the union over ranks of
    step s is the permutation's slice [s·N·B, (s+1)·N·B): the same global batch for any N.
    """
    from torch.utils.data import Dataset, DistributedSampler

    per_epoch = len(data) // world_size // micro_batch
    if per_epoch == 0:
        raise ValueError(f"{len(data)} sequences cannot fill one global batch")
    epoch, offset = divmod(step, per_epoch)
    # The sampler only needs the length; a range stands in for the dataset.
    indices_of: Dataset[int] = cast("Dataset[int]", range(len(data)))
    sampler: DistributedSampler[int] = DistributedSampler(
        indices_of, num_replicas=world_size, rank=rank, seed=seed, drop_last=True
    )
    sampler.set_epoch(epoch)
    indices = list(sampler)[offset * micro_batch : (offset + 1) * micro_batch]
    return data[indices]


def eval_shard(data: torch.Tensor, *, world_size: int, rank: int) -> torch.Tensor:
    """This rank's equal share of the held-out sequences (the mean over ranks is the mean)."""
    usable = len(data) // world_size * world_size
    return data[rank:usable:world_size]

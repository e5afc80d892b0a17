"""The closed loop: simulated users with hidden intent talk to the application under the
original system prompt, the trivial baseline fix and each written fix; a judge scores every
final answer blind, and side by side against the original with the positions randomised.

A simulated user opens with a real prompt of the cluster and holds back details (the planted
ones on the synthetic log, else details a model invents for what the facets say is missing).
It reveals a detail only when the assistant asks for its kind; the user model only *reads*
each reply (answered or not, which kinds it asks for), and the revealed sentences are the
held-back ones verbatim, so a user never adds anything it was not given.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field

from agents.models import Message
from intent import _prompts as prompts
from intent import _store as store
from intent._config import IntentConfig
from intent._llm import Caller
from intent._log import PromptRecord
from intent._schemas import Facets, HiddenSpec, Judgement, PairVerdict, UserReading
from intent._stages import Roles
from intent._store import RunFolder

ORIGINAL = "original"
BASELINE = "baseline"
NOTHING_TO_ADD = "I have nothing to add; please answer with what you have."


class SimUser(BaseModel):
    """One simulated user: a prompt of the cluster and the details it holds back."""

    key: str
    cluster: int
    prompt_id: str
    opening: str
    """The scrubbed prompt it opens with."""
    hidden: dict[str, str]
    """Held-back details, by kind: the sentence it says when asked."""
    planted: bool
    """Whether the hidden details are the log's planted ones (else a model wrote them)."""


class Turn(BaseModel):
    """One assistant turn and the user's reading of it."""

    reply: str
    answered: bool
    asked: list[str] = Field(default_factory=list)
    said: str | None = None
    """What the user said next (None after the last turn)."""


class Conversation(BaseModel):
    """One user under one policy, and the judge's scores of its final answer."""

    key: str
    user: str
    cluster: int
    policy: str
    first_message: str
    """What the application received (the rewritten prompt under the rewrite fix)."""
    turns: list[Turn]
    revealed: list[str]
    """Held-back kinds the assistant asked for, and so got."""


class Scores(BaseModel):
    """The per-conversation numbers, computed from the judge's reply and the conversation."""

    key: str
    user: str
    cluster: int
    policy: str
    coverage: float | None
    """Share of held-back details the final answer respects (judge)."""
    recovery: float
    """Share of held-back details the assistant asked for (the simulated user's reading)."""
    turns: int
    success: float | None
    """1 if the judge says the user could use the answer as it is."""
    drift: float | None
    """Constraints the answer assumed that the user never held (judge), a count."""


def pick_users(
    cluster: int,
    records: Sequence[PromptRecord],
    facets: dict[str, Facets | None],
    caller: Caller,
    roles: Roles,
    folder: RunFolder,
    config: IntentConfig,
) -> list[SimUser]:
    """Up to `loop.users` users, drawn (seeded) from the cluster's prompts that hold something
    back."""
    saved = {row["key"]: SimUser.model_validate(row) for row in folder.rows(store.USERS)}
    mine = [user for user in saved.values() if user.cluster == cluster]
    if mine:
        return mine
    rng = random.Random(f"{config.seed}:{cluster}")
    planted = [r for r in records if r.labels.get("hidden")]
    pool = planted or [r for r in records if (f := facets.get(r.id)) and f.missing]
    chosen = rng.sample(pool, min(config.loop.users, len(pool)))
    users: list[SimUser] = []
    for number, record in enumerate(chosen):
        hidden = _hidden(record, facets.get(record.id), caller, roles, config)
        if not hidden:
            continue
        user = SimUser(
            key=f"c{cluster}u{number}",
            cluster=cluster,
            prompt_id=record.id,
            opening=record.text,
            hidden=hidden,
            planted=bool(planted),
        )
        folder.append(store.USERS, user.model_dump())
        users.append(user)
    return users


def _hidden(
    record: PromptRecord, facets: Facets | None, caller: Caller, roles: Roles, config: IntentConfig
) -> dict[str, str]:
    planted = record.labels.get("hidden")
    if isinstance(planted, dict) and planted:
        return {str(k): str(v) for k, v in planted.items()}
    kinds = list(facets.missing) if facets else []
    messages = [
        Message.system(prompts.HIDDEN_SPEC),
        Message.user(prompts.hidden_request(record.text, kinds)),
    ]
    spec = caller.ask(
        roles.user,
        HiddenSpec,
        messages,
        stage="users",
        item=record.id,
        tokens=config.tokens.user + 40,
        description="Record the held-back details.",
    )
    if spec is None:
        return {}
    return {d.kind: d.value for d in spec.details if d.kind in kinds and d.value.strip()}


def policies(fixes: dict[str, str], config: IntentConfig) -> dict[str, str | None]:
    """Policy name -> its fix text (None for the original)."""
    out: dict[str, str | None] = {ORIGINAL: None}
    if config.loop.baseline:
        out[BASELINE] = prompts.BASELINE_FIX
    out.update(fixes)
    return out


def converse(
    caller: Caller, roles: Roles, user: SimUser, policy: str, fix: str | None, config: IntentConfig
) -> Conversation:
    """Run one conversation of `user` with the application under `policy`."""
    key = f"{user.key}:{policy}"
    system = prompts.APP_SYSTEM
    first = user.opening
    if policy == "rewrite" and fix:
        request = prompts.rewrite_request(fix, user.opening)
        rewritten = caller.say(
            roles.app,
            [Message.system(prompts.REWRITE), Message.user(request)],
            stage="rewrite",
            item=key,
            tokens=config.tokens.reply,
        )
        first = rewritten or user.opening
    elif fix:
        system = f"{system}\n\n{fix}"
    messages = [Message.system(system), Message.user(first)]
    turns: list[Turn] = []
    revealed: list[str] = []
    for number in range(config.loop.max_turns):
        reply = caller.say(
            roles.app, messages, stage="app", item=f"{key}:{number}", tokens=config.tokens.reply
        )
        messages.append(Message.assistant(reply))
        reading = caller.ask(
            roles.user,
            UserReading,
            [
                Message.system(prompts.USER_READS),
                Message.user(prompts.user_request(user.opening, reply)),
            ],
            stage="user",
            item=f"{key}:{number}",
            tokens=config.tokens.user,
            description="Record how you read the reply.",
        )
        turn = Turn(
            reply=reply,
            answered=reading.answered if reading else True,
            asked=list(reading.asked) if reading else [],
        )
        turns.append(turn)
        if turn.answered or number == config.loop.max_turns - 1:
            break
        given = [kind for kind in turn.asked if kind in user.hidden and kind not in revealed]
        revealed += given
        turn.said = " ".join(user.hidden[kind] for kind in given) or NOTHING_TO_ADD
        messages.append(Message.user(turn.said))
    return Conversation(
        key=key,
        user=user.key,
        cluster=user.cluster,
        policy=policy,
        first_message=first,
        turns=turns,
        revealed=revealed,
    )


def judge(
    caller: Caller, roles: Roles, user: SimUser, conversation: Conversation, config: IntentConfig
) -> Scores:
    """The judge's blind scores: it sees the request, the held-back details and the answer."""
    final = conversation.turns[-1].reply if conversation.turns else ""
    messages = [
        Message.system(prompts.JUDGE),
        Message.user(prompts.judge_request(user.opening, user.hidden, final)),
    ]
    verdict = caller.ask(
        roles.judge,
        Judgement,
        messages,
        stage="judge",
        item=conversation.key,
        tokens=config.tokens.judge,
        description="Record your judgement.",
    )
    hidden = set(user.hidden)
    return Scores(
        key=conversation.key,
        user=user.key,
        cluster=user.cluster,
        policy=conversation.policy,
        coverage=len(set(verdict.covered) & hidden) / len(hidden) if verdict else None,
        recovery=len(set(conversation.revealed) & hidden) / len(hidden),
        turns=len(conversation.turns),
        success=float(verdict.success) if verdict else None,
        drift=float(len(set(verdict.assumed) - hidden)) if verdict else None,
    )


@dataclass(frozen=True)
class PairOutcome:
    """A side-by-side verdict, from the fix's point of view."""

    fix_first: bool
    """Whether the fix's answer was shown as A."""
    verdict: str | None
    """A, B or tie as the judge wrote it (None: no parsable verdict)."""

    @property
    def fix_score(self) -> float | None:
        """1 if the fix won, 0 if the original won, 0.5 for a tie."""
        if self.verdict is None:
            return None
        if self.verdict == "tie":
            return 0.5
        return 1.0 if (self.verdict == "A") == self.fix_first else 0.0


def judge_pair(
    caller: Caller,
    roles: Roles,
    user: SimUser,
    fixed: Conversation,
    original: Conversation,
    config: IntentConfig,
) -> dict[str, Any]:
    """The judge's choice between a fix's final answer and the original's, order randomised."""
    rng = random.Random(f"{config.seed}:{fixed.key}")
    fix_first = rng.random() < 0.5
    ours, theirs = fixed.turns[-1].reply, original.turns[-1].reply
    first, second = (ours, theirs) if fix_first else (theirs, ours)
    messages = [
        Message.system(prompts.JUDGE_PAIR),
        Message.user(prompts.pair_request(user.opening, user.hidden, first, second)),
    ]
    verdict = caller.ask(
        roles.judge,
        PairVerdict,
        messages,
        stage="pairs",
        item=fixed.key,
        tokens=24,
        description="Record which answer is better.",
    )
    outcome = PairOutcome(fix_first, verdict.better if verdict else None)
    return {
        "key": fixed.key,
        "user": user.key,
        "cluster": user.cluster,
        "policy": fixed.policy,
        "fix_first": fix_first,
        "verdict": outcome.verdict,
        "fix_score": outcome.fix_score,
    }


def run_loop(
    caller: Caller,
    roles: Roles,
    users: Sequence[SimUser],
    options: dict[str, str | None],
    folder: RunFolder,
    config: IntentConfig,
) -> tuple[list[Scores], list[dict[str, Any]]]:
    """Every user under every policy (skipping what is on disk), judged, then the pairs."""
    talks = {k: Conversation.model_validate(v) for k, v in folder.done(store.CONVERSATIONS).items()}
    scored = {k: Scores.model_validate(v) for k, v in folder.done(store.JUDGEMENTS).items()}
    pairs = folder.done(store.PAIRS)
    for user in users:
        for policy, fix in options.items():
            key = f"{user.key}:{policy}"
            if key not in talks:
                talks[key] = converse(caller, roles, user, policy, fix, config)
                folder.append(store.CONVERSATIONS, talks[key].model_dump())
            if key not in scored:
                scored[key] = judge(caller, roles, user, talks[key], config)
                folder.append(store.JUDGEMENTS, scored[key].model_dump())
        if not config.loop.pairwise:
            continue
        for policy in options:
            key = f"{user.key}:{policy}"
            if policy == ORIGINAL or key in pairs:
                continue
            original = talks[f"{user.key}:{ORIGINAL}"]
            pairs[key] = judge_pair(caller, roles, user, talks[key], original, config)
            folder.append(store.PAIRS, pairs[key])
    mine = {u.key for u in users}
    return (
        [s for s in scored.values() if s.user in mine],
        [p for p in pairs.values() if p["user"] in mine],
    )

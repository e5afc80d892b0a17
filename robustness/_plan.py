"""Which calls a run makes: the clean prompt repeated on every case (the noise floor), and each
variant on a few cases, assigned so that every case meets each family about equally often.

Calls that share a prompt prefix run back to back (a variant's cases one after the other, the
clean prompt's cases repeat by repeat): llama.cpp then reuses its KV cache for the prefix.
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import defaultdict
from typing import NamedTuple

from agents.models import Message
from robustness._checks import case_assertions
from robustness._load import LoadedSuite
from robustness._suite import Case, Profile
from robustness._template import render
from robustness._variants import Variant


def messages_for(variant: Variant, variables: dict[str, object]) -> list[Message]:
    """The conversation of one call: the variant's messages with the case's vars filled in."""
    messages = [Message.system(render(variant.system, variables))] if variant.system else []
    return [*messages, Message.user(render(variant.user, variables))]


class Call(NamedTuple):
    """One model call to make."""

    variant: Variant
    case: Case
    repeat: int

    @property
    def key(self) -> str:
        """Unique within a run: variant, case and repeat."""
        return f"{self.variant.id}|{self.case.id}|{self.repeat}"

    @property
    def seed(self) -> int:
        """The call's sampling seed: fixed by its key, different for every repeat."""
        return int.from_bytes(hashlib.sha256(self.key.encode()).digest()[:4], "big") >> 1


def select_cases(cases: list[Case], profile: Profile, seed: int) -> list[Case]:
    """A seeded sample of `profile.cases` cases, in file order (all when it is None)."""
    if profile.cases is None or profile.cases >= len(cases):
        return list(cases)
    chosen = set(random.Random(f"{seed}:cases").sample(range(len(cases)), profile.cases))
    return [case for index, case in enumerate(cases) if index in chosen]


def select_variants(
    variants: list[Variant], profile: Profile, seed: int, groups: dict[str, str] | None = None
) -> list[Variant]:
    """The usable variants the profile asks for (families, kinds, severities, seeds, cap).

    `groups` maps a prompt id to its group: under a cap, the groups take turns, so a suite of
    builder and regenerator prompts measures both even with two variants.
    """
    chosen = [
        v
        for v in variants
        if v.relation != "clean"
        and v.usable
        and (profile.families is None or v.family in profile.families)
        and (profile.kinds is None or v.kind in profile.kinds or v.family == "dir")
        and (profile.severities is None or v.severity in profile.severities or v.family == "dir")
        and (profile.seeds is None or v.seed < profile.seeds)
    ]
    if profile.max_variants is None or len(chosen) <= profile.max_variants:
        return chosen
    by_group: dict[str, list[Variant]] = defaultdict(list)
    for v in chosen:
        by_group[(groups or {}).get(v.prompt_id, v.prompt_id)].append(v)
    orders = [_stratified_order(by_group[group], seed) for group in sorted(by_group)]
    turns = [v for row in itertools.zip_longest(*orders) for v in row if v is not None]
    return sorted(turns[: profile.max_variants], key=chosen.index)


def _stratified_order(variants: list[Variant], seed: int) -> list[Variant]:
    """Every variant, in the order a cap takes them: round-robin over (family, kind, severity)
    strata, families interleaved, in a seeded order, so each family keeps its share."""
    rng = random.Random(f"{seed}:strata")
    strata: dict[tuple[str, str, int], list[Variant]] = defaultdict(list)
    for v in variants:
        strata[(v.family, v.kind, v.severity)].append(v)
    for members in strata.values():
        rng.shuffle(members)
    rows = []
    for family in sorted({key[0] for key in strata}):
        keys = sorted(key for key in strata if key[0] == family)
        rng.shuffle(keys)
        rows.append(keys)
    sequence = [key for row in itertools.zip_longest(*rows) for key in row if key]
    order: list[Variant] = []
    while len(order) < len(variants):  # every pass takes at least one
        order += [strata[key].pop() for key in sequence if strata[key]]
    return order


def plan_calls(
    loaded: LoadedSuite, variants: list[Variant], profile: Profile, seed: int = 0
) -> list[Call]:
    """Every call of a run, in the order they should run."""
    calls: list[Call] = []
    by_prompt = {p.id: select_cases(loaded.cases_for(p.id), profile, seed) for p in loaded.prompts}
    for prompt in loaded.prompts:
        clean = next(v for v in variants if v.prompt_id == prompt.id and v.relation == "clean")
        cases = by_prompt[prompt.id]
        calls += [Call(clean, case, r) for r in range(profile.repeats) for case in cases]
    groups = {p.id: p.group or p.id for p in loaded.prompts}
    chosen = select_variants(variants, profile, seed, groups)
    for prompt in loaded.prompts:
        mine = [v for v in chosen if v.prompt_id == prompt.id]
        calls += _assign(loaded, mine, by_prompt[prompt.id], profile.cases_per_variant, seed)
    return calls


def _assign(
    loaded: LoadedSuite, variants: list[Variant], cases: list[Case], per_variant: int, seed: int
) -> list[Call]:
    """Each variant on `per_variant` cases, cycling through a shuffled case list per family."""
    if not cases:
        return []
    cycles: dict[str, itertools.cycle[Case]] = {}
    calls: list[Call] = []
    for variant in variants:
        pool = _dir_pool(loaded, variant, cases) if variant.relation == "DIR" else cases
        family = variant.family if variant.relation == "INV" else variant.id
        if family not in cycles:
            order = list(pool)
            random.Random(f"{seed}:{variant.prompt_id}:{family}").shuffle(order)
            cycles[family] = itertools.cycle(order)
        picked: list[Case] = []
        for case in cycles[family]:
            if case not in picked:
                picked.append(case)
            if len(picked) == min(per_variant, len(pool)):
                break
        picked.sort(key=cases.index)
        calls += [Call(variant, case, 0) for case in picked]
    return calls


def _dir_pool(loaded: LoadedSuite, variant: Variant, cases: list[Case]) -> list[Case]:
    """The cases whose expected answer a DIR variant changes (all cases if none does)."""
    affected = [c for c in cases if _changes(loaded, variant, c)]
    return affected or cases


def _changes(loaded: LoadedSuite, variant: Variant, case: Case) -> bool:
    from robustness._checks import redirected

    before = case_assertions(loaded.suite, case)
    after = redirected(before, variant.expect_map)
    return any(a.value != b.value for a, b in zip(before, after, strict=True))

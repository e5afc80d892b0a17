"""Judge-vs-human agreement on the gold set: 111 prompts written and labelled by hand (does it
need clarification, which kinds of detail it leaves out, how it is ambiguous), labelled again
by the judge model with the facet schema, compared by Cohen's kappa."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ValidationError

from agents.models import Message, Model
from intent import _prompts as prompts
from intent import _store as store
from intent._config import GOLD_SET, IntentConfig
from intent._errors import LogError
from intent._kinds import CONSTRAINT_KINDS, AmbiguityType, ConstraintKind
from intent._llm import Caller
from intent._results import GoldResults
from intent._schemas import Facets
from intent._stats import kappa, kappa_estimate
from intent._store import RunFolder


class GoldItem(BaseModel):
    """One hand-labelled prompt."""

    id: str
    text: str
    needs_clarification: bool
    """Whether a careful assistant should ask before answering."""
    missing: list[ConstraintKind]
    """Kinds of detail a good answer needs that the prompt leaves out."""
    ambiguity: AmbiguityType


def read_gold(path: Path = GOLD_SET) -> list[GoldItem]:
    """The gold set, one item per line."""
    items = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(GoldItem.model_validate_json(line))
        except ValidationError as exc:
            raise LogError(
                f"{path}: line {number}: {exc.errors()[0]['msg']}; fix: correct it"
            ) from exc
    return items


def label_gold(
    caller: Caller, model: Model, items: list[GoldItem], folder: RunFolder, config: IntentConfig
) -> dict[str, Facets | None]:
    """The judge model's facets of each gold prompt (resumed from gold.jsonl)."""
    done = folder.done(store.GOLD, "id")
    out: dict[str, Facets | None] = {}
    for item in items:
        if item.id in done:
            saved = done[item.id].get("facets")
            out[item.id] = Facets.model_validate(saved) if saved else None
            continue
        messages = [Message.system(prompts.FACETS), Message.user(prompts.facets_request(item.text))]
        facets = caller.ask(
            model,
            Facets,
            messages,
            stage="gold",
            item=item.id,
            tokens=config.tokens.facets,
            description="Record the facets of the request.",
        )
        folder.append(
            store.GOLD, {"id": item.id, "facets": facets.model_dump() if facets else None}
        )
        out[item.id] = facets
    return out


def gold_results(
    items: list[GoldItem], labels: Mapping[str, Facets | None], seed: int
) -> GoldResults:
    """Kappa per judgement between the hand labels and the model's."""
    pairs = [(item, found) for item in items if (found := labels.get(item.id)) is not None]
    human = [item.needs_clarification for item, _ in pairs]
    judge = [found.needs_clarification for _, found in pairs]
    per_kind: dict[str, float | None] = {}
    for kind in CONSTRAINT_KINDS:
        truth = [kind in item.missing for item, _ in pairs]
        if any(truth):
            per_kind[kind] = kappa(truth, [kind in found.missing for _, found in pairs])
    scored = [v for v in per_kind.values() if v is not None]
    return GoldResults(
        n=len(items),
        labelled=len(pairs),
        clarification_kappa=kappa_estimate(human, judge, seed=seed),
        clarification_agreement=(
            sum(h == j for h, j in zip(human, judge, strict=True)) / len(pairs) if pairs else None
        ),
        ambiguity_kappa=kappa_estimate(
            [item.ambiguity for item, _ in pairs],
            [found.ambiguity for _, found in pairs],
            seed=seed,
        ),
        missing_kappa=per_kind,
        missing_kappa_mean=sum(scored) / len(scored) if scored else None,
    )

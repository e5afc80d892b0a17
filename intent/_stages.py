"""The pipeline's model stages, each resumable from its append-only file: facets per prompt,
cluster and group names from contrastive examples, and the intent-capture fixes per cluster."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agents.models import Message, Model
from intent import _prompts as prompts
from intent import _store as store
from intent._config import IntentConfig
from intent._llm import Caller
from intent._log import PromptRecord
from intent._schemas import ClusterName, Facets, FixText
from intent._store import RunFolder


@dataclass(frozen=True)
class Roles:
    """The models of one run, by role."""

    facets: Model
    names: Model
    fixes: Model
    user: Model
    app: Model
    judge: Model


def run_facets(
    caller: Caller,
    model: Model,
    records: Sequence[PromptRecord],
    folder: RunFolder,
    config: IntentConfig,
    *,
    journals: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Facets | None]:
    """Facets of every prompt: read back those already done, extract the rest (a progress
    line every 25 calls)."""
    done = folder.done(store.FACETS, "id")
    system = prompts.JOURNAL_FACETS if journals else prompts.FACETS
    out: dict[str, Facets | None] = {}
    for record in records:
        if record.id in done:
            saved = done[record.id].get("facets")
            out[record.id] = Facets.model_validate(saved) if saved else None
            continue
        messages = [
            Message.system(system),
            Message.user(prompts.facets_request(record.text, record.context)),
        ]
        facets = caller.ask(
            model,
            Facets,
            messages,
            stage="facets",
            item=record.id,
            tokens=config.tokens.facets,
            description="Record the facets of the request.",
        )
        folder.append(
            store.FACETS,
            {"id": record.id, "facets": facets.model_dump() if facets else None},
        )
        out[record.id] = facets
        if progress and len(out) % 25 == 0:
            progress(f"  facets {len(out)}/{len(records)}")
    return out


def facet_text(facets: Facets | None) -> str:
    """What is embedded of a prompt's facets (Clio embeds the summary, not the prompt)."""
    if facets is None:
        return ""
    return f"{facets.intent}. Domain: {facets.domain}. Task: {facets.task}."


def run_names(
    caller: Caller,
    model: Model,
    texts: Sequence[str],
    clusters: Any,
    folder: RunFolder,
    config: IntentConfig,
) -> dict[str, ClusterName | None]:
    """A name and description per k-means cluster (from its prompts nearest the centroid and
    the nearest prompts of other clusters), then per top-level group (from its clusters' names)."""
    done = folder.done(store.NAMES)
    names: dict[str, ClusterName | None] = {}
    for label in sorted(clusters.representatives):
        key = f"c{label}"
        inside = [texts[i] for i in clusters.representatives[label]]
        outside = [texts[i] for i in clusters.contrast[label]]
        request = prompts.cluster_request(inside, outside)
        names[key] = _named(caller, model, key, prompts.NAME_CLUSTER, request, done, folder, config)
    for top in sorted(set(clusters.top.values())):
        key = f"g{top}"
        members = [
            names[f"c{label}"].name  # type: ignore[union-attr]
            for label, group in sorted(clusters.top.items())
            if group == top and names.get(f"c{label}") is not None
        ]
        if not members:
            names[key] = None
            continue
        request = prompts.group_request(members)
        names[key] = _named(caller, model, key, prompts.NAME_GROUP, request, done, folder, config)
    return names


def _named(
    caller: Caller,
    model: Model,
    key: str,
    system: str,
    request: str,
    done: dict[str, dict[str, Any]],
    folder: RunFolder,
    config: IntentConfig,
) -> ClusterName | None:
    if key in done:
        saved = done[key].get("name")
        return ClusterName.model_validate(saved) if saved else None
    name = caller.ask(
        model,
        ClusterName,
        [Message.system(system), Message.user(request)],
        stage="names",
        item=key,
        tokens=config.tokens.name,
        description="Record the name and the description.",
    )
    folder.append(store.NAMES, {"key": key, "name": name.model_dump() if name else None})
    return name


def cluster_summary_text(
    name: ClusterName | None, missing: Counter[str], ambiguity: Counter[str], examples: list[str]
) -> str:
    """What a fix writer is told about a cluster."""
    title = f"{name.name}: {name.description}" if name else "(unnamed group)"
    common = ", ".join(f"{kind} ({count})" for kind, count in missing.most_common(4)) or "none"
    unclear = ", ".join(f"{kind} ({count})" for kind, count in ambiguity.most_common(2)) or "none"
    lines = [
        f"Group of user requests: {title}",
        f"Details these requests most often leave out (prompts): {common}",
        f"Ambiguities: {unclear}",
        "Example requests:",
        *(f"- {text}" for text in examples[:3]),
    ]
    return "\n".join(lines)


def run_fixes(
    caller: Caller,
    model: Model,
    cluster: int,
    summary: str,
    folder: RunFolder,
    config: IntentConfig,
) -> dict[str, str]:
    """Each fix kind written for one cluster (a fix that fails to parse is left out)."""
    done = folder.done(store.FIXES)
    fixes: dict[str, str] = {}
    for kind in config.loop.fixes:
        key = f"c{cluster}:{kind}"
        if key in done:
            text = done[key].get("text")
        else:
            messages = [
                Message.system(prompts.WRITE_FIX),
                Message.user(prompts.fix_request(kind, summary)),
            ]
            fix = caller.ask(
                model,
                FixText,
                messages,
                stage="fixes",
                item=key,
                tokens=config.tokens.fix,
                description="Record the text of the fix.",
            )
            text = fix.text.strip() if fix and fix.text.strip() else None
            folder.append(store.FIXES, {"key": key, "cluster": cluster, "kind": kind, "text": text})
        if text:
            fixes[kind] = text
    return fixes

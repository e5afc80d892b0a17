"""The speaker-tagged live loop, checked against its script: synthetic speakers talk to the bot
through the streaming design with speaker tags on, and every user turn's tag is scored."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from voice._conversation import run_conversation
from voice._script import Script, load_script
from voice._stats import percentile
from voice.diarization._live import CONFIDENT_S, NEW_SPEAKER_BELOW
from voice.diarization._types import SpeakerLabel, SpeakerLoopResult, SpeakerTurnCheck

if TYPE_CHECKING:
    from agents.models import Model
    from voice._types import ConversationRun


def run_speaker_loop(
    script: Path, *, llm: str | Model, out_dir: Path, smart_turn: bool = True
) -> tuple[SpeakerLoopResult, ConversationRun]:
    """Two (or more) synthetic speakers talk to the bot through the streaming design with
    speaker tags on; every user turn's tag is checked against who the script says spoke."""
    run = run_conversation(
        script, "streaming", llm=llm, smart_turn=smart_turn, out_dir=out_dir, speaker_tags=True
    )
    result = check_speakers(load_script(script), run, spoken(out_dir / "events.jsonl"))
    (out_dir / "speakers.json").write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result, run


class Spoken(NamedTuple):
    """When the microphone played an utterance of the script."""

    utterance: int
    onset: float
    end: float


def spoken(events: Path) -> list[Spoken]:
    """The utterances as played, from a run's events.jsonl."""
    rows = [json.loads(line) for line in events.read_text(encoding="utf-8").splitlines() if line]
    return [Spoken(r["index"], r["at"], r["end"]) for r in rows if r.get("kind") == "utterance"]


def check_speakers(
    script: Script, run: ConversationRun, utterances: Sequence[Spoken]
) -> SpeakerLoopResult:
    """Per utterance of the script: the tag on the first segment inside it, right or wrong under
    the best one-to-one mapping of tags to the script's speakers (an utterance the pipeline
    merged into the previous user turn is still checked by its own segment); and what the
    tagging cost in time."""
    turns = []
    for said in utterances:
        line = script.utterances[said.utterance]
        turns.append(
            SpeakerTurnCheck(
                index=said.utterance,
                speaker=line.speaker or "(default voice)",
                label=_label_within(said, run.speaker_labels),
                llm_text=_llm_text(line.text, run.llm_inputs),
            )
        )
    mapping = best_mapping([(t.label, t.speaker) for t in turns])
    for check in turns:
        check.correct = check.label is not None and mapping.get(check.label) == check.speaker
    waits = [label.waited_s for label in run.speaker_labels]
    v2v = [t.voice_to_voice_s for t in run.turns if t.voice_to_voice_s is not None]
    return SpeakerLoopResult(
        conversation=run.conversation,
        turns=turns,
        labels=run.speaker_labels,
        accuracy=sum(t.correct for t in turns) / len(turns) if turns else None,
        added_p50_s=percentile(waits, 50),
        added_p95_s=percentile(waits, 95),
        embed_p50_s=percentile([label.embed_s for label in run.speaker_labels], 50),
        voice_to_voice_p50_s=percentile(v2v, 50),
        notes=_loop_notes(run),
    )


def _label_within(said: Spoken, labels: Sequence[SpeakerLabel]) -> str | None:
    """The tag of the first segment that overlaps the utterance as played."""
    inside = [label for label in labels if label.end > said.onset and label.start < said.end]
    return min(inside, key=lambda label: label.start).label if inside else None


def _llm_text(said: str, inputs: Sequence[str]) -> str | None:
    """The LLM input that carries most of the utterance's words (its tags included)."""
    words = set(same_words_key(said).split())
    if not words:
        return None
    best = max(
        inputs, key=lambda text: len(words & set(same_words_key(text).split())), default=None
    )
    if best is None or len(words & set(same_words_key(best).split())) < len(words) / 2:
        return None
    return best


def same_words_key(text: str) -> str:
    """Lower-case words joined by spaces, punctuation and tags aside, for containment tests."""
    untagged = re.sub(r"Speaker \d+:\s*", " ", text)
    return " ".join(re.findall(r"[a-z0-9']+", untagged.lower()))


def best_mapping(pairs: Sequence[tuple[str | None, str]]) -> dict[str, str]:
    """The one-to-one tag -> speaker mapping that makes the most pairs agree (Hungarian)."""
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]

    tags = sorted({tag for tag, _ in pairs if tag is not None})
    speakers = sorted({speaker for _, speaker in pairs})
    if not tags or not speakers:
        return {}
    counts = np.zeros((len(tags), len(speakers)))
    for tag, speaker in pairs:
        if tag is not None:
            counts[tags.index(tag), speakers.index(speaker)] += 1
    rows, columns = linear_sum_assignment(-counts)
    return {tags[r]: speakers[c] for r, c in zip(rows, columns, strict=True) if counts[r, c] > 0}


def _loop_notes(run: ConversationRun) -> list[str]:
    notes = [
        "Tags come from Resemblyzer embeddings of each VAD segment, assigned by online "
        f"clustering (new speaker below cosine {NEW_SPEAKER_BELOW}; segments under "
        f"{CONFIDENT_S:g} s only join a speaker), without enrolment; an utterance's tag is its "
        "first segment's. Accuracy is under the best one-to-one mapping of "
        "tags to the script's speakers.",
        "The wait is measured in the tagger: from the transcript's arrival to its tagged "
        "release; the embedding runs in a thread from the VAD stop, beside Whisper.",
    ]
    transcripts = sum(1 for t in run.turns if t.transcript)
    if len(run.speaker_labels) != transcripts:
        notes.append(
            f"{len(run.speaker_labels)} segments were tagged for {transcripts} transcribed "
            "turns: a turn spanning several segments, or a segment without words."
        )
    return notes

"""Scoring with pyannote.metrics: DER with its parts and JER, per recording and pooled.

The rates are pyannote.metrics' own: DiarizationErrorRate (Hungarian mapping of hypothesis to
reference speakers, then missed + false alarm + confusion over the reference's speech time, with
overlapped speech scored) and JaccardErrorRate. Pooling sums each metric's components over the
recordings and applies the metric's own compute_metric to the sums; the 95 % interval is a
percentile bootstrap over recordings (resampled with replacement, seeded).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from voice.diarization._rttm import to_annotation
from voice.diarization._types import COLLARS_S, DerParts, Interval, Pooled, Score, SpeakerTurn

RESAMPLES = 2_000
"""Bootstrap resamples of the pooled rates."""

Components = dict[str, float]


def der_metric(collar_s: float = 0.0) -> Any:
    """pyannote.metrics' DiarizationErrorRate, overlapped speech scored."""
    from pyannote.metrics.diarization import DiarizationErrorRate

    return DiarizationErrorRate(collar=collar_s, skip_overlap=False)


def jer_metric(collar_s: float = 0.0) -> Any:
    """pyannote.metrics' JaccardErrorRate."""
    from pyannote.metrics.diarization import JaccardErrorRate

    return JaccardErrorRate(collar=collar_s, skip_overlap=False)  # type: ignore[no-untyped-call]


def score_pair(
    reference: Sequence[SpeakerTurn],
    hypothesis: Sequence[SpeakerTurn],
    *,
    collar_s: float = 0.0,
    duration_s: float | None = None,
) -> DerParts:
    """DER (and its parts) and JER of one hypothesis against its reference.

    The scored region (pyannote's UEM) is the whole recording when its duration is given, else
    the union of both annotations' extents (pyannote's default).
    """
    from pyannote.core import Segment, Timeline  # type: ignore[import-untyped]

    ref, hyp = to_annotation(reference), to_annotation(hypothesis)
    uem = Timeline([Segment(0.0, duration_s)]) if duration_s else None
    if uem is None and len(ref) and len(hyp):  # pyannote's own approximation, made explicit
        uem = Timeline([ref.get_timeline().extent() | hyp.get_timeline().extent()])
    der = der_metric(collar_s)(ref, hyp, uem=uem, detailed=True)
    jer = jer_metric(collar_s)(ref, hyp, uem=uem, detailed=True)
    return DerParts(
        der=float(der["diarization error rate"]),
        jer=float(jer["jaccard error rate"]),
        missed_s=float(der["missed detection"]),
        false_alarm_s=float(der["false alarm"]),
        confusion_s=float(der["confusion"]),
        total_s=float(der["total"]),
        jer_speakers=float(jer["speaker count"]),
        jer_error=float(jer["speaker error"]),
    )


def score_recordings(
    references: Mapping[str, Sequence[SpeakerTurn]],
    hypotheses: Mapping[str, Mapping[str, Sequence[SpeakerTurn]]],
    collars_s: Sequence[float] = COLLARS_S,
    *,
    durations: Mapping[str, float] | None = None,
) -> list[Score]:
    """Every pipeline on every recording that has a reference, at every collar.

    `hypotheses` maps recording -> pipeline -> turns; `durations` (seconds) makes each whole
    recording the scored region.
    """
    scores = []
    for name, reference in references.items():
        for pipeline, hypothesis in hypotheses.get(name, {}).items():
            for collar in collars_s:
                scores.append(
                    Score(
                        conversation=name,
                        pipeline=pipeline,
                        collar_s=collar,
                        parts=score_pair(
                            reference,
                            hypothesis,
                            collar_s=collar,
                            duration_s=(durations or {}).get(name),
                        ),
                        reference_speakers=len({t.speaker for t in reference}),
                        hypothesis_speakers=len({t.speaker for t in hypothesis}),
                    )
                )
    return scores


def der_components(parts: DerParts) -> Components:
    return {
        "missed detection": parts.missed_s,
        "false alarm": parts.false_alarm_s,
        "confusion": parts.confusion_s,
        "total": parts.total_s,
    }


def jer_components(parts: DerParts) -> Components:
    return {"speaker count": parts.jer_speakers, "speaker error": parts.jer_error}


def pooled_interval(
    components: Sequence[Components],
    rate: Callable[[Components], float],
    *,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> Interval:
    """The rate of the summed components, and its percentile bootstrap over the recordings."""
    value = rate(_sum(components))
    if len(components) < 2:
        return Interval(value=value, n=len(components))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(components), size=(resamples, len(components)))
    rates = [rate(_sum([components[i] for i in row])) for row in draws]
    low, high = np.percentile(rates, [2.5, 97.5])
    return Interval(value=value, low=float(low), high=float(high), n=len(components))


def _sum(components: Sequence[Components]) -> Components:
    keys = components[0].keys() if components else ()
    return {key: sum(c[key] for c in components) for key in keys}


def pool(scores: Sequence[Score], *, seed: int = 0) -> list[Pooled]:
    """Per pipeline and collar: pooled DER and JER with intervals, and the DER's parts."""
    der_rate = der_metric().compute_metric
    jer_rate = jer_metric().compute_metric
    groups: dict[tuple[str, float], list[Score]] = {}
    for score in scores:
        groups.setdefault((score.pipeline, score.collar_s), []).append(score)
    pooled = []
    for (pipeline, collar), group in groups.items():
        ders = [der_components(s.parts) for s in group]
        summed = _sum(ders)
        total = summed["total"] or 1.0
        pooled.append(
            Pooled(
                pipeline=pipeline,
                collar_s=collar,
                der=pooled_interval(ders, der_rate, seed=seed),
                jer=pooled_interval([jer_components(s.parts) for s in group], jer_rate, seed=seed),
                missed=summed["missed detection"] / total,
                false_alarm=summed["false alarm"] / total,
                confusion=summed["confusion"] / total,
                speaker_count_errors=sum(
                    s.reference_speakers != s.hypothesis_speakers for s in group
                ),
            )
        )
    return pooled

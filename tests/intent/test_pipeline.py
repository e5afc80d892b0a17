"""The whole pipeline with the scripted mock model (a test double): results, report, closed
loop, resume, and personal data that never reaches a model request."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from intent import IntentError, IntentRun, analyze, resume, synthetic_log
from intent._store import RunFolder
from tests.intent.conftest import small_log_at, write_config
from tests.intent.scripted import scripted_model


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> IntentRun:
    """One run shared by the tests that only read it."""
    folder = tmp_path_factory.mktemp("run")
    config = write_config(folder, small_log_at(folder), gold="true", gold_limit="12")
    return analyze(config=config, model=scripted_model(), out=folder / "run")


def test_a_run_writes_results_report_and_plots(run: IntentRun) -> None:
    folder = run.folder
    for name in (
        "intent.json",
        "report.md",
        "report.html",
        "map.png",
        "clusters.png",
        "loop.png",
        "plan.md",
        "facets.jsonl",
        "clusters.json",
        "scrub.json",
    ):
        assert (folder / name).is_file(), name
    saved = json.loads((folder / "intent.json").read_text())
    results = run.results
    assert saved["k"] == results.k and 4 <= results.k <= 9
    assert sum(row.size for row in results.clusters) == 72
    assert results.caveats[0].startswith("Model replies come from the scripted mock provider")
    markdown = (folder / "report.md").read_text()
    assert markdown.index("Read this first") < markdown.index("## Analysis plan")
    assert markdown.index("## Analysis plan") < markdown.index("## Clusters")
    assert "<table>" in (folder / "report.html").read_text()


def test_validation_scores_the_clustering_against_the_planted_intents(run: IntentRun) -> None:
    v = run.results.validation
    assert v is not None and v.planted_intents == 12
    assert 0.3 < v.kmeans.ari <= 1 and 0.3 < v.kmeans.nmi <= 1
    assert v.prompt_only is not None and v.groups_vs_domain is not None
    assert v.missing_recall is not None and 0 <= v.missing_recall.mean <= 1
    assert v.ari_over_seeds is not None and v.ari_over_seeds.n == 3
    assert run.results.stability.seeds is not None and run.results.stability.bootstrap is not None


def test_the_closed_loop_compares_two_clusters_with_paired_intervals(run: IntentRun) -> None:
    loop = run.results.loop
    assert loop is not None and len(loop.clusters) == 2 and loop.planted_users
    assert loop.policies == ["original", "baseline", "clarify", "rewrite", "system"]
    pooled = {
        (d.policy, d.reference): d
        for d in loop.differences
        if d.metric == "coverage" and d.cluster is None
    }
    clarify = pooled[("clarify", "original")]
    # The scripted app asks under the clarify fix and uses the answers: coverage goes up.
    assert clarify.estimate.mean > 0 and clarify.estimate.low is not None
    assert clarify.estimate.n == loop.users
    assert pooled[("baseline", "original")].estimate.mean == 0
    assert clarify.p_holm is not None and clarify.p_holm >= (clarify.p_value or 0)
    per_cluster = [d for d in loop.differences if d.cluster is not None and d.metric == "coverage"]
    assert {d.cluster for d in per_cluster} == set(loop.clusters)
    # The scripted judge always answers "A": the report shows the position bias.
    assert all(
        p.first_shown_chosen is not None and p.first_shown_chosen.mean == 1 for p in loop.pairs
    )


def test_the_judge_is_blind_to_the_policy_and_positions_are_randomised(run: IntentRun) -> None:
    folder = run.folder
    judged = [
        json.loads(x) for x in (folder / "transcripts" / "judge.jsonl").read_text().splitlines()
    ]
    for line in judged:
        request = json.dumps(line["messages"])
        assert not re.search(r"\b(clarify|rewrite|baseline|original)\b", request)
    pairs = [json.loads(x) for x in (folder / "pairs.jsonl").read_text().splitlines()]
    assert {p["fix_first"] for p in pairs} == {True, False}


def test_planted_personal_data_never_reaches_a_model_request(run: IntentRun) -> None:
    rows = [json.loads(x) for x in (run.folder.parent / "log.jsonl").read_text().splitlines()]
    secrets = set()
    for row in rows:
        secrets |= set(re.findall(r"[\w.]+@example\.com", row["text"]))
        secrets |= set(re.findall(r"EXAMPLE-\w+", row["text"]))
        secrets |= set(re.findall(r"\+1 415 555 \d{4}", row["text"]))
        secrets |= set(re.findall(r"Thanks, (\w+ \w+)", row["text"]))
    assert len(secrets) >= 4
    transcripts = sorted((run.folder / "transcripts").glob("*.jsonl"))
    assert {p.stem for p in transcripts} >= {"facets", "names", "fixes", "app", "user", "judge"}
    sent = "".join(path.read_text() for path in transcripts)
    assert "[EMAIL]" in sent or "[KEY]" in sent or "[PHONE]" in sent or "[NAME]" in sent
    for secret in secrets:
        assert secret not in sent, secret
    assert run.results.scrub.prompts_changed == sum(1 for row in rows if row["planted_pii"])


def test_the_gold_set_is_labelled_by_the_judge(run: IntentRun) -> None:
    gold = run.results.gold
    assert gold is not None and gold.n == 12 and gold.labelled == 12
    assert gold.clarification_agreement is not None


def test_resume_reads_finished_calls_back(run: IntentRun, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run.folder, tmp_path / "copy"))
    again = scripted_model()
    resumed = resume(run_dir=copy, model=again)
    assert len(again.requests) == 0
    assert resumed.results.k == run.results.k
    assert resumed.results.loop == run.results.loop
    assert resumed.results.gold == run.results.gold


def test_a_killed_run_continues_where_it_stopped(run: IntentRun, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(run.folder, tmp_path / "copy"))
    facets = (copy / "facets.jsonl").read_text().splitlines()
    # As if killed during the facets: ten lines kept, the eleventh cut mid-line.
    (copy / "facets.jsonl").write_text("\n".join(facets[:10]) + "\n" + facets[10][:25])
    again = scripted_model()
    resumed = resume(run_dir=copy, model=again)
    facet_calls = [r for r in again.requests if r.tools and r.tools[0].name == "facets"]
    assert len(facet_calls) == len(facets) - 10
    assert len(RunFolder(copy).done("facets.jsonl", "id")) == len(facets)
    assert resumed.results.clusters == run.results.clusters


def test_an_existing_run_folder_is_not_overwritten(run: IntentRun) -> None:
    config = run.folder / "config.yaml"
    with pytest.raises(IntentError, match="intent resume"):
        analyze(config=config, model=scripted_model(), out=run.folder)


def test_a_100k_row_log_finishes_on_its_sample(tmp_path: Path) -> None:
    rows = synthetic_log()
    path = tmp_path / "big.jsonl"
    with open(path, "w", encoding="utf-8") as stream:
        for i in range(100_000):
            row = rows[i % len(rows)]
            stream.write(
                json.dumps({"id": f"r{i}", "text": row["text"], "outcome": row["outcome"]}) + "\n"
            )
    config = write_config(tmp_path, path, sample="40", **{"loop": "{clusters: 0}"})
    run = analyze(config=config, model=scripted_model(), out=tmp_path / "run")
    assert run.results.log.rows == 100_000 and run.results.log.sampled == 40
    assert sum(row.size for row in run.results.clusters) == 40
    assert any("100,000 prompts" in caveat for caveat in run.results.caveats)

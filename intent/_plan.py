"""The analysis plan (written to plan.md before any result, and quoted by the report) and the
caveats a reader must see first."""

from __future__ import annotations

from datetime import UTC, datetime

from intent._config import IntentConfig
from intent._results import IntentResults


def analysis_plan(config: IntentConfig) -> str:
    """What will be measured and how it will be compared, fixed before the run."""
    loop = config.loop
    fixes = ", ".join(loop.fixes)
    ks = f"{config.clustering.k_min}..{config.clustering.k_max}"
    return f"""# Analysis plan

Written {datetime.now(UTC).isoformat(timespec="seconds")}, before any result of this run.

- **Clusters:** k-means on {config.clustering.embedder} embeddings of the
  {config.clustering.embed_text}; k is the one in {ks}
  with the highest mean silhouette (cosine). HDBSCAN runs beside it. Stability: ARI between
  {config.clustering.seeds} seeds and over {config.clustering.resamples} bootstrap resamples.
- **Validation** (a log with planted labels): ARI and NMI against the planted intents; recall and
  precision of planted missing constraints (resampled by prompt); ambiguity recall.
- **Closed loop:** the {loop.clusters} clusters whose prompts leave out the most, {loop.users}
  simulated users each, at most {loop.max_turns} assistant turns. Policies: the original, the
  trivial baseline ("Be specific."){"" if loop.baseline else " (off)"} and the written fixes
  ({fixes}).
- **Primary outcome:** hidden-detail coverage (share of a user's held-back details the final
  answer respects, by the blind judge), as the paired difference fix - original over the same
  users, pooled over clusters, with a 95 % percentile bootstrap interval; sign-flip
  randomisation p-values, Holm-adjusted over the fixes.
- **Secondary:** the same difference against the baseline; recovery (held-back details the
  assistant asked for), turns, judged success, drift (constraints the answer assumed that the
  user never held); per cluster; side-by-side judging against the original with the order
  randomised (win rate among decided pairs, Wilson interval; how often the first-shown answer
  wins, for position bias).
- **Reading:** a fix captures intent better when its pooled coverage difference against the
  original and against the baseline both have intervals above zero, without more drift.
"""


def caveats(config: IntentConfig, results: IntentResults) -> list[str]:
    """The run's own caveats, first in the report."""
    out: list[str] = []
    models = set(results.models.values())
    if any(m.startswith("mock/") for m in models):
        out.append(
            "Model replies come from the scripted mock provider, a test double: no number in "
            "this report is a model's result."
        )
    if any(m.startswith("local/") for m in models):
        out.append(
            f"Every role is played by the embedded {', '.join(sorted(models))}: a small model on "
            "CPU. Its facets, names, users and judgements are noisy; use a stronger model for "
            "findings."
        )
    log = results.log
    if log.sampled < log.rows:
        out.append(
            f"The log has {log.rows:,} prompts; {log.sampled:,} were analysed (a seeded "
            "reservoir sample). Outcome counts of the whole log are in log.json."
        )
    if results.facets_failed:
        out.append(
            f"{results.facets_failed} prompt(s) got no facets (the reply did not parse); they "
            "are clustered on their text alone."
        )
    if results.loop is not None:
        out.append(
            f"The closed loop has {results.loop.users} simulated users: its intervals are wide, "
            "and simulated users and a model judge stand in for people."
        )
        if not results.loop.planted_users:
            out.append("The simulated users' hidden details were written by a model.")
    if results.validation is not None:
        out.append(
            "Missing-constraint precision is a lower bound: the generator plants three slots "
            "per intent, and a kind it did not plant may still be missing."
        )
    if results.source == "regenlab":
        out.append(
            "Prompts here are builder journals; the outcome is whether the journal arm's "
            "regenerated code lost hidden tests the original passed."
        )
    return out

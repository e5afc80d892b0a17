"""The hidden tests that fail only in the regenerated code, each linked to the diffs of the
files it most likely concerns (a heuristic pointer, not a proof of cause)."""

from __future__ import annotations

import re

from analysis import (
    HiddenTestRun,
    TestComparison,
)
from experiments._results import TrialResult
from experiments.reports._trial_view import (
    FALLBACK_FILES,
    NOT_AVAILABLE,
    TRACEBACK_LINES,
    FileDiff,
    Link,
    Regression,
    _Anchors,
)

_SECTION = re.compile(r"^_{3,} (.+?) _{3,}$", re.MULTILINE)


_SUMMARY_LINE = re.compile(r"^=+ .* =+$", re.MULTILINE)


def _regressions(
    result: TrialResult,
    arm: str,
    tests: TestComparison | None,
    diffs: list[FileDiff],
    anchors: _Anchors,
) -> list[Regression]:
    if tests is None:
        return []
    run = result.tests.get(arm)
    outcomes = {o.nodeid: o for o in run.outcomes} if run else {}
    tracebacks = _tracebacks(run)
    found = []
    for nodeid, cell in tests.per_test.items():
        if cell != "original_only":
            continue
        outcome = outcomes.get(nodeid)
        message = outcome.message if outcome else ""
        traceback = tracebacks.get(".".join(nodeid.split("::")[1:]), "")
        found.append(
            Regression(
                anchor=anchors.make("regression", arm, nodeid),
                nodeid=nodeid,
                outcome=outcome.outcome if outcome else NOT_AVAILABLE,
                message=message or "(no message)",
                traceback=_tail(traceback),
                links=_links(f"{message}\n{traceback}", diffs),
            )
        )
    return found


def _tracebacks(run: HiddenTestRun | None) -> dict[str, str]:
    """Each test's failure section of the pytest output kept in the run, by its head line."""
    if run is None:
        return {}
    output = run.output_tail
    heads = list(_SECTION.finditer(output))
    found = {}
    for k, head in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else len(output)
        body = _SUMMARY_LINE.split(output[head.end() : end])[0]
        found[head.group(1)] = body.strip("\n")
    return found


def _tail(text: str) -> str:
    lines = text.splitlines()
    cut = len(lines) - TRACEBACK_LINES
    return "\n".join(([f"… ({cut} lines above)"] if cut > 0 else []) + lines[-TRACEBACK_LINES:])


def _links(failure: str, diffs: list[FileDiff]) -> list[Link]:
    named = [d for d in diffs if any(_mentions(failure, p) for p in (d.original, d.regenerated))]
    if named:
        return [Link(d.anchor, d.title, "named in the failure") for d in named]
    ranked = [d for d in diffs if d.score is not None and not _is_test(d.original or "")]
    ranked.sort(key=lambda d: (d.score, d.title))
    lowest = ranked[:FALLBACK_FILES]
    return [Link(d.anchor, d.title, f"lowest text similarity: {d.text}") for d in lowest]


def _mentions(text: str, path: str | None) -> bool:
    if not path:
        return False
    module = re.sub(r"(^src/)|(/__init__)?\.py$", "", path).replace("/", ".")
    return any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", text) for name in (module, path))


def _is_test(path: str) -> bool:
    *folders, name = path.split("/")
    if any(folder in ("test", "tests") for folder in folders):
        return True
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"

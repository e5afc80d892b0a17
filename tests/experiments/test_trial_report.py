"""The per-trial report (report.html and report.md) of a run made with scripted mock models.

The golden Markdown is regenerated with `REGENLAB_UPDATE_GOLDEN=1 pytest tests/experiments/
test_trial_report.py`; review its diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agents.models import MockModel
from experiments import ExperimentsError, RunDir, run_trials
from experiments.reports import TrialReport, trial_report, write_trial_report
from experiments.reports._trial_diffs import _rows

SCRIPTS = Path(__file__).with_name("scripts")
GOLDEN = Path(__file__).with_name("golden") / "trial_report.md"
BUNDLED_TASK = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache"
CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SECTIONS = (
    "Overview",
    "Headline numbers",
    "Tests that fail only in the regenerated code",
    "Arm: journal",
    "Arm: prompt",
    "Journal",
    "Model usage",
)
LEAKED = "LRUCache(capacity, ttl_seconds=None, clock=time.monotonic)"


def mock(name: str) -> MockModel:
    return MockModel.from_file(SCRIPTS / f"{name}.yaml", name=name)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One finished run for the whole module (as test_workflow's `finished`, made once)."""
    root = tmp_path_factory.mktemp("trial-report")
    task = root / "tasks" / BUNDLED_TASK.name
    shutil.copytree(BUNDLED_TASK, task)
    [result] = run_trials(
        task,
        builder_model=mock("builder"),
        regenerator_model=lambda arm: mock("regenerator"),
        out=root / "runs",
    )
    assert result.status == "completed", result.error
    return Path(result.run_dir)


@pytest.fixture(scope="module")
def report(run_dir: Path) -> TrialReport:
    return write_trial_report(run_dir)


def mask(text: str, run_dir: Path) -> str:
    """The report with what changes from run to run (ids, paths, times, addresses) masked."""
    text = text.replace(str(run_dir), "<run-dir>").replace(run_dir.name, "<run-id>")
    text = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}( \w+)?", "<time>", text)
    text = re.sub(r"\b\d+(\.\d+)? s\b", "<seconds>", text)
    return re.sub(r"\b0x[0-9a-f]+\b", "0x<address>", text)


class _Page(HTMLParser):
    """The ids, internal links and external references of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.regression_links: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self._in_regression = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if "id" in values:
            self.ids.add(values["id"])
        if tag == "script":
            self.scripts += 1
        if tag == "li" and "regression" in values.get("class", "").split():
            self._in_regression += 1
        for name in ("src", "href"):
            ref = values.get(name, "")
            if ref.startswith("#"):
                self.links.append(ref[1:])
                if self._in_regression:
                    self.regression_links.append(ref[1:])
            elif ref:
                self.external.append(ref)

    def handle_endtag(self, tag: str) -> None:
        if tag == "li" and self._in_regression:
            self._in_regression -= 1


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def test_markdown_matches_the_golden_file(report: TrialReport, run_dir: Path) -> None:
    markdown = mask(report.markdown.read_text(encoding="utf-8"), run_dir)
    if os.environ.get("REGENLAB_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8"), (
        "report.md changed; if on purpose, rerun with REGENLAB_UPDATE_GOLDEN=1 and review the diff"
    )


def test_rendering_is_deterministic(report: TrialReport, run_dir: Path) -> None:
    html, markdown = trial_report(run_dir)
    assert html == report.html.read_text(encoding="utf-8")
    assert markdown == report.markdown.read_text(encoding="utf-8")


def test_markdown_shows_the_notes_numbers_and_journal(report: TrialReport) -> None:
    markdown = report.markdown.read_text(encoding="utf-8")
    assert "mock/builder replays a script: a test double" in markdown
    assert "| journal | 38.5% | 15.4% | 0.40 |" in markdown
    assert "| original passes | 4 (both pass) | 6 (original only) |" in markdown
    assert "### 1. plan — `lru_ttl.py`" in markdown and "```diff" in markdown


def test_html_is_self_contained(report: TrialReport) -> None:
    html = report.html.read_text(encoding="utf-8")
    page = parse(html)
    assert page.external == [] and page.scripts == 0
    assert not re.search(r"<link\b|@import|url\(", html)
    assert ".hl .k" in html, "pygments' style definitions are inlined"


def test_html_has_the_key_sections(report: TrialReport) -> None:
    html = report.html.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert f"<h2>{heading}</h2>" in html, heading
    assert "replays a script: a test double, not a model result." in html
    assert 'class="diff hl"' in html and '<span class="k">' in html


def test_failing_tests_link_to_diffs_that_exist(report: TrialReport) -> None:
    page = parse(report.html.read_text(encoding="utf-8"))
    assert set(page.links) <= page.ids, set(page.links) - page.ids
    # The scripted rebuild drops the capacity check: 6 tests per arm fail only there.
    assert len(page.regression_links) == 12
    assert set(page.regression_links) == {"diff-journal-lru_ttl-py", "diff-prompt-lru_ttl-py"}


def test_leaked_lines_are_marked(run_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / run_dir.name, ignore=shutil.ignore_patterns(".git"))
    path = copy / RunDir.ANALYSIS
    analyses = json.loads(path.read_text(encoding="utf-8"))
    analyses["journal"]["journal"]["leaked_lines"] = [LEAKED]
    path.write_text(json.dumps(analyses), encoding="utf-8")
    html, markdown = trial_report(copy)
    assert f"<mark>{LEAKED}</mark>" in html and f"<mark>{LEAKED}</mark>" in markdown
    assert 'class="entry leaks"' in html


def test_a_run_without_analysis_renders_what_exists(run_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / run_dir.name, ignore=shutil.ignore_patterns(".git"))
    (copy / RunDir.ANALYSIS).unlink()
    html, markdown = trial_report(copy)
    for text in (html, markdown):
        assert "analysis.json not found" in text and "not available" in text
        assert "38.5%" in text, "pass rates come from results.json"
    assert "| original passes | 4 (both pass) | 6 (original only) |" in markdown
    assert 'class="diff hl"' not in html
    page = parse(html)
    assert set(page.links) <= page.ids


def test_a_file_whose_text_differs_is_marked_changed(report: TrialReport) -> None:
    html = report.html.read_text(encoding="utf-8")
    markdown = report.markdown.read_text(encoding="utf-8")
    assert "- `lru_ttl.py` — changed, text similarity 64.9%" in markdown
    assert "1 in common (1 changed;" in markdown
    changed = re.search(
        r'<li class="changed"><span>lru_ttl\.py</span> <a [^>]*href="#([^"]+)"', html
    )
    assert changed is not None and changed.group(1) == "diff-journal-lru_ttl-py"
    assert 'li.changed::before { content: "~"' in html
    assert '<li class="common">' not in html, "no file of this run is the same in both"


def test_a_file_with_the_same_text_stays_common(run_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(run_dir, tmp_path / run_dir.name, ignore=shutil.ignore_patterns(".git"))
    original = (copy / "original" / "lru_ttl.py").read_text(encoding="utf-8")
    regenerated = copy / "regenerated" / "journal" / "lru_ttl.py"
    regenerated.write_text(original.replace("\n", "\r\n"), encoding="utf-8")
    html, markdown = trial_report(copy)
    assert '<li class="common"><span>lru_ttl.py</span></li>' in html
    assert "\n- `lru_ttl.py`\n" in markdown, "the journal arm's file is unmarked: the same"
    assert "- `lru_ttl.py` — changed" in markdown, "the prompt arm's file still differs"


def test_journal_metrics_only_for_arms_given_the_journal(report: TrialReport) -> None:
    markdown = report.markdown.read_text(encoding="utf-8")
    assert "| prompt | 38.5% | 15.4% | 0.40 | 54.4% | 36.5% | 80.0% | — | — |" in markdown
    assert "| journal | 38.5% | 15.4% | 0.40 | 54.4% | 36.5% | 80.0% | 0.0% | 0.52 |" in markdown


def test_a_folder_without_results_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExperimentsError, match=r"results\.json: not found"):
        trial_report(tmp_path)


def test_long_unchanged_runs_are_folded() -> None:
    a = [f"x{i} = {i}" for i in range(30)]
    b = [*a[:15], "changed = True", *a[16:]]
    rows = _rows(a, b)
    assert [r.kind for r in rows] == ["fold", *["equal"] * 3, "change", *["equal"] * 3, "fold"]
    assert rows[0].folded == 12 and rows[-1].folded == 11
    assert rows[4].left_no == rows[4].right_no == 16


def _playwright_or_skip() -> None:
    """Skip when the browser check cannot run here; in CI that is a failure, not a skip."""
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} not found (scripts/setup installs Debian's chromium as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright is not installed (pip install -e '.[dev]')")
    if missing:
        reason = "browser check: " + "; ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.mark.slow
def test_report_opens_in_headless_chromium(report: TrialReport, tmp_path: Path) -> None:
    _playwright_or_skip()
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    requests: list[str] = []
    screenshot = tmp_path / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"page error: {e}"))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(report.html.as_uri())
            headings = page.locator("h2").all_inner_texts()
            page.locator("#regressions a").first.click()
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert all(url.startswith("file://") for url in requests), requests
    assert set(SECTIONS) <= {h.strip() for h in headings}, headings
    assert screenshot.is_file() and screenshot.stat().st_size > 0

"""The post draft and its number check, with scripted mock models as the editor (test doubles)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agents.models import Message, MockModel, ToolSpec
from experiments import (
    ExperimentsError,
    PostRejected,
    RunConfig,
    RunDir,
    draft_post,
    expand,
    experiment_report,
    load_experiment,
    new_experiment_dir,
    run_experiment,
    write_post,
)
from experiments.cli import app
from experiments.reports._post import (
    check_numbers,
    moved_numbers,
    numbers_in,
    render_draft,
    reproduction,
)
from experiments.reports._summary import METRIC, ExperimentSummary, fmt
from tests.experiments.conftest import BUNDLED_TASK
from tests.experiments.test_summary_report import BROKEN, KILLED, SCRIPTS, make_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_runs(tmp_path_factory.mktemp("post"))


@pytest.fixture(scope="module")
def summary(runs: Path) -> ExperimentSummary:
    return experiment_report(runs)


@pytest.fixture(scope="module")
def drafted(summary: ExperimentSummary) -> tuple[str, set[str]]:
    return render_draft(summary)


def _fidelity(summary: ExperimentSummary, arm: str) -> str:
    estimate = summary.groups[0].columns[arm]["fidelity"].estimate
    assert estimate is not None
    return fmt(estimate.mean, METRIC["fidelity"].kind)


def _echo(messages: list[Message], tools: list[ToolSpec]) -> str:
    return messages[-1].content


def test_the_draft_passes_its_own_number_check(runs: Path, drafted: tuple[str, set[str]]) -> None:
    draft, allowed = drafted
    assert draft_post(runs) == draft
    assert check_numbers(draft, allowed) == []
    assert len(numbers_in(draft)) > 30, "the findings carry numbers"


def test_the_draft_has_every_section(summary: ExperimentSummary, drafted: tuple[str, set[str]]):
    draft, _ = drafted
    for heading in ("The question", "Setup", "Findings", "Plots", "Limits", "Reproduce"):
        assert f"## {heading}" in draft
    assert f"| `journal` | 23% [15%, 38%] | {_fidelity(summary, 'journal')} [0.40, 1.00] |" in draft
    assert "`journal - prompt`: -0.40 [-0.60, 0.00] over 3 builder output(s)" in draft
    assert "![Fidelity by arm](summary-fidelity-by-arm.png)" in draft
    assert "replays a script: a test double, not a model result" in draft
    assert "regex tokenizer" in draft
    assert all(f"`{backend}` sandbox" in draft for backend in summary.sandboxes)
    assert "--trials 3" in draft and "--arms journal,prompt" in draft
    assert "radon: 6.0.1" in draft and "`zz-broken-run` (error)" in draft


def test_a_changed_number_is_caught(summary: ExperimentSummary, drafted: tuple[str, set[str]]):
    draft, allowed = drafted
    original = _fidelity(summary, "journal")
    assert "0.47" not in allowed
    changed = draft.replace(f"| {original} [", "| 0.47 [", 1)
    assert changed != draft
    assert check_numbers(changed, allowed) == ["0.47"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fidelity 0.82 [0.71, 0.93], 45% of 3 trials", ["0.82", "0.71", "0.93", "45%", "3"]),
        ("a change of -0.40 and \u22120.10 and +0.20", ["-0.40", "-0.10", "0.20"]),
        ("n=1: no interval; snippets<=5; $0.0123", ["1", "5", "0.0123"]),
        ("gpt-4.1, claude-sonnet-4-6, H100, G1, v2", []),
        ("a 270M model, 10k tokens", ["270M", "10k"]),
        (
            "journal is 3x better: 90pp more, a 2-fold gain, 1e3 tokens",
            ["3x", "90pp", "2-fold", "1e3"],
        ),
        (
            "x3 faster, 2.5\u00d7 the cost, 2.5e-4, a 1.5-fold drop",
            ["x3", "2.5x", "2.5e-4", "1.5-fold"],
        ),
        ("+5 pp and 5pp", ["5", "5pp"]),
        ("`--trials 7` and\n```bash\nexperiment run x --trials 9\n```\n", []),
        ("![plot](summary-2.png) see https://example.org/v2", []),
        ("1. first\n2. second 0.5", ["0.5"]),
        ("10,000 resamples, Python 3.11.7, tasks 2-4", ["10000", "3.11.7", "2", "4"]),
    ],
)
def test_number_extraction_rule(text: str, expected: list[str]) -> None:
    assert numbers_in(text) == expected


def test_check_numbers_returns_each_stranger_once() -> None:
    assert check_numbers("0.5 and 0.6 and 0.6 and 7%", {"0.5"}) == ["0.6", "7%"]


def test_a_model_that_keeps_every_number_is_accepted(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    editor = MockModel("editor", _echo)
    assert draft_post(runs, model=editor) == draft
    [request] = editor.requests
    assert request.messages[0].role == "system" and "number" in request.messages[0].content
    assert request.messages[1].content == draft


def test_a_reply_wrapped_in_a_markdown_fence_is_unwrapped(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    editor = MockModel("editor", [f"```markdown\n{draft}```\n"])
    assert draft_post(runs, model=editor) == draft


def test_a_model_that_changes_a_number_is_rejected(
    runs: Path, summary: ExperimentSummary, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    polished = draft.replace(f"| {_fidelity(summary, 'journal')} [", "| 0.47 [", 1)
    with pytest.raises(PostRejected, match=r"0\.47") as caught:
        draft_post(runs, model=MockModel("editor", [polished]))
    assert caught.value.numbers == ["0.47"] and caught.value.draft == draft


def test_a_model_that_changes_a_command_is_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    polished = draft.replace("--trials 3", "--trials 30")
    with pytest.raises(PostRejected, match="code not in the draft") as caught:
        draft_post(runs, model=MockModel("editor", [polished]))
    assert caught.value.numbers == [] and caught.value.changed_code


def test_write_post_keeps_the_draft_when_the_polish_is_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    with pytest.raises(PostRejected):
        write_post(runs, model=MockModel("editor", [draft.replace("95%", "99%")]))
    assert (runs / "post.md").read_text() == draft
    assert "99%" in (runs / "post.rejected.md").read_text()
    assert (runs / "summary-fidelity-by-arm.png").is_file(), "the plots the post links exist"
    assert write_post(runs, model=MockModel("editor", _echo)) == runs / "post.md"


def _row(draft: str, arm: str) -> str:
    return next(line for line in draft.splitlines() if line.startswith(f"| `{arm}` |"))


def test_values_moved_to_another_arm_are_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, allowed = drafted
    journal, prompt = _row(draft, "journal"), _row(draft, "prompt")
    swapped = draft.replace(journal, "\0").replace(prompt, journal.replace("`journal`", "`prompt`"))
    swapped = swapped.replace("\0", prompt.replace("`prompt`", "`journal`"))
    assert swapped != draft and check_numbers(swapped, allowed) == [], "every value is a result"
    with pytest.raises(PostRejected, match="numbers not as in the draft") as caught:
        draft_post(runs, model=MockModel("editor", [swapped]))
    assert caught.value.numbers == [] and caught.value.moved


def test_a_claim_built_from_an_allowed_number_is_rejected(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, allowed = drafted
    assert "3" in allowed, "the trial count"
    claim = draft.replace("## Limits\n", "## Limits\n\nThe journal is 3 times better.\n", 1)
    with pytest.raises(PostRejected) as caught:
        draft_post(runs, model=MockModel("editor", [claim]))
    assert caught.value.moved == ["3 added"]
    unit = draft.replace("## Limits\n", "## Limits\n\nThe journal is 3x better.\n", 1)
    with pytest.raises(PostRejected) as caught:
        draft_post(runs, model=MockModel("editor", [unit]))
    assert caught.value.numbers == ["3x"]


def test_rewording_that_keeps_the_numbers_in_place_is_accepted(
    runs: Path, drafted: tuple[str, set[str]]
) -> None:
    draft, _ = drafted
    edits = {
        "An AI coding agent, the *builder*, builds": "An AI coding agent (the *builder*) writes",
        "We ask two things:": "We ask two questions:",
        "Paired differences on the same": "Paired differences, on the same",
        "- Trials: ": "- Trials run: ",
        ". Arms are compared by": ".\nArms are compared by",
    }
    polished = draft
    for old, new in edits.items():
        assert old in polished, old
        polished = polished.replace(old, new)
    assert draft_post(runs, model=MockModel("editor", [polished])) == polished


def test_moved_numbers_names_each_difference() -> None:
    assert moved_numbers("journal 0.60, prompt 1.00", "the journal: 0.60; prompt 1.00") == []
    assert moved_numbers("journal 0.60, prompt 1.00", "journal 1.00, prompt 0.60") != []
    assert moved_numbers("a 1 b 2", "a 1 b") == ["2 dropped"]
    assert moved_numbers("a 1 b 2", "a 7 b 2") == ["1 became 7"]


def test_post_on_a_missing_or_empty_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ExperimentsError, match="not a folder"):
        write_post(tmp_path / "nope")
    with pytest.raises(ExperimentsError, match="no run directory found"):
        write_post(tmp_path)
    assert list(tmp_path.iterdir()) == [], "nothing is written"
    for folder in (tmp_path / "nope", tmp_path):
        result = CliRunner().invoke(app, ["post", str(folder)])
        assert result.exit_code == 2, result.output
        assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_post_with_no_completed_trial_names_the_failures(runs: Path, tmp_path: Path) -> None:
    for name in (BROKEN, KILLED):
        shutil.copytree(runs / name, tmp_path / name)
    with pytest.raises(ExperimentsError, match="scripted failure"):
        write_post(tmp_path)
    assert not (tmp_path / "post.md").exists()


def test_a_single_run_command_keeps_the_cache_setting(summary: ExperimentSummary) -> None:
    runs = []
    for run in summary.runs:
        assert run.config is not None
        runs.append(
            run.model_copy(update={"config": run.config.model_copy(update={"cache": False})})
        )
    [command] = reproduction(summary.model_copy(update={"runs": runs})).commands[-1:]
    assert command.endswith("\\\n    --no-cache")
    assert "--no-cache" not in reproduction(summary).commands[-1]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A matrix experiment (one task, two trials, one arm) with scripted mocks, a budget and
    the cache off; returns its folder of experiments."""
    root = tmp_path_factory.mktemp("matrix")
    spec = {
        "name": "post-matrix",
        "tasks": [str(BUNDLED_TASK)],
        "models": [
            {
                "builder": f"mock/{SCRIPTS / 'builder.yaml'}",
                "regenerator": f"mock/{SCRIPTS / 'regenerator.yaml'}",
            }
        ],
        "arms": ["journal"],
        "trials": 2,
        "max_cost": 5.0,
        "cache": False,
    }
    (root / "experiment.yaml").write_text(yaml.safe_dump(spec))
    out = root / "runs"
    folder = new_experiment_dir(root / "experiment.yaml", out, cache=False)
    progress = run_experiment(folder, max_concurrency=1)
    assert progress.done == 2, progress.errors
    return out


def test_a_matrix_is_reproduced_from_its_experiment_yaml(matrix: Path) -> None:
    [folder] = [p for p in matrix.iterdir() if p.is_dir()]
    [command] = reproduction(experiment_report(matrix)).commands
    assert command == (
        f"experiment run {folder / 'experiment.yaml'} \\\n"
        f"    --out {matrix} \\\n    --max-cost 5.0 \\\n    --no-cache"
    )
    # The file the command names expands to the trials that ran, with the same configuration.
    path = Path(shlex.split(command.replace("\\\n", " "))[2])
    jobs = expand(load_experiment(path), path.parent)
    ran = {
        p.name: yaml.safe_load((p / RunDir.RUN).read_text())["config"]
        for p in folder.iterdir()
        if (p / RunDir.RUN).is_file()
    }
    # A trial's cost cap is its share of the experiment's budget when it starts: left out.
    share = {"max_cost_usd"}
    assert {job.key: job.config.model_dump(exclude=share) for job in jobs} == {
        key: RunConfig.model_validate(config).model_dump(exclude=share)
        for key, config in ran.items()
    }
    assert all(not job.config.cache for job in jobs)

"""Bad suite files: one line naming the file, the field and the fix; the CLI exits with 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from experiments.cli import app
from robustness import SuiteError, load_suite
from tests.robustness.conftest import TINY_SUITE, write

GOOD = TINY_SUITE


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda s: s.replace("name: tiny", "name: Tiny Suite"), "field 'name'"),
        (
            lambda s: s.replace("  kind: label\n", "  kind: label\n  colour: blue\n"),
            "field 'output.colour'.*remove it",
        ),
        (
            lambda s: s.replace("kind: label", "kind: xml"),
            "field 'output.kind'.*text, json, label, python",
        ),
        (
            lambda s: s.replace("families: [format", "families: [fromat"),
            "field 'variants.families.0'",
        ),
        (
            lambda s: s.replace(
                "expect: {label: billing}}\n  - {id: c2",
                "assert: [{type: containz, value: x}]}\n  - {id: c2",
            ),
            "unknown assertion type 'containz'",
        ),
        (lambda s: s.replace("id: c2,", "id: c1,"), "'c1' is used twice"),
        (
            lambda s: s.replace('"Question: {{q}}"', '"Question: {{q}} {{who}}"'),
            r"no value for \{\{who\}\}",
        ),
        (
            lambda s: s.replace('"Question: {{q}}"', '"{% if q %}{{q}}{% endif %}"'),
            "template logic",
        ),
        (lambda s: s.replace("  labels: [billing, tech]\n", ""), "needs `output.labels`"),
        (
            lambda s: s.replace(
                "expect: {label: billing}}\n  - {id: c2", "vars: {q: a}}\n  - {id: c2"
            ),
            "no `expect` and no `assert`",
        ),
        (
            lambda s: s.replace("quick: {repeats: 2", "quick: {repeats: 0"),
            "field 'profiles.quick.repeats'",
        ),
        (lambda s: s + "cases_file: more.yaml\n", "give `cases` or `cases_file`, not both"),
        (
            lambda s: s.replace("prompts:\n  - id: ask", "prompts: []\nold:\n  - id: ask"),
            "field 'prompts'",
        ),
        (lambda s: "- just\n- a list\n", "expected a mapping of suite fields"),
        (
            lambda s: s.replace("output:", "  - {id: ask, user: x}\noutput:"),
            "prompt id 'ask' is used twice",
        ),
    ],
)
def test_a_bad_suite_is_one_line_naming_the_file_and_field(
    tmp_path: Path, edit: object, message: str
) -> None:
    path = write(tmp_path / "robustness.yaml", edit(GOOD))  # type: ignore[operator]
    with pytest.raises(SuiteError, match=message) as caught:
        load_suite(path)
    text = str(caught.value)
    assert "\n" not in text and "robustness.yaml" in text


def test_a_missing_cases_file_names_it(tmp_path: Path) -> None:
    head, rest = GOOD.split("cases:\n")
    text = head + "cases_file: nowhere.yaml\nvariants:\n" + rest.split("\nvariants:\n")[1]
    path = write(tmp_path / "robustness.yaml", text)
    with pytest.raises(SuiteError, match=r"nowhere\.yaml: cannot read it"):
        load_suite(path)


def test_the_cli_prints_one_line_and_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path / "robustness.yaml", GOOD.replace("kind: label", "kind: xml"))
    for command in (
        ["variants", str(path)],
        ["run", str(path)],
        ["export", str(path), "--promptfoo"],
    ):
        result = CliRunner().invoke(app, ["robustness", *command])
        assert result.exit_code == 2, command
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and "field 'output.kind'" in lines[0], result.output
        assert "Traceback" not in result.output


def test_flags_are_checked_before_any_work(tiny_suite: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["robustness", "run", str(tiny_suite), "--profile", "huge", "--out", str(out)]
    )
    assert result.exit_code == 2 and "--profile huge" in result.output and "quick" in result.output
    result = CliRunner().invoke(app, ["robustness", "export", str(tiny_suite)])
    assert result.exit_code == 2 and "--promptfoo" in result.output
    result = CliRunner().invoke(app, ["robustness", "report", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "run.json" in result.output


def test_the_bundled_suites_load() -> None:
    from tests.robustness.conftest import SUITES

    for path in sorted(SUITES.glob("*.yaml")):
        if path.name.endswith("_messages.yaml"):
            continue
        loaded = load_suite(path)
        assert loaded.cases and loaded.prompts

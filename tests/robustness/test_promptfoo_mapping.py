"""promptfoo interop without promptfoo: reading its configs, what an export holds, and importing
a results file of promptfoo's shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from robustness import SuiteError, export_promptfoo, import_promptfoo, load_suite
from robustness._variants import CODE_WORDS
from tests.robustness.conftest import write

PROMPTFOO = """\
description: Ticket router
prompts:
  - label: router
    raw: '[{"role": "system", "content": "Route tickets. Reply with one team."},
      {"role": "user", "content": "Ticket: {{ticket}}"}]'
  - file://plain.txt
  - file://make_prompt.py:build
providers:
  - id: openai:chat:gpt-4.1-mini
  - anthropic:messages:claude-sonnet-4-6
defaultTest:
  assert:
    - type: not-contains
      value: "I cannot"
tests:
  - description: a bill
    vars: {ticket: "I was charged twice"}
    assert:
      - {type: icontains, value: billing}
      - {type: similar, value: billing team, threshold: 0.8}
  - vars: {ticket: "crash on start"}
    assert:
      - {type: javascript, value: "output.includes('tech')"}
  - vars: {ticket: [a, b]}
    assert: [{type: equals, value: x}]
  - vars: {ticket: "where is the office"}
    threshold: 0.5
    assert:
      - {type: regex, value: "(?i)other", weight: 2}
      - {type: llm-rubric, value: says it does not know}
outputPath: results.json
"""


def test_a_promptfoo_config_is_read_as_a_suite_and_the_rest_is_named(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("Ticket: {{ticket}}\nTeam?", encoding="utf-8")
    path = write(tmp_path / "promptfooconfig.yaml", PROMPTFOO)
    loaded = load_suite(path)
    assert loaded.source == "promptfoo"
    suite = loaded.suite
    assert suite.name == "ticket-router" and suite.model == "openai/gpt-4.1-mini"
    assert [p.id for p in loaded.prompts] == ["router", "prompt-2"]
    assert loaded.prompts[0].system == "Route tickets. Reply with one team."
    assert loaded.prompts[1].system is None and loaded.prompts[1].user.startswith("Ticket:")
    assert [a.type for a in suite.default_assert] == ["not-contains"]
    assert [c.vars["ticket"] for c in suite.cases] == [
        "I was charged twice",
        "crash on start",
        "where is the office",
    ]
    last = suite.cases[-1]
    assert last.threshold == 0.5 and [a.type for a in last.assertions] == ["regex", "llm-rubric"]
    assert last.assertions[0].weight == 2
    notes = "\n".join(loaded.unmapped)
    for expected in (
        "prompts[2]: file://make_prompt.py:build is a prompt function",
        "providers: 2 given; only the first is used",
        "tests[0].assert[1]: promptfoo assertion type 'similar' has no regenlab equivalent",
        "tests[1].assert[0]: promptfoo assertion type 'javascript'",
        "tests[2]: vars.ticket is a list",
        "outputPath: not used",
    ):
        assert expected in notes, expected


def test_promptfoo_providers_map_to_our_model_strings() -> None:
    from robustness._promptfoo import provider_model

    assert provider_model("openai:gpt-4.1")[:2] == ("openai/gpt-4.1", None)
    assert provider_model({"id": "openai:chat:qwen", "config": {"apiBaseUrl": "http://h/v1"}})[
        :2
    ] == (
        "openai-compatible/qwen",
        "http://h/v1",
    )
    assert provider_model("ollama:chat:llama3")[0] == "openai-compatible/llama3"
    assert provider_model(
        {"id": "file://regenlab_provider.py", "config": {"model": "local/gemma-3-270m"}}
    )[0] == ("local/gemma-3-270m")
    assert provider_model("bedrock:x")[2] == "provider 'bedrock:x' has no regenlab equivalent"


def test_a_tests_file_reference_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path / "promptfooconfig.yaml", "prompts: ['{{x}}']\ntests: file://tests.csv\n")
    with pytest.raises(SuiteError, match=r"tests: 'file://tests\.csv' is a file of tests"):
        load_suite(path)


def _export(tiny_suite: Path, tmp_path: Path) -> tuple[dict[str, Any], Path]:
    out = tmp_path / "export"
    made = export_promptfoo(tiny_suite, out=out, model="mock/none")
    config = yaml.safe_load(made.config.read_text(encoding="utf-8"))
    return config, out


def test_an_export_holds_every_planned_call_with_its_tags(tiny_suite: Path, tmp_path: Path) -> None:
    config, out = _export(tiny_suite, tmp_path)
    labels = [p["label"] for p in config["prompts"]]
    assert labels[0] == "ask:clean" and len(labels) == len(set(labels))
    assert config["providers"][0]["id"] == "file://regenlab_provider.py"
    assert config["providers"][0]["config"]["model"] == "mock/none"
    assert config["metadata"]["regenlab_export"].endswith("regenlab.json")
    assert config["evaluateOptions"]["cache"] is False, "clean repeats are fresh calls"
    keys = set()
    for test in config["tests"]:
        meta = test["metadata"]
        assert test["prompts"] == [meta["variant_id"]] and meta["variant_id"] in labels
        assert {
            "case_id",
            "family",
            "kind",
            "severity",
            "seed",
            "relation",
            "repeat",
            "call_seed",
        } <= set(meta)
        keys.add(meta["regenlab_key"])
        (check,) = test["assert"]
        assert check["type"] == "javascript" and "label" in check["value"]
        assert "{{" not in check["value"] and "{%" not in check["value"]
    assert len(keys) == len(config["tests"])
    chat = json.loads(config["prompts"][0]["raw"])
    assert [m["role"] for m in chat] == ["system", "user"] and "{{q}}" in chat[1]["content"]
    dir_tests = [t for t in config["tests"] if t["metadata"]["relation"] == "DIR"]
    assert dir_tests, "the label-renaming control is exported"
    for test in dir_tests:  # its cases expect the label's new name
        assert any(f'"{word}"' in test["assert"][0]["value"] for word in CODE_WORDS)
    assert (out / "regenlab_provider.py").read_text().count("def call_api") == 1


def _fake_results(config: dict[str, Any], outputs: dict[str, tuple[str, bool]]) -> dict[str, Any]:
    """A results file in promptfoo's shape (the fields the import reads)."""
    rows = []
    for test in config["tests"]:
        output, success = outputs.get(test["metadata"]["case_id"], ("tech", False))
        rows.append(
            {
                "testCase": {"metadata": test["metadata"], "vars": test["vars"]},
                "response": {"output": output},
                "success": success,
                "score": 1.0 if success else 0.0,
                "latencyMs": 12,
            }
        )
    return {"results": {"results": rows, "timestamp": "2026-01-01T00:00:00Z"}, "config": config}


def test_an_import_grades_the_replies_and_compares_the_verdicts(
    tiny_suite: Path, tmp_path: Path
) -> None:
    config, out = _export(tiny_suite, tmp_path)
    outputs = {
        "c1": ("Billing.", True),
        "c2": ("tech", True),
        "c3": ("**billing**", True),
        "c4": ("other", True),
    }
    results = out / "results.json"
    results.write_text(json.dumps(_fake_results(config, outputs)), encoding="utf-8")
    imported = import_promptfoo(results, out=tmp_path / "imported", resamples=300)
    agreement = imported.agreement
    assert agreement.compared == len(config["tests"]) and agreement.not_comparable == 0
    c4 = [
        t["metadata"]["regenlab_key"]
        for t in config["tests"]
        if t["metadata"]["case_id"] == "c4" and t["metadata"]["relation"] != "DIR"
    ]
    assert set(c4) <= set(agreement.disagreements), "promptfoo said pass where our check says fail"
    folder = Path(imported.folder)
    assert (folder / "report.md").is_file() and (folder / "agreement.json").is_file()
    assert "promptfoo made the calls" in (folder / "report.md").read_text(encoding="utf-8")


def test_an_import_of_a_foreign_results_file_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"results": {"results": []}, "config": {}}), encoding="utf-8")
    with pytest.raises(
        SuiteError, match="not written by `experiment robustness export --promptfoo`"
    ):
        import_promptfoo(path)


def test_a_promptfoo_config_runs_as_it_is(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from experiments.cli import app

    (tmp_path / "plain.txt").write_text("Ticket: {{ticket}}\nTeam?", encoding="utf-8")
    config = write(tmp_path / "promptfooconfig.yaml", PROMPTFOO)
    script = tmp_path / "script.yaml"
    script.write_text(
        yaml.safe_dump(["billing team", "other", "I cannot say"] * 40), encoding="utf-8"
    )
    out = tmp_path / "run"
    command = ["robustness", "run", str(config), "--model", f"mock/{script}", "--out", str(out)]
    result = CliRunner().invoke(app, [*command, "--resamples", "200"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert {r["prompt_id"] for r in records} == {"router", "prompt-2"}
    assert {r["family"] for r in records} >= {"clean", "format"}
    assert "paraphrase" not in {r["family"] for r in records}

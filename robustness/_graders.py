"""The checks that need more than a reply: a regenlab task's hidden tests (run in the sandbox
through `analysis`, on the code the reply holds) and an LLM judge for rubrics."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

from agents.models import GenerateConfig, Message, Model, get_model
from robustness._checks import case_assertions, extract_json
from robustness._errors import SuiteError
from robustness._load import LoadedSuite

JUDGE_SYSTEM = (
    "You grade a reply against a rubric. Answer with one JSON object: "
    '{"score": <a number from 0 to 1>, "reason": "<one sentence>"}'
)


class RunGraders:
    """Hidden tests per task (collected once on the task's reference) and a judge model."""

    def __init__(self, judge: Model | None = None, sandbox: str = "auto") -> None:
        self.judge_model = judge
        self.sandbox_name = sandbox
        self._tasks: dict[str, tuple[Any, list[str] | None]] = {}
        self._lock = threading.Lock()

    def _task(self, task_id: str) -> tuple[Any, list[str] | None]:
        with self._lock:
            if task_id not in self._tasks:
                from experiments import find_task
                from usererrors import RegenlabError

                try:
                    task = find_task(task_id)
                except RegenlabError as exc:
                    raise SuiteError(f"hidden-tests: task {task_id!r}: {exc}") from exc
                expected, _errors = task.hidden_tests.collect(self._sandbox())
                self._tasks[task_id] = (task, expected)
            return self._tasks[task_id]

    def _sandbox(self) -> Any:
        from sandbox import get_sandbox

        return get_sandbox(self.sandbox_name)

    def hidden_tests(self, task: str, file: str, code: str) -> tuple[float, str]:
        """The share of `task`'s hidden tests that pass with `code` as `file`."""
        loaded, expected = self._task(task)
        with tempfile.TemporaryDirectory(prefix="regenlab-robustness-") as folder:
            target = Path(folder) / file
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(code, encoding="utf-8")
            run = loaded.hidden_tests.run(Path(folder), expected, self._sandbox())
        return run.pass_rate, f"{run.passed}/{run.total} hidden tests of {task} pass"

    def judge(self, rubric: str, output: str) -> tuple[float, str]:
        """The judge model's score of `output` against `rubric`."""
        if self.judge_model is None:
            raise SuiteError("llm-rubric: no judge model; fix: set `judge_model:` in the suite")
        messages = [
            Message.system(JUDGE_SYSTEM),
            Message.user(f"Rubric:\n{rubric}\n\nReply:\n{output}"),
        ]
        config = GenerateConfig(max_output_tokens=96, temperature=0.0, seed=0)
        reply = self.judge_model.generate(messages, config=config)
        verdict = extract_json(reply.text) or {}
        try:
            score = max(0.0, min(1.0, float(verdict.get("score", 0.0))))
        except (TypeError, ValueError):
            score = 0.0
        return score, str(verdict.get("reason", reply.text[:200]))


def judge_for(loaded: LoadedSuite, model: str | None = None) -> Model | None:
    """The judge model of a suite's llm-rubric checks (None when it has none)."""
    uses = any(
        a.base_type == "llm-rubric"
        for case in loaded.cases
        for a in case_assertions(loaded.suite, case)
    )
    if not uses:
        return None
    return get_model(loaded.suite.judge_model or model or loaded.suite.model)

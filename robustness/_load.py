"""Reading a suite: robustness.yaml, or a promptfooconfig.yaml as it is; texts from files and
tasks resolved, cases checked, everything that went wrong as one line."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from robustness._errors import SuiteError
from robustness._suite import (
    FAMILIES,
    Case,
    CasesFile,
    FileText,
    Profile,
    PromptTemplate,
    Suite,
    TaskText,
    TextSource,
    check_cases,
    missing_vars,
)
from usererrors import describe, read_text, read_yaml

CODE_SPAN = re.compile(r"`([^`\n]+)`")
"""An inline code span (its text is kept verbatim under `protect_code`)."""
CHOICES = {
    "families": ", ".join(FAMILIES),
    "kind": "text, json, label, python",
    "perturb": "system, user",
}


@dataclass(frozen=True)
class Prompt:
    """A prompt with its texts resolved and every term it must keep."""

    id: str
    """The prompt's id."""
    system: str | None
    """System message template (None: none)."""
    user: str
    """User message template."""
    protect: tuple[str, ...]
    """Terms a meaning-preserving variant keeps: the suite's, the labels, the JSON fields."""
    perturb: tuple[str, ...]
    """The messages variants may edit."""
    group: str
    """Its metrics group (its id unless the suite groups prompts)."""


@dataclass(frozen=True)
class LoadedSuite:
    """A validated suite, ready to expand and run."""

    suite: Suite
    """The suite as written (cases_file already read into `cases`)."""
    path: Path
    """The file it came from."""
    prompts: tuple[Prompt, ...]
    """Its prompts, resolved."""
    source: str = "regenlab"
    """regenlab (robustness.yaml) or promptfoo (promptfooconfig.yaml)."""
    unmapped: tuple[str, ...] = field(default_factory=tuple)
    """What a promptfoo file holds that the lab does not use, one line each."""

    @property
    def cases(self) -> list[Case]:
        """The test cases."""
        return self.suite.cases

    def prompt(self, prompt_id: str) -> Prompt:
        """The prompt with this id."""
        return next(p for p in self.prompts if p.id == prompt_id)

    def cases_for(self, prompt_id: str) -> list[Case]:
        """The cases that run with this prompt."""
        return [c for c in self.cases if c.prompts is None or prompt_id in c.prompts]

    def profile(self, name: str) -> Profile:
        """A named profile; an unknown name is a one-line error."""
        if name not in self.suite.profiles:
            known = ", ".join(sorted(self.suite.profiles))
            raise SuiteError(f"--profile {name}: {self.path} has no such profile; use {known}")
        return self.suite.profiles[name]

    def digest(self) -> str:
        """A short hash of everything that determines the variants and the checks: the suite
        (fields left at their defaults out, so a new optional field does not change it) and the
        resolved prompt texts."""
        prompts = [
            {
                "id": p.id,
                "system": p.system,
                "user": p.user,
                "protect": list(p.protect),
                "perturb": list(p.perturb),
                **({"group": p.group} if p.group != p.id else {}),
            }
            for p in self.prompts
        ]
        suite = self.suite.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        text = json.dumps({"suite": suite, "prompts": prompts}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_promptfoo_file(path: Path, data: Any) -> bool:
    """Whether a YAML file is a promptfoo configuration rather than a robustness suite."""
    if path.name.startswith("promptfooconfig"):
        return True
    return isinstance(data, dict) and "tests" in data and "cases" not in data


def load_suite(path: Path | str) -> LoadedSuite:
    """Read, validate and resolve a suite file; any problem raises SuiteError in one line."""
    path = Path(path)
    data = read_yaml(path, SuiteError)
    if is_promptfoo_file(path, data):
        from robustness._promptfoo import suite_from_promptfoo

        suite, unmapped = suite_from_promptfoo(data, path)
        return resolve(suite, path, source="promptfoo", unmapped=unmapped)
    if not isinstance(data, dict):
        raise SuiteError(f"{path}: expected a mapping of suite fields; fix: see robustness.yaml")
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(describe(str(path), exc, CHOICES)) from exc
    return resolve(suite, path)


def resolve(
    suite: Suite, path: Path, *, source: str = "regenlab", unmapped: list[str] | None = None
) -> LoadedSuite:
    """Read the cases file and the prompt texts; check the cases against the prompts."""
    if suite.cases_file:
        suite = suite.model_copy(
            update={"cases": _cases_file(path, suite.cases_file), "cases_file": None}
        )
    if not suite.cases:
        raise SuiteError(
            f"{path}: field 'cases': no test cases; fix: add `cases:` or `cases_file:`"
        )
    problems = check_cases(suite, str(path))
    if problems:
        raise SuiteError(problems[0])
    prompts = tuple(_prompt(p, suite, path, index) for index, p in enumerate(suite.prompts))
    loaded = LoadedSuite(suite, path, prompts, source, tuple(unmapped or ()))
    _check_vars(loaded)
    return loaded


def _cases_file(suite_path: Path, name: str) -> list[Case]:
    cases_path = (suite_path.parent / name).resolve()
    data = read_yaml(cases_path, SuiteError)
    if isinstance(data, list):
        data = {"cases": data}
    try:
        return CasesFile.model_validate(data).cases
    except ValidationError as exc:
        raise SuiteError(describe(str(cases_path), exc, CHOICES)) from exc


def _prompt(template: PromptTemplate, suite: Suite, path: Path, index: int) -> Prompt:
    where = f"{path}: field 'prompts.{index}"
    system = _text(template.system, path, f"{where}.system'") if template.system else None
    user = _text(template.user, path, f"{where}.user'")
    protect = [*template.protect, *suite.output.labels]
    if suite.output.label_field:
        protect.append(suite.output.label_field)
    schema = suite.output.json_schema or {}
    protect += [str(name) for name in (schema.get("properties") or {})]
    if template.protect_code:
        editable = [
            text
            for role, text in (("system", system), ("user", user))
            if text and role in template.perturb
        ]
        protect += [span for text in editable for span in CODE_SPAN.findall(text)]
    return Prompt(
        id=template.id,
        system=system,
        user=user,
        protect=tuple(dict.fromkeys(t for t in protect if t)),
        perturb=tuple(template.perturb),
        group=template.group or template.id,
    )


def _text(source: TextSource, path: Path, where: str) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, FileText):
        return read_text((path.parent / source.file).resolve(), SuiteError)
    return _task_prompt(source, where)


def _task_prompt(source: TaskText, where: str) -> str:
    from experiments import find_task
    from usererrors import RegenlabError

    try:
        return find_task(source.task).spec.prompt
    except RegenlabError as exc:
        raise SuiteError(f"{where}: task {source.task!r}: {exc}") from exc


def _check_vars(loaded: LoadedSuite) -> None:
    for prompt in loaded.prompts:
        text = f"{prompt.system or ''}\n{prompt.user}"
        for case in loaded.cases_for(prompt.id):
            missing = missing_vars(text, case)
            if missing:
                raise SuiteError(
                    f"{loaded.path}: case {case.id!r}: no value for {{{{{missing[0]}}}}} of "
                    f"prompt {prompt.id!r}; fix: add `vars: {{{missing[0]}: ...}}`"
                )

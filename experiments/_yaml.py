"""Reading a YAML file into a pydantic model, with every failure as one line: file, field, fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def load_model(
    path: Path,
    model: type[Model],
    error: type[Exception],
    choices: dict[str, str] | None = None,
) -> Model:
    """Read and validate `path`; an unreadable file, bad YAML or a bad field raises `error`.

    An empty file validates as `{}`, so a model whose fields all have defaults accepts it;
    `choices` is as in `describe`.
    """
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror}); fix: give an existing file") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path}: invalid YAML ({yaml_problem(exc)}); fix: correct the syntax") from exc
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise error(describe(str(path), exc, choices)) from exc


def yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what, on one line (PyYAML's own message spans several)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "cannot parse"
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else problem


def describe(source: str, exc: ValidationError, choices: dict[str, str] | None = None) -> str:
    """The first validation error as "SOURCE: field 'a.b': what; fix: how".

    `choices` maps a field name's fragment to the values it takes, for a better fix.
    """
    first = exc.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    if first["type"] == "extra_forbidden":
        fix = "remove it (a typo?)"
    elif first["type"] == "missing":
        fix = f"add `{field.rsplit('.', 1)[-1]}: ...`"
    elif first["type"] == "literal_error":
        known = next((v for k, v in (choices or {}).items() if k in field), None)
        fix = f"use one of {known}" if known else "use a listed value"
    else:
        fix = "correct the value"
    return f"{source}: field '{field}': {first['msg']}; fix: {fix}"

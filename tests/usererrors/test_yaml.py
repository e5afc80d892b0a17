"""Bounded YAML reading: libyaml for speed, PyYAML's own words for errors, the same data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from usererrors import _yaml
from usererrors._yaml import MAX_YAML_DEPTH, parse_yaml

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = sorted(
    path
    for folder in ("tasks", "examples", "robustness", "chaos", "voice", "intent")
    for path in (ROOT / folder).rglob("*.y*ml")
    if path.suffix in {".yaml", ".yml"}
)


class Bad(Exception):
    """The error type a caller passes."""


def _with_loader(loader: Any, text: str) -> Any:
    original = _yaml._Loader
    _yaml._Loader = loader
    try:
        return parse_yaml(text, "f.yaml", Bad)
    finally:
        _yaml._Loader = original


def test_libyaml_is_used_where_pyyaml_has_it() -> None:
    assert _yaml._Loader is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert len(BUNDLED) > 10


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_loaders_read_every_bundled_file_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _with_loader(yaml.SafeLoader, text) == _with_loader(_yaml._Loader, text)


def test_a_syntax_error_is_told_in_pyyaml_s_words_with_its_place() -> None:
    with pytest.raises(Bad) as info:
        parse_yaml("a: 1\nb: [1, 2\nc: 3\n", "f.yaml", Bad)
    with pytest.raises(yaml.MarkedYAMLError) as told:
        yaml.load("a: 1\nb: [1, 2\nc: 3\n", Loader=yaml.SafeLoader)
    mark, problem = told.value.problem_mark, told.value.problem
    assert mark is not None
    assert str(info.value) == (
        f"f.yaml: line {mark.line + 1}, column {mark.column + 1}: invalid YAML "
        f"({problem}); fix: correct the YAML syntax there"
    )


def test_nesting_past_the_limit_is_refused_before_anything_is_composed() -> None:
    deep = "[" * (MAX_YAML_DEPTH + 1) + "]" * (MAX_YAML_DEPTH + 1)
    with pytest.raises(Bad, match=f"nested more than {MAX_YAML_DEPTH} levels deep"):
        parse_yaml(deep, "f.yaml", Bad)
    at_limit = "[" * MAX_YAML_DEPTH + "]" * MAX_YAML_DEPTH
    assert parse_yaml(at_limit, "f.yaml", Bad) is not None


def test_an_alias_bomb_and_an_alias_loop_are_refused() -> None:
    bomb = ['a0: &a0 ["lol"]']
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    with pytest.raises(Bad, match="expand to more than"):
        parse_yaml("\n".join(bomb), "f.yaml", Bad)
    with pytest.raises(Bad, match="refers to its own anchor"):
        parse_yaml("a: &x [*x]\n", "f.yaml", Bad)

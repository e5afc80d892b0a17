"""Reading YAML into pydantic models, bounded, with every failure as one line: file, field, fix.

YAML aliases can expand a small file into billions of nodes (the "billion laughs"), and deep
nesting exhausts the parser's recursion, so a document is composed first, its expanded size is
measured on the node graph (each shared node counted once per use, never built), and only a
document within the limits is constructed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

MAX_YAML_BYTES = 1_000_000
"""Largest YAML file read: configuration and scripts are far smaller."""
MAX_YAML_NODES = 200_000
"""Most nodes a document may have once its aliases are expanded."""
MAX_YAML_DEPTH = 200
"""Deepest nesting of lists and mappings (the parser composes nested nodes by recursion)."""
EXCERPT_CHARS = 60
"""Longest quote of a user's value in an error message."""

# libyaml's loader reads a task file about 50 times faster than the pure-Python one. Errors are
# reported by the pure-Python loader: its messages are the ones PyYAML documents. Depth is checked
# before anything is composed, so libyaml's recursive composer never meets a deep document.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MessageLoader: Any = yaml.SafeLoader


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """`repr(value)`, cut to `limit` characters with an ellipsis: error lines stay short."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def read_text(path: Path, error: type[Exception], limit: int = MAX_YAML_BYTES) -> str:
    """A UTF-8 text file of at most `limit` bytes; anything else raises `error` in one line."""
    try:
        with open(path, "rb") as stream:
            if not os.path.isfile(path):
                raise error(f"{path}: not a regular file; fix: give a YAML file")
            data = stream.read(limit + 1)
    except OSError as exc:
        raise error(f"{path}: cannot read it ({exc.strerror}); fix: give an existing file") from exc
    if len(data) > limit:
        raise error(
            f"{path}: larger than {limit:,} bytes; fix: a configuration file this size is not "
            "meant to be read here (split it, or give the right file)"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{path}: byte {exc.start} is not UTF-8; fix: save the file as UTF-8") from exc


def parse_yaml(
    text: str, source: str, error: type[Exception], max_nodes: int = MAX_YAML_NODES
) -> Any:
    """The data of one YAML document, within the size limits; any failure raises `error`."""
    if len(text) > MAX_YAML_BYTES:
        raise error(f"{source}: larger than {MAX_YAML_BYTES:,} bytes; fix: give a smaller file")
    try:
        return _parse(text, source, error, max_nodes, _Loader)
    except yaml.YAMLError as exc:
        if _Loader is _MessageLoader:
            raise error(invalid_yaml(source, exc)) from exc
    # libyaml refused it: the pure-Python loader reads it, or says why in PyYAML's words.
    try:
        return _parse(text, source, error, max_nodes, _MessageLoader)
    except yaml.YAMLError as exc:
        raise error(invalid_yaml(source, exc)) from exc


def _parse(
    text: str, source: str, error: type[Exception], max_nodes: int, loader_class: Any
) -> Any:
    """One document with `loader_class`; a syntax error propagates as yaml.YAMLError."""
    _check_depth(text, source, error, loader_class)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        nodes = _expanded_size(node, max_nodes)
        if nodes < 0:
            raise error(
                f"{source}: an alias (*name) refers to its own anchor; fix: remove the loop"
            )
        if nodes > max_nodes:
            raise error(
                f"{source}: its aliases expand to more than {max_nodes:,} nodes; fix: write the "
                "values out, or use fewer nested anchors (*alias) that repeat each other"
            )
        return loader.construct_document(node)
    except RecursionError as exc:
        raise error(f"{source}: nested too deeply to read; fix: flatten the structure") from exc
    finally:
        loader.dispose()


def _check_depth(text: str, source: str, error: type[Exception], loader_class: Any) -> None:
    """Refuse nesting deeper than MAX_YAML_DEPTH, reading only the event stream (no recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise error(
                    f"{source}: nested more than {MAX_YAML_DEPTH} levels deep; "
                    "fix: flatten the structure"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _expanded_size(root: yaml.Node, cap: int) -> int:
    """Nodes in the document once every alias is expanded; a number above `cap` once past it.

    A node that contains itself (a recursive alias) has no finite expansion: -1.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            active.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            sizes[key] = min(total, cap + 1)
            continue
        if key in sizes:
            continue
        if key in active:
            return -1
        active.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_yaml(path: Path, error: type[Exception]) -> Any:
    """The data of a YAML file, read and parsed within the limits; failures raise `error`."""
    return parse_yaml(read_text(path, error), str(path), error)


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
    data = read_yaml(path, error)
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise error(describe(str(path), exc, choices)) from exc


def invalid_yaml(source: str, exc: yaml.YAMLError) -> str:
    """The one-line message for a YAML syntax error: where it is, what it is, and the fix."""
    mark = getattr(exc, "problem_mark", None)
    where = f" line {mark.line + 1}, column {mark.column + 1}:" if mark else ""
    problem = getattr(exc, "problem", None) or "cannot parse"
    return f"{source}:{where} invalid YAML ({problem}); fix: correct the YAML syntax there"


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
    return f"{source}: field '{field}': {_short(str(first['msg']))}; fix: {fix}"


def _short(message: str, limit: int = 200) -> str:
    """A validator's message, cut: some quote the whole input."""
    message = " ".join(message.split())
    return message if len(message) <= limit else f"{message[: limit - 1]}…"

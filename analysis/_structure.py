"""Comparing the structure of two codebases: file tree, symbols, public API, renames, imports.

Decisions a reader of the results should know:

- Module names are dotted paths (`pkg/core.py` is `pkg.core`, `pkg/__init__.py` is `pkg`); in a
  `src/` layout (a `src/` folder that is not itself a package) the leading `src.` is dropped, so
  `src/pkg/core.py` and `pkg/core.py` are the same module. A root `__init__.py` is `__init__`.
- Symbols are module-level classes and functions, and the classes and functions directly in a
  class body (nested classes get dotted qualnames). Definitions inside functions or inside
  `if`/`try` blocks are not symbols. Test files are ordinary modules.
- The public API excludes module symbols: a missing module shows in the file tree diff. When a
  key is defined twice (a property's getter and setter), the first definition stands for it.
- `ApiDiff.missing` and `ApiDiff.extra` are the raw lists: a symbol matched as a rename or move
  stays in both, and the match is reported in `StructureResult.renames`.
- A rename is found by comparing source (the definition, with its own name replaced) among
  symbols of the same kind. A method that changes class counts as moved.
- Files that fail to parse (or nest too deeply to analyse) are reported in `syntax_errors` and
  otherwise skipped; they stay nodes of the import graph, without edges of their own.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel
from rapidfuzz import fuzz

from analysis._files import Codebase

SymbolKind = Literal["module", "class", "function", "method"]
RenameKind = Literal["renamed", "moved", "renamed_and_moved"]
SAFE_UNPARSE_DEPTH = 100
"""Trees no deeper than this unparse without overflowing (measured here: a 330-deep chain of
unary minuses overflows at the default recursion limit), so they need no trial unparse."""
RENAME_THRESHOLD = 0.8
"""Least source similarity (0..1) at which a missing symbol matches an extra one."""
_PLACEHOLDER = "__symbol__"
_Definition = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef


class Symbol(BaseModel):
    """A module, class, function or method of a codebase."""

    file: str
    """Path relative to the codebase root, e.g. `pkg/core.py`."""
    module: str
    """Dotted module name, e.g. `pkg.core` (`pkg` for `pkg/__init__.py`)."""
    qualname: str
    """Name within the module, e.g. `Engine.start` or `run`; empty for the module itself."""
    kind: SymbolKind
    """module, class, function (module level) or method (directly in a class body)."""
    signature: str | None
    """Functions: `(args) -> returns` as `ast.unparse` writes it; classes: their bases, e.g.
    `(Base)` or `()`; modules: None."""
    has_docstring: bool
    """Whether the symbol has a docstring."""
    lineno: int
    """Line of the definition (1 for a module)."""
    public: bool
    """No part of the module path or qualname starts with `_` (dunder names count as public)."""

    @property
    def key(self) -> str:
        """`module:qualname`, the identity by which symbols of two codebases are matched."""
        return f"{self.module}:{self.qualname}"


class SignatureMismatch(BaseModel):
    """A public symbol present in both codebases with different signatures."""

    key: str
    """The symbol's key, `module:qualname`."""
    original: str | None
    """Its signature in the original codebase."""
    regenerated: str | None
    """Its signature in the regenerated codebase."""


class Rename(BaseModel):
    """A missing public symbol matched by its source to an extra one."""

    original: str
    """Key of the symbol in the original codebase."""
    regenerated: str
    """Key of the matching symbol in the regenerated codebase."""
    kind: RenameKind
    """renamed (same place, new name), moved (new module or class) or renamed_and_moved."""
    similarity: float
    """Source similarity, 0..1 (1.0 for a pure rename or move)."""


class FileTreeDiff(BaseModel):
    """File paths of the two codebases, Python or not."""

    added: list[str]
    """Paths only in the regenerated codebase."""
    removed: list[str]
    """Paths only in the original codebase."""
    common: list[str]
    """Paths in both."""


class ApiDiff(BaseModel):
    """The public symbols (modules excluded) of the original against the regenerated."""

    missing: list[str]
    """Public keys of the original absent from the regenerated (renames included)."""
    extra: list[str]
    """Public keys of the regenerated absent from the original (renames included)."""
    signature_mismatches: list[SignatureMismatch]
    """Keys on both sides whose signatures differ other than in whitespace."""
    matched: int
    """Public symbols of the original found in the regenerated code with the same key."""
    total: int
    """Public symbols of the original."""
    match_rate: float | None
    """matched / total; None (undefined) when the original has no public symbol."""


class ImportGraph(BaseModel):
    """Which modules of a codebase import which others of the same codebase."""

    modules: list[str]
    """Every module of the codebase, sorted."""
    edges: list[tuple[str, str]]
    """(importer, imported) pairs among the codebase's own modules, sorted."""


class ImportGraphDiff(BaseModel):
    """The import graphs of both codebases and the edges that differ."""

    original: ImportGraph
    """The original codebase's graph."""
    regenerated: ImportGraph
    """The regenerated codebase's graph."""
    added: list[tuple[str, str]]
    """Edges only in the regenerated graph."""
    removed: list[tuple[str, str]]
    """Edges only in the original graph."""


class StructureResult(BaseModel):
    """The structural comparison of an original codebase and its regeneration."""

    tree: FileTreeDiff
    """Files added, removed and in common."""
    original_symbols: list[Symbol]
    """Every symbol of the original, in file then line order."""
    regenerated_symbols: list[Symbol]
    """Every symbol of the regenerated codebase."""
    api: ApiDiff
    """The public API comparison."""
    renames: list[Rename]
    """Missing symbols matched to extra ones by source, sorted by original key."""
    imports: ImportGraphDiff
    """The internal import graphs and their difference."""
    syntax_errors: dict[str, str]
    """`original:<path>` or `regenerated:<path>` -> `line N: message`, for skipped files."""


@dataclass(frozen=True)
class _Parsed:
    """A codebase's module names and syntax trees, and the files that failed to parse."""

    modules: dict[str, str]
    trees: dict[str, ast.Module]
    errors: dict[str, str]


@dataclass(frozen=True)
class _Entry:
    """A symbol with the syntax node it came from."""

    symbol: Symbol
    node: ast.Module | _Definition


def symbol_inventory(codebase: Codebase) -> tuple[list[Symbol], dict[str, str]]:
    """Every symbol of `codebase`, and `{path: "line N: message"}` for files that fail to parse."""
    parsed = _parse(codebase)
    return [entry.symbol for entry in _entries(parsed)], parsed.errors


def import_graph(codebase: Codebase) -> ImportGraph:
    """The imports among `codebase`'s own modules; stdlib and third-party imports are ignored."""
    return _graph(_parse(codebase))


def compare_structure(original: Codebase, regenerated: Codebase) -> StructureResult:
    """Compare file trees, public APIs, renames and import graphs of two codebases."""
    old, new = _parse(original), _parse(regenerated)
    old_entries, new_entries = _entries(old), _entries(new)
    old_api, new_api = _public_api(old_entries), _public_api(new_entries)
    api = _api_diff(old_api, new_api)
    renames = _renames([old_api[k] for k in api.missing], [new_api[k] for k in api.extra])
    return StructureResult(
        tree=_tree_diff(original, regenerated),
        original_symbols=[entry.symbol for entry in old_entries],
        regenerated_symbols=[entry.symbol for entry in new_entries],
        api=api,
        renames=renames,
        imports=_import_diff(_graph(old), _graph(new)),
        syntax_errors=_prefixed("original", old.errors) | _prefixed("regenerated", new.errors),
    )


# Parsing and module names


def _parse(codebase: Codebase) -> _Parsed:
    trees: dict[str, ast.Module] = {}
    errors: dict[str, str] = {}
    for path, source in codebase.python.items():
        try:
            trees[path] = _checked(source.tree())
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            errors[path] = _describe(error)
    return _Parsed(_module_names(codebase), trees, errors)


def _checked(tree: ast.Module) -> ast.Module:
    """The tree, once sure that `ast.unparse` works on it (RecursionError if not).

    A tree can parse yet be too deep for ast.unparse; finding out here means the later
    signatures and source comparisons, all on subtrees, cannot fail. A shallow tree cannot
    overflow the unparser, so only a deep one is unparsed to find out.
    """
    if _depth(tree) > SAFE_UNPARSE_DEPTH:
        ast.unparse(tree)
    return tree


def _depth(tree: ast.AST) -> int:
    """How deep the tree nests (iteratively: it may nest deeper than the recursion limit)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _describe(error: Exception) -> str:
    if isinstance(error, SyntaxError):
        return f"line {error.lineno or 0}: {error.msg}"
    return f"line 0: {str(error) or type(error).__name__}"


def _module_names(codebase: Codebase) -> dict[str, str]:
    strip_src = "src/__init__.py" not in codebase.python
    return {path: _module_name(path, strip_src) for path in codebase.python}


def _module_name(path: str, strip_src: bool) -> str:
    parts = path.removesuffix(".py").split("/")
    if strip_src and len(parts) > 1 and parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _prefixed(side: str, errors: dict[str, str]) -> dict[str, str]:
    return {f"{side}:{path}": message for path, message in errors.items()}


# Symbols


def _entries(parsed: _Parsed) -> list[_Entry]:
    entries: list[_Entry] = []
    for path, tree in parsed.trees.items():
        module = parsed.modules[path]
        entries.append(_Entry(_module_symbol(path, module, tree), tree))
        entries += _body_entries(path, module, tree.body, prefix="", in_class=False)
    return entries


def _body_entries(
    path: str, module: str, body: list[ast.stmt], prefix: str, in_class: bool
) -> Iterator[_Entry]:
    for node in body:
        if isinstance(node, ast.ClassDef):
            yield _Entry(_definition_symbol(path, module, prefix, node, "class"), node)
            inner = f"{prefix}{node.name}."
            yield from _body_entries(path, module, node.body, inner, in_class=True)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            kind: SymbolKind = "method" if in_class else "function"
            yield _Entry(_definition_symbol(path, module, prefix, node, kind), node)


def _module_symbol(path: str, module: str, tree: ast.Module) -> Symbol:
    return Symbol(
        file=path,
        module=module,
        qualname="",
        kind="module",
        signature=None,
        has_docstring=ast.get_docstring(tree) is not None,
        lineno=1,
        public=_is_public(module, ""),
    )


def _definition_symbol(
    path: str, module: str, prefix: str, node: _Definition, kind: SymbolKind
) -> Symbol:
    qualname = f"{prefix}{node.name}"
    return Symbol(
        file=path,
        module=module,
        qualname=qualname,
        kind=kind,
        signature=_signature(node),
        has_docstring=ast.get_docstring(node) is not None,
        lineno=node.lineno,
        public=_is_public(module, qualname),
    )


def _signature(node: _Definition) -> str:
    if isinstance(node, ast.ClassDef):
        return f"({', '.join(ast.unparse(base) for base in [*node.bases, *node.keywords])})"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns is not None else ""
    return f"({ast.unparse(node.args)}){returns}"


def _is_public(module: str, qualname: str) -> bool:
    names = [*module.split("."), *qualname.split(".")]
    return all(_is_public_name(name) for name in names if name)


def _is_public_name(name: str) -> bool:
    is_dunder = len(name) > 4 and name.startswith("__") and name.endswith("__")
    return is_dunder or not name.startswith("_")


# Public API and renames


def _public_api(entries: Iterable[_Entry]) -> dict[str, _Entry]:
    api: dict[str, _Entry] = {}
    for entry in entries:
        if entry.symbol.public and entry.symbol.kind != "module":
            api.setdefault(entry.symbol.key, entry)
    return api


def _api_diff(original: dict[str, _Entry], regenerated: dict[str, _Entry]) -> ApiDiff:
    common = sorted(original.keys() & regenerated.keys())
    mismatches = [
        SignatureMismatch(
            key=key,
            original=original[key].symbol.signature,
            regenerated=regenerated[key].symbol.signature,
        )
        for key in common
        if _normalised(original[key].symbol.signature)
        != _normalised(regenerated[key].symbol.signature)
    ]
    return ApiDiff(
        missing=sorted(original.keys() - regenerated.keys()),
        extra=sorted(regenerated.keys() - original.keys()),
        signature_mismatches=mismatches,
        matched=len(common),
        total=len(original),
        match_rate=len(common) / len(original) if original else None,
    )


def _normalised(signature: str | None) -> str | None:
    return None if signature is None else re.sub(r"\s+", "", signature)


def _renames(missing: list[_Entry], extra: list[_Entry]) -> list[Rename]:
    pairs = sorted(_candidate_pairs(missing, extra), key=lambda p: (-p[0], p[1].key, p[2].key))
    used: set[str] = set()
    renames: list[Rename] = []
    for similarity, old, new in pairs:
        if old.key in used or new.key in used:
            continue
        used |= {old.key, new.key}
        kind = _rename_kind(old, new)
        renames.append(
            Rename(original=old.key, regenerated=new.key, kind=kind, similarity=similarity)
        )
    return sorted(renames, key=lambda rename: rename.original)


def _candidate_pairs(
    missing: list[_Entry], extra: list[_Entry]
) -> Iterator[tuple[float, Symbol, Symbol]]:
    extra_sources = [(entry.symbol, _anonymous_source(entry.node)) for entry in extra]
    for entry in missing:
        source = _anonymous_source(entry.node)
        for symbol, other in extra_sources:
            if symbol.kind != entry.symbol.kind:
                continue
            score = fuzz.ratio(source, other, score_cutoff=RENAME_THRESHOLD * 100) / 100
            if score >= RENAME_THRESHOLD:
                yield round(score, 4), entry.symbol, symbol


def _anonymous_source(node: ast.Module | _Definition) -> str:
    if isinstance(node, ast.Module):
        return ast.unparse(node)
    # The name is what a rename changes; without it a pure rename compares as identical.
    clone = copy.copy(node)
    clone.name = _PLACEHOLDER
    return ast.unparse(clone)


def _rename_kind(old: Symbol, new: Symbol) -> RenameKind:
    old_parent, _, old_name = old.qualname.rpartition(".")
    new_parent, _, new_name = new.qualname.rpartition(".")
    moved = (old.module, old_parent) != (new.module, new_parent)
    renamed = old_name != new_name
    if moved and renamed:
        return "renamed_and_moved"
    return "moved" if moved else "renamed"


# File tree and imports


def _tree_diff(original: Codebase, regenerated: Codebase) -> FileTreeDiff:
    old, new = set(original.paths), set(regenerated.paths)
    return FileTreeDiff(
        added=sorted(new - old), removed=sorted(old - new), common=sorted(old & new)
    )


def _import_diff(original: ImportGraph, regenerated: ImportGraph) -> ImportGraphDiff:
    old, new = set(original.edges), set(regenerated.edges)
    return ImportGraphDiff(
        original=original,
        regenerated=regenerated,
        added=sorted(new - old),
        removed=sorted(old - new),
    )


def _graph(parsed: _Parsed) -> ImportGraph:
    known = set(parsed.modules.values())
    edges: set[tuple[str, str]] = set()
    for path, tree in parsed.trees.items():
        importer = parsed.modules[path]
        package = _package(path, importer)
        for node in ast.walk(tree):
            targets = _import_targets(node, package, known)
            edges |= {(importer, target) for target in targets if target != importer}
    return ImportGraph(modules=sorted(known), edges=sorted(edges))


def _package(path: str, module: str) -> list[str]:
    """The package that relative imports in `path` start from, as name parts."""
    parts = module.split(".")
    if path.rsplit("/", 1)[-1] != "__init__.py":
        return parts[:-1]
    return [] if module == "__init__" else parts


def _import_targets(node: ast.AST, package: list[str], known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        found = [_longest_known(alias.name, known) for alias in node.names]
    elif isinstance(node, ast.ImportFrom):
        base = _from_base(node, package)
        if base is None:
            return []
        found = [_from_target(base, alias.name, known) for alias in node.names]
    else:
        return []
    return [target for target in found if target is not None]


def _from_base(node: ast.ImportFrom, package: list[str]) -> str | None:
    """The absolute module a `from ... import` reads from; None if it climbs above the root."""
    if node.level == 0:
        return node.module or ""
    climb = node.level - 1
    if climb > len(package):
        return None
    parts = package[: len(package) - climb]
    return ".".join([*parts, *(node.module.split(".") if node.module else [])])


def _from_target(base: str, name: str, known: set[str]) -> str | None:
    """`from base import name` imports the submodule `base.name` if there is one, else `base`."""
    full = f"{base}.{name}" if base else name
    if name != "*" and full in known:
        return full
    return _longest_known(base, known) if base else None


def _longest_known(dotted: str, known: set[str]) -> str | None:
    """The longest prefix of `dotted` that is a module of the codebase (`import a.b` loads a.b)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None

"""How similar the regenerated code is to the original: text and AST (TSED) similarity.

Files are matched first by path, then the remaining files are paired greedily by text
similarity (highest first, at least `MATCH_THRESHOLD`), so a file moved to another folder is
still compared with its original.

Text similarity
    Both texts are normalised: line endings become ``\\n``, a leading byte-order mark is
    dropped, trailing whitespace is stripped, and blank lines and comment-only lines (first
    non-blank character ``#``) are dropped. A line inside a string literal that starts with
    ``#`` is dropped too: the text view does not parse. The score is rapidfuzz's Indel-based
    `fuzz.ratio` of the two joined texts, divided by 100; identical normalised texts score
    exactly 1.0.

AST similarity (TSED, Song et al. 2024)
    Each file is parsed with `ast` into a labelled ordered tree. A node's label is its type
    name (``FunctionDef``, ``Call``, ``Name``...). Identifiers, literal values and docstring
    text are not part of any label, so renaming a variable or a function is not a difference;
    operators are kept as leaf nodes labelled with their type (``Add``, ``Eq``, ``And``,
    ``Not``...), so ``a + b`` and ``a - b`` differ by one relabelling. Expression contexts
    (``Load``/``Store``/``Del``) are dropped: they only repeat what the parent says.
    TSED = max(0, 1 - distance / max(nodes_a, nodes_b)), the distance being the tree edit
    distance with unit costs: APTED's distance (Pawlik & Augsten), computed by edist's C
    implementation of Zhang-Shasha, which gives the same number (a test checks the two agree
    on random trees and on real code); the method is still named ``"apted"``.

    Tree edit distance is super-linear (the pure-Python `apted` package took about 0.1 s for a
    pair of 100-node trees and 2 s for 300-node trees), so a file is not compared as one tree.
    It is cut into units: each top-level function; each top-level class as its "shell" (the
    class node with its bases, decorators and non-method statements) plus one unit per method
    (``Class.method``); and one ``Module`` unit holding every other top-level statement. The
    units partition the file's nodes. Units are matched by name, then the remaining ones
    greedily by node-profile similarity (at least `MATCH_THRESHOLD`; identical structure
    scores 1.0, so a renamed function is matched with its original). An unmatched unit counts
    as inserted or deleted whole: its node count is added to the distance. A matched pair
    with identical trees costs 0 without running APTED; a pair with either side above
    `NODE_CAP` nodes (or nested deeper than `DEPTH_CAP`) uses the node-profile distance
    instead, and the file's `ast_method` is then ``"node-profile"``. The file's distance is
    the sum over its units, so the file's TSED is node-weighted by construction. Each APTED
    call is bounded by the cap, so the whole analysis grows linearly with the code. The cap
    trades exactness for time; it was chosen when the distance was computed in pure Python (on
    a 47k-line package against a copy with every function edited, cap 100 took 18 s, 200 took
    58 s and 300 took 103 s) and is kept, so that reported numbers do not change.

    The node-profile distance of two trees is the fewest insertions, deletions and
    relabellings that turn one multiset of labels into the other:
    max(|A - B|, |B - A|) over the label multisets. It ignores structure and is a lower bound
    of the tree edit distance; it is used in the same TSED formula.

    A file that does not parse (on either side) has no AST score.

Overall scores
    ``text_overall`` is the mean text similarity weighted by lines (the larger normalised line
    count of the pair, at least 1); ``ast_overall`` is the mean TSED weighted by nodes (the
    larger node count of the pair). An original file with no match counts as 0 with its own
    weight: code the regeneration lost lowers the score. A regenerated file with no match is
    listed but not counted: the scores measure how much of the original was reproduced.
    Files without an AST score are left out of ``ast_overall``, which is None when no file
    has one. With no original Python file there is nothing to reproduce: both overalls are
    None (undefined, like fidelity when the original passes nothing), whatever the
    regenerated codebase holds.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from edist.ted import standard_ted
from pydantic import BaseModel
from rapidfuzz import fuzz

from analysis._files import Codebase, SourceFile

AstMethod = Literal["apted", "node-profile"]
NODE_CAP = 200
"""Above this many nodes on either side of a unit pair, the node profile replaces APTED."""
DEPTH_CAP = 500
"""Nested deeper than this (possible only with a raised NODE_CAP), the node profile replaces
APTED, as it did when APTED's recursive indexing overflowed."""
MATCH_THRESHOLD = 0.5
"""Least similarity for pairing files (text) or units (node profile) that differ in name."""
MODULE_UNIT = "<module>"
"""Name of the unit holding a file's top-level statements other than functions and classes."""
NORMALISATIONS: tuple[str, ...] = (
    "text: line endings normalised to \\n and a leading byte-order mark dropped",
    "text: trailing whitespace stripped",
    "text: blank lines dropped",
    "text: comment-only lines dropped",
    "ast: node labels are node types; identifiers, literal values and docstring text ignored",
    "ast: operators kept as leaf nodes labelled with their type (Add, Eq, And, Not...)",
    "ast: expression contexts (Load, Store, Del) dropped",
    "ast: formatting and comments ignored (not in the AST)",
    f"ast: trees split into top-level functions, class shells, methods and module statements,"
    f" matched by name, then by node profile (>= {MATCH_THRESHOLD})",
    f"ast: unit pairs above {NODE_CAP} nodes compared by node-type profile, not tree edit distance",
)
"""The normalisations behind the scores, in words."""

_Flat = tuple[tuple[str, int], ...]
"""A tree in preorder as (label, number of children): it determines the ordered tree."""
_Units = dict[str, _Flat]
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


class FileSimilarity(BaseModel):
    """The similarity of one original file and its matched regenerated file."""

    original: str
    """Path of the original file."""
    regenerated: str
    """Path of the regenerated file matched with it."""
    text: float
    """Text similarity, 0 to 1, after normalisation."""
    ast: float | None
    """TSED-style AST similarity, 0 to 1; None when either side fails to parse."""
    ast_method: AstMethod | None
    """Which computation gave `ast`: "node-profile" when any unit pair fell back, else "apted"."""


class SimilarityResult(BaseModel):
    """How similar a regenerated codebase is to the original, file by file and overall."""

    files: list[FileSimilarity]
    """One entry per matched pair of Python files."""
    unmatched_original: list[str]
    """Original Python files with no regenerated counterpart (scored 0 in the overalls)."""
    unmatched_regenerated: list[str]
    """Regenerated Python files with no original counterpart (not scored)."""
    text_overall: float | None
    """Line-weighted text similarity; unmatched original files count as 0; None (undefined)
    when the original has no Python file."""
    ast_overall: float | None
    """Node-weighted AST similarity; unmatched original files count as 0; None without AST."""
    normalisations: list[str]
    """The normalisations applied, in words."""


@dataclass(frozen=True)
class _AstComparison:
    distance: int
    nodes_a: int
    nodes_b: int
    fallback: bool

    @property
    def size(self) -> int:
        return max(self.nodes_a, self.nodes_b)

    @property
    def score(self) -> float:
        return 1.0 if self.distance == 0 else max(0.0, 1.0 - self.distance / self.size)

    @property
    def method(self) -> AstMethod:
        return "node-profile" if self.fallback else "apted"


class APTED:
    """The tree edit distance of two unit trees with unit costs, as the `apted` package computes
    it, in C (edist): the trees are given as preorder (label, arity) sequences."""

    def __init__(self, a: _Flat, b: _Flat) -> None:
        self.a, self.b = _adjacency(a), _adjacency(b)

    def compute_edit_distance(self) -> int:
        """The fewest insertions, deletions and relabellings that turn one tree into the other."""
        return int(standard_ted(*self.a, *self.b))


def _adjacency(flat: _Flat) -> tuple[list[str], list[list[int]]]:
    """The labels and child lists of a preorder (label, arity) sequence (edist's tree form)."""
    children: list[list[int]] = [[] for _ in flat]
    open_nodes: list[list[int]] = []  # [index, children still to come]
    for index, (_, arity) in enumerate(flat):
        while open_nodes and open_nodes[-1][1] == 0:
            open_nodes.pop()
        if open_nodes:
            children[open_nodes[-1][0]].append(index)
            open_nodes[-1][1] -= 1
        open_nodes.append([index, arity])
    return [label for label, _ in flat], children


def _depth(flat: _Flat) -> int:
    """How deep the tree a preorder (label, arity) sequence describes is nested."""
    open_counts: list[int] = []
    deepest = 0
    for _, arity in flat:
        while open_counts and open_counts[-1] == 0:
            open_counts.pop()
        if open_counts:
            open_counts[-1] -= 1
        open_counts.append(arity)
        deepest = max(deepest, len(open_counts))
    return deepest


def normalise_text(text: str) -> str:
    """The text as text similarity sees it (see the module docstring)."""
    lines = (line.rstrip() for line in text.removeprefix("\ufeff").splitlines())
    return "\n".join(line for line in lines if line and not line.lstrip().startswith("#"))


def text_similarity(a: str, b: str) -> float:
    """Similarity of two source texts, 0 to 1, after normalisation."""
    return _ratio(normalise_text(a), normalise_text(b))


def ast_similarity(a: str, b: str) -> tuple[float | None, AstMethod | None]:
    """TSED-style similarity of two sources and the method used; (None, None) if one fails
    to parse."""
    comparison = _compare_sources(a, b)
    if comparison is None:
        return None, None
    return comparison.score, comparison.method


def match_files(original: Codebase, regenerated: Codebase) -> list[tuple[str, str]]:
    """Pairs of (original, regenerated) Python files: same path first, then the rest greedily
    by text similarity (at least `MATCH_THRESHOLD`)."""
    return _match_paths(_normalised(original), _normalised(regenerated))


def compare_similarity(original: Codebase, regenerated: Codebase) -> SimilarityResult:
    """Text and AST similarity of every matched file pair, and the weighted overalls."""
    texts_a, texts_b = _normalised(original), _normalised(regenerated)
    pairs = _match_paths(texts_a, texts_b)
    files: list[FileSimilarity] = []
    text_parts: list[tuple[float, int]] = []
    ast_parts: list[tuple[float, int]] = []
    for path_a, path_b in pairs:
        text_a, text_b = texts_a[path_a], texts_b[path_b]
        text = _ratio(text_a, text_b)
        text_parts.append((text, max(_line_count(text_a), _line_count(text_b), 1)))
        tree = _compare_files(original.python[path_a], regenerated.python[path_b])
        if tree is not None:
            ast_parts.append((tree.score, tree.size))
        files.append(_file_similarity(path_a, path_b, text, tree))
    matched_a, matched_b = {a for a, _ in pairs}, {b for _, b in pairs}
    unmatched_a = [path for path in texts_a if path not in matched_a]
    for path in unmatched_a:
        text_parts.append((0.0, max(_line_count(texts_a[path]), 1)))
        units = _file_units(original.python[path])
        if units is not None:
            ast_parts.append((0.0, _node_count(units)))
    return SimilarityResult(
        files=files,
        unmatched_original=unmatched_a,
        unmatched_regenerated=[path for path in texts_b if path not in matched_b],
        text_overall=_weighted(text_parts),
        ast_overall=_weighted(ast_parts),
        normalisations=list(NORMALISATIONS),
    )


def _file_similarity(
    path_a: str, path_b: str, text: float, tree: _AstComparison | None
) -> FileSimilarity:
    return FileSimilarity(
        original=path_a,
        regenerated=path_b,
        text=text,
        ast=None if tree is None else tree.score,
        ast_method=None if tree is None else tree.method,
    )


def _weighted(parts: list[tuple[float, int]]) -> float | None:
    total = sum(weight for _, weight in parts)
    if total == 0:
        return None
    return sum(score * weight for score, weight in parts) / total


def _normalised(codebase: Codebase) -> dict[str, str]:
    return {path: normalise_text(source.text) for path, source in codebase.python.items()}


def _line_count(normalised: str) -> int:
    return normalised.count("\n") + 1 if normalised else 0


def _ratio(a: str, b: str) -> float:
    if a == b:
        return 1.0
    return fuzz.ratio(a, b) / 100


# --- matching --------------------------------------------------------------------------------


def _match_paths(texts_a: dict[str, str], texts_b: dict[str, str]) -> list[tuple[str, str]]:
    same = [(path, path) for path in texts_a if path in texts_b]
    rest_a = {path: text for path, text in texts_a.items() if path not in texts_b}
    rest_b = {path: text for path, text in texts_b.items() if path not in texts_a}

    def score(a: str, b: str) -> float:
        # Same file name breaks ties between equally similar candidates (empty __init__.py).
        similarity = fuzz.ratio(rest_a[a], rest_b[b], score_cutoff=MATCH_THRESHOLD * 100) / 100
        same_name = PurePosixPath(a).name == PurePosixPath(b).name
        return similarity + (1e-9 if similarity and same_name else 0.0)

    return same + _greedy(rest_a, rest_b, score)


def _greedy(
    a: Iterable[str], b: Iterable[str], score: Callable[[str, str], float]
) -> list[tuple[str, str]]:
    """Pairs taken best first while both sides are free; scores below the threshold skipped."""
    candidates = [(score(x, y), x, y) for x in a for y in b]
    candidates = [c for c in candidates if c[0] >= MATCH_THRESHOLD]
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[str] = set()
    used_b: set[str] = set()
    pairs = []
    for _, x, y in candidates:
        if x not in used_a and y not in used_b:
            used_a.add(x)
            used_b.add(y)
            pairs.append((x, y))
    return pairs


def _match_units(a: _Units, b: _Units) -> list[tuple[str, str]]:
    same = [(name, name) for name in a if name in b]
    rest_a = [name for name in a if name not in b]
    rest_b = [name for name in b if name not in a]

    def score(x: str, y: str) -> float:
        flat_a, flat_b = a[x], b[y]
        if min(len(flat_a), len(flat_b)) < MATCH_THRESHOLD * max(len(flat_a), len(flat_b)):
            return 0.0  # the profile score cannot reach the threshold: skip counting
        return 1.0 - _profile_distance(flat_a, flat_b) / max(len(flat_a), len(flat_b))

    return same + _greedy(rest_a, rest_b, score)


# --- AST -------------------------------------------------------------------------------------


def _compare_sources(a: str, b: str) -> _AstComparison | None:
    return _compare_files(SourceFile("a.py", a), SourceFile("b.py", b))


def _compare_files(a: SourceFile, b: SourceFile) -> _AstComparison | None:
    units_a, units_b = _file_units(a), _file_units(b)
    if units_a is None or units_b is None:
        return None
    return _compare_units(units_a, units_b)


def _compare_units(a: _Units, b: _Units) -> _AstComparison:
    pairs = _match_units(a, b)
    distance, fallback = 0, False
    for name_a, name_b in pairs:
        pair_distance, pair_fallback = _tree_distance(a[name_a], b[name_b])
        distance += pair_distance
        fallback = fallback or pair_fallback
    matched_a, matched_b = {x for x, _ in pairs}, {y for _, y in pairs}
    distance += sum(len(flat) for name, flat in a.items() if name not in matched_a)
    distance += sum(len(flat) for name, flat in b.items() if name not in matched_b)
    return _AstComparison(distance, _node_count(a), _node_count(b), fallback)


def _tree_distance(a: _Flat, b: _Flat) -> tuple[int, bool]:
    """Edit distance of two unit trees, and whether the node profile stood in for APTED."""
    if a == b:
        return 0, False
    if max(len(a), len(b)) > NODE_CAP or max(_depth(a), _depth(b)) > DEPTH_CAP:
        return _profile_distance(a, b), True
    return APTED(a, b).compute_edit_distance(), False


def _profile_distance(a: _Flat, b: _Flat) -> int:
    profile_a = Counter(label for label, _ in a)
    profile_b = Counter(label for label, _ in b)
    return max((profile_a - profile_b).total(), (profile_b - profile_a).total())


def _node_count(units: _Units) -> int:
    return sum(len(flat) for flat in units.values())


def _file_units(source: SourceFile) -> _Units | None:
    """A file's units, from its shared tree; None when it does not parse."""
    try:
        return _units(source.tree())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _units(module: ast.Module) -> _Units:
    units: _Units = {}
    rest: list[ast.AST] = []
    for statement in module.body:
        if isinstance(statement, _DEFS):
            _add(units, statement.name, _flatten(statement, _children(statement)))
        elif isinstance(statement, ast.ClassDef):
            methods = [item for item in statement.body if isinstance(item, _DEFS)]
            method_ids = {id(method) for method in methods}
            shell = [c for c in _children(statement) if id(c) not in method_ids]
            _add(units, statement.name, _flatten(statement, shell))
            for method in methods:
                _add(units, f"{statement.name}.{method.name}", _flatten(method, _children(method)))
        else:
            rest.append(statement)
    units[MODULE_UNIT] = _flatten(module, rest)
    return units


def _add(units: _Units, name: str, flat: _Flat) -> None:
    key, count = name, 1
    while key in units:
        count += 1
        key = f"{name} #{count}"
    units[key] = flat


def _children(node: ast.AST) -> list[ast.AST]:
    return [c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr_context)]


def _flatten(root: ast.AST, children: list[ast.AST]) -> _Flat:
    """Preorder (label, arity) of `root` with the given children; iterative, as ASTs nest deep."""
    flat = [(type(root).__name__, len(children))]
    stack = children[::-1]
    while stack:
        node = stack.pop()
        kids = _children(node)
        flat.append((type(node).__name__, len(kids)))
        stack.extend(reversed(kids))
    return tuple(flat)

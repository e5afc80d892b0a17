"""The trial report's structure tree: both codebases' files, marked added, removed, changed
or common."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from analysis import (
    StructureResult,
)
from experiments.reports._trial_view import (
    FileDiff,
    TreeNode,
)


class _Leaf(NamedTuple):
    """A file of the tree: its status, and for a changed Python file its similarity and diff."""

    status: str
    similarity: str = ""
    anchor: str = ""


def _tree(
    structure: StructureResult, roots: tuple[Path, Path], diffs: list[FileDiff]
) -> list[TreeNode]:
    tree = structure.tree
    same_path = {d.original: d for d in diffs if d.original and d.original == d.regenerated}
    leaves = {path: _common(path, roots, same_path.get(path)) for path in tree.common}
    leaves |= dict.fromkeys(tree.added, _Leaf("added"))
    leaves |= dict.fromkeys(tree.removed, _Leaf("removed"))
    return _nodes([(tuple(path.split("/")), leaf) for path, leaf in sorted(leaves.items())])


def _common(path: str, roots: tuple[Path, Path], diff: FileDiff | None) -> _Leaf:
    """A file in both trees: common when its text is the same, else changed."""
    same = _same_text(roots[0] / path, roots[1] / path)
    if same is None:  # the files are not in the run directory: trust the analysis
        same = diff is None or diff.score is None or diff.score >= 1.0
    if same:
        return _Leaf("common")
    return _Leaf("changed", diff.text, diff.anchor) if diff else _Leaf("changed")


def _same_text(a: Path, b: Path) -> bool | None:
    """Whether two files hold the same text, line endings aside; None when either is missing."""
    try:
        left, right = a.read_bytes(), b.read_bytes()
    except OSError:
        return None
    return left.replace(b"\r\n", b"\n") == right.replace(b"\r\n", b"\n")


def _nodes(paths: list[tuple[tuple[str, ...], _Leaf]]) -> list[TreeNode]:
    groups: dict[str, list[tuple[tuple[str, ...], _Leaf]]] = {}
    for parts, leaf in paths:
        groups.setdefault(parts[0], []).append((parts[1:], leaf))
    nodes = []
    for name, members in groups.items():
        files = [leaf for rest, leaf in members if not rest]
        if files:
            leaf = files[0]
            nodes.append(TreeNode(name, leaf.status, [], leaf.similarity, leaf.anchor))
            continue
        children = _nodes([(rest, leaf) for rest, leaf in members])
        statuses = {c.status for c in children}
        status = statuses.pop() if len(statuses) == 1 else "mixed"
        nodes.append(TreeNode(f"{name}/", status, children))
    return sorted(nodes, key=lambda n: (not n.children, n.name))

"""The fast tree edit distance (edist, in C) gives APTED's distance, on random trees and on the
units of real code: the AST similarity's numbers do not depend on which one computed them."""

from __future__ import annotations

import ast
import itertools
import random
from pathlib import Path

import pydantic
from apted import APTED as ReferenceAPTED  # the pure-Python APTED

from analysis import _similarity

LABELS = ("Call", "Name", "Assign", "Constant", "If", "Return")


class _Node:
    """A node as the reference APTED reads it (`name`, `children`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.children: list[_Node] = []


def _reference_tree(flat: tuple[tuple[str, int], ...]) -> _Node:
    root = _Node(flat[0][0])
    parents, remaining = [root], [flat[0][1]]
    for label, arity in flat[1:]:
        while not remaining[-1]:
            parents.pop()
            remaining.pop()
        node = _Node(label)
        parents[-1].children.append(node)
        remaining[-1] -= 1
        parents.append(node)
        remaining.append(arity)
    return root


def _random_flat(rng: random.Random, size: int) -> tuple[tuple[str, int], ...]:
    """A random ordered labelled tree of `size` nodes (each node's parent drawn among the nodes
    before it), as a preorder (label, arity) sequence."""
    children: dict[int, list[int]] = {node: [] for node in range(size)}
    for node in range(1, size):
        children[rng.randrange(node)].append(node)
    order, stack = [], [0]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(children[node]))
    return tuple((rng.choice(LABELS), len(children[node])) for node in order)


def _reference(a: tuple[tuple[str, int], ...], b: tuple[tuple[str, int], ...]) -> int:
    return int(ReferenceAPTED(_reference_tree(a), _reference_tree(b)).compute_edit_distance())


def test_equals_apted_on_random_trees() -> None:
    rng = random.Random(7)
    for _ in range(150):
        a = _random_flat(rng, rng.randint(1, 40))
        b = _random_flat(rng, rng.randint(1, 40))
        assert _similarity.APTED(a, b).compute_edit_distance() == _reference(a, b), (a, b)


def test_equals_apted_on_real_code_units() -> None:
    source = (Path(pydantic.__file__).parent / "fields.py").read_text(encoding="utf-8")
    units = _similarity._units(ast.parse(source))
    small = [flat for flat in units.values() if 2 < len(flat) <= 80][:24]
    assert len(small) >= 12
    for a, b in itertools.pairwise(small):
        assert _similarity.APTED(a, b).compute_edit_distance() == _reference(a, b)


def test_depth_is_measured_on_the_preorder_sequence() -> None:
    chain = (("UnaryOp", 1),) * 9 + (("Constant", 0),)
    assert _similarity._depth(chain) == 10
    assert _similarity._depth((("Module", 2), ("Pass", 0), ("Pass", 0))) == 2

"""Text and AST (TSED) similarity of two codebases, on hand-made pairs with known answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis import Codebase, SourceFile, _similarity, compare_similarity
from analysis._similarity import (
    NORMALISATIONS,
    ast_similarity,
    match_files,
    normalise_text,
    text_similarity,
)

MODULE = '''"""A small module."""

import os


def read(path):
    with open(path) as stream:
        return stream.read()


class Store:
    limit = 10

    def __init__(self, root):
        self.root = root

    def get(self, name):
        if not name:
            raise ValueError(name)
        return read(os.path.join(self.root, name))
'''


def _codebase(files: dict[str, str]) -> Codebase:
    python = {path: SourceFile(path, text) for path, text in files.items()}
    return Codebase(Path("/nowhere"), python)


def test_identical_pair_scores_one_per_file_and_overall() -> None:
    result = compare_similarity(_codebase({"pkg/m.py": MODULE}), _codebase({"pkg/m.py": MODULE}))
    [file] = result.files
    assert (file.original, file.regenerated) == ("pkg/m.py", "pkg/m.py")
    assert (file.text, file.ast, file.ast_method) == (1.0, 1.0, "apted")
    assert (result.text_overall, result.ast_overall) == (1.0, 1.0)
    assert result.unmatched_original == result.unmatched_regenerated == []
    assert result.normalisations == list(NORMALISATIONS)


def test_renames_keep_ast_one_but_lower_text() -> None:
    renamed = (
        MODULE.replace("read", "load")
        .replace("stream", "handle")
        .replace("Store", "Repository")
        .replace("name", "key")
    )
    assert ast_similarity(MODULE, renamed) == (1.0, "apted")
    assert text_similarity(MODULE, renamed) < 0.95


def test_renamed_and_edited_function_is_paired_by_structure() -> None:
    # `f` becomes `g` with one statement more: paired by node profile, not deleted whole.
    a = "def f(a):\n    return a + 1\n"
    b = "def g(b):\n    b = b * 2\n    return b + 1\n"
    # f: FunctionDef arguments arg Return BinOp Name Add Constant (8) + Module (1) = 9 nodes;
    # g adds Assign Name BinOp Name Mult Constant (6): 15 nodes, distance 6.
    assert ast_similarity(a, b) == (1 - 6 / 15, "apted")


def test_comment_blank_line_and_whitespace_changes_keep_text_one() -> None:
    noisy = "# header comment\n\n" + MODULE.replace("\n", "   \r\n").replace(
        "    limit = 10", "    # the limit\n\n    limit = 10  "
    )
    assert normalise_text(noisy) == normalise_text(MODULE)
    assert text_similarity(MODULE, noisy) == 1.0
    assert ast_similarity(MODULE, noisy) == (1.0, "apted")


def test_text_similarity_is_the_indel_ratio() -> None:
    # "a = 1" and "a = 2": 10 characters, 2 indels -> 1 - 2/10.
    assert text_similarity("a = 1\n", "a = 2\n") == pytest.approx(0.8)


def test_completely_different_file_scores_low() -> None:
    other = (
        "from dataclasses import dataclass\n\n@dataclass\nclass Point:\n    x: float\n"
        "    y: float\n\nPOINTS = [Point(i, i * i) for i in range(10)]\nprint(sum(p.y for p in"
        " POINTS))\n"
    )
    text = text_similarity(MODULE, other)
    score, method = ast_similarity(MODULE, other)
    assert text < 0.5
    assert score is not None and score < 0.5
    assert method == "apted"


def test_tsed_matches_hand_computed_edit_distance() -> None:
    # Module(Assign(Name, Constant)) has 4 nodes; adding `y = 2` inserts 3: 1 - 3/7.
    assert ast_similarity("x = 1", "x = 1\ny = 2") == (1 - 3 / 7, "apted")
    # Module(Assign(Name, BinOp(Name, Add, Name))): 7 nodes, Add -> Sub is one relabelling.
    assert ast_similarity("x = a + b", "x = a - b") == (1 - 1 / 7, "apted")
    # `f` (FunctionDef arguments Return Constant) has no counterpart: deleted whole, 4 of 5.
    assert ast_similarity("def f():\n    return 1\n", "") == (1 - 4 / 5, "apted")


def test_moved_file_is_matched_by_content() -> None:
    edited = MODULE.replace("limit = 10", "limit = 20")
    original = _codebase({"pkg/store.py": MODULE, "pkg/__init__.py": "", "pkg/cli.py": "x = 1\n"})
    regenerated = _codebase(
        {"pkg/__init__.py": "", "src/pkg/storage/store.py": edited, "tools.py": "import sys\n"}
    )
    assert match_files(original, regenerated) == [
        ("pkg/__init__.py", "pkg/__init__.py"),
        ("pkg/store.py", "src/pkg/storage/store.py"),
    ]
    result = compare_similarity(original, regenerated)
    moved = result.files[1]
    assert moved.text == text_similarity(MODULE, edited)
    assert 0.95 < moved.text < 1.0
    assert moved.ast == 1.0  # only a literal value changed
    assert result.unmatched_original == ["pkg/cli.py"]
    assert result.unmatched_regenerated == ["tools.py"]


def test_unmatched_original_counts_zero_with_its_weight() -> None:
    original = _codebase({"a.py": "x = 1\n", "b.py": "y = 2\n\nz = 3\n"})
    result = compare_similarity(original, _codebase({"a.py": "x = 1\n"}))
    # a.py: 1 line and 4 nodes, identical; b.py: 2 lines and 7 nodes, missing.
    assert result.text_overall == 1 / 3
    assert result.ast_overall == 4 / 11
    assert result.unmatched_original == ["b.py"]


def test_without_original_files_the_overalls_are_undefined() -> None:
    empty = compare_similarity(_codebase({}), _codebase({}))
    assert (empty.text_overall, empty.ast_overall, empty.files) == (None, None, [])
    extra = compare_similarity(_codebase({}), _codebase({"new.py": "x = 1\n"}))
    assert (extra.text_overall, extra.ast_overall) == (None, None)
    assert extra.unmatched_regenerated == ["new.py"]
    lost = compare_similarity(_codebase({"old.py": "x = 1\n"}), _codebase({}))
    assert (lost.text_overall, lost.ast_overall) == (0.0, 0.0)


def test_syntax_error_on_one_side_gives_no_ast_but_text() -> None:
    broken = MODULE.replace("def get(self, name):", "def get(self, name)")
    assert ast_similarity(MODULE, broken) == (None, None)
    result = compare_similarity(_codebase({"m.py": MODULE}), _codebase({"m.py": broken}))
    [file] = result.files
    assert (file.ast, file.ast_method) == (None, None)
    assert file.text == text_similarity(MODULE, broken)
    assert 0.99 < file.text < 1.0
    assert result.text_overall == pytest.approx(file.text)
    assert result.ast_overall is None


def test_large_function_uses_node_profile_not_apted(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_apted(*args: object) -> None:
        raise AssertionError("APTED ran on a unit above NODE_CAP")

    # What keeps a large pair fast is that APTED never sees a unit above the cap.
    monkeypatch.setattr(_similarity, "APTED", no_apted)
    body = "".join(f"    x{i} = {i}\n" for i in range(3000))
    a = "def big():\n" + body
    b = "def big():\n" + body + "    y = 1\n"
    score, method = ast_similarity(a, b)
    # big: FunctionDef, arguments, 3000 x Assign(Name, Constant) = 9002 nodes, + Module = 9003;
    # one more Assign(Name, Constant) differs by 3 labels in the node-type profile.
    assert (score, method) == (1 - 3 / 9006, "node-profile")
    result = compare_similarity(_codebase({"big.py": a}), _codebase({"big.py": b}))
    assert result.files[0].ast_method == "node-profile"
    assert result.ast_overall == 1 - 3 / 9006


def test_identical_large_function_needs_no_fallback() -> None:
    source = "def big():\n" + "".join(f"    x{i} = {i}\n" for i in range(3000))
    assert ast_similarity(source, source) == (1.0, "apted")


def test_too_deep_for_apted_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_similarity, "NODE_CAP", 100_000)
    # A chain of 1,500 unary minuses nests deeper than APTED's recursive node indexing allows.
    a = "x = " + "-" * 1500 + "1\n"
    b = "x = " + "-" * 1501 + "1\n"
    # Module Assign Name Constant + 1500 x (UnaryOp, USub) = 3004 nodes; b has 2 more.
    assert ast_similarity(a, b) == (1 - 2 / 3006, "node-profile")

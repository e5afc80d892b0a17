"""Code metrics: golden cases, and equality with radon's own CLI on real and mutated code."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, TypeVar

import pytest
import radon

from analysis import MetricsSummary, code_metrics, compare_metrics, load_codebase
from analysis._metrics import HEADLINE_KEYS, file_metrics

TINY = '''def f(x):
    # comment
    if x:
        return 1
    return 2


class A:
    """Doc."""

    def g(self):
        return 1
'''


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_tiny_file_raw_cc_and_mi() -> None:
    m = file_metrics("tiny.py", TINY)
    assert m.error is None and m.raw is not None
    assert m.raw.model_dump() == {
        "loc": 12,
        "lloc": 8,
        "sloc": 7,
        "comments": 1,
        "multi": 0,
        "blank": 3,
        "single_comments": 2,  # the comment line and the one-line docstring
    }
    # Blocks: f (2), class A (2: radon's class score, its methods' total plus one) and A.g (1);
    # classes count as blocks, as in `radon cc`.
    assert (m.cc_blocks, m.cc_sum, m.cc_max) == (3, 5, 2)
    assert m.cc_mean == pytest.approx(5 / 3)
    assert m.cc_ranks == {"A": 3, "B": 0, "C": 0, "D": 0, "E": 0, "F": 0}
    assert m.mi is not None and 0 <= m.mi <= 100 and m.mi_rank == "A"
    assert m.halstead is not None


def test_rank_counts_and_halstead_of_a_branchy_function() -> None:
    body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(7))
    m = file_metrics("b.py", f"def f(x):\n{body}    return x + 1\n")
    assert (m.cc_blocks, m.cc_max) == (1, 8)
    assert m.cc_ranks["B"] == 1
    assert m.halstead is not None and m.halstead.volume > 0 and m.halstead.effort > 0


def test_byte_order_mark_is_ignored_like_the_cli() -> None:
    assert file_metrics("bom.py", "\ufeffx = 1\n").error is None


def test_syntax_error_is_reported_per_file(tmp_path: Path) -> None:
    root = _write(tmp_path, {"good.py": TINY, "pkg/bad.py": "x = 1\ndef f(:\n    pass\n"})
    summary = code_metrics(load_codebase(root))
    bad = summary.files["pkg/bad.py"]
    assert bad.error is not None and bad.error.startswith("line 2: ")
    assert bad.raw is None and bad.mi is None and bad.halstead is None and bad.cc_blocks == 0
    assert summary.errors == {"pkg/bad.py": bad.error}
    good = summary.files["good.py"]
    assert good.error is None and summary.raw == good.raw
    assert (summary.cc_blocks, summary.cc_max) == (good.cc_blocks, good.cc_max)
    assert summary.mi_mean == good.mi


def test_empty_codebase(tmp_path: Path) -> None:
    summary = code_metrics(load_codebase(tmp_path))
    assert summary.files == {} and summary.raw.loc == 0
    assert (summary.cc_blocks, summary.cc_mean, summary.cc_max) == (0, 0.0, 0)
    assert summary.mi_mean is None and summary.halstead.difficulty == 0.0


def test_summary_totals_over_files(tmp_path: Path) -> None:
    two = "def g(a, b):\n    return a and b or a\n"
    summary = code_metrics(load_codebase(_write(tmp_path, {"a.py": TINY, "b.py": two})))
    a, b = summary.files["a.py"], summary.files["b.py"]
    assert a.raw is not None and b.raw is not None and a.mi is not None and b.mi is not None
    assert summary.raw.loc == a.raw.loc + b.raw.loc
    assert summary.cc_blocks == 4 and summary.cc_sum == a.cc_sum + b.cc_sum
    assert summary.cc_mean == pytest.approx((a.cc_sum + b.cc_sum) / 4)
    assert summary.cc_ranks["A"] == 4
    assert summary.mi_mean == pytest.approx((a.mi + b.mi) / 2)
    assert a.halstead is not None and b.halstead is not None
    assert summary.halstead.volume == pytest.approx(a.halstead.volume + b.halstead.volume)
    mean = (a.halstead.difficulty + b.halstead.difficulty) / 2
    assert summary.halstead.difficulty == pytest.approx(mean)


def test_deltas_are_regenerated_minus_original(tmp_path: Path) -> None:
    before = _write(tmp_path / "orig", {"a.py": "def f(x):\n    return x\n", "gone.py": "x = 1\n"})
    after_text = "# added\ndef f(x):\n    if x > 0:\n        return 1\n    return x\n"
    after = _write(tmp_path / "regen", {"a.py": after_text, "new.py": "y = 2\n"})
    comparison = compare_metrics(load_codebase(before), load_codebase(after))
    file_delta = comparison.file_deltas["a.py"]
    assert set(comparison.file_deltas) == {"a.py"}
    assert file_delta["loc"] == 3 and file_delta["sloc"] == 2 and file_delta["comments"] == 1
    assert file_delta["cc_max"] == 1 and file_delta["cc_mean"] == 1.0
    assert file_delta["halstead_volume"] > 0
    assert set(file_delta) == set(HEADLINE_KEYS)
    deltas = comparison.deltas
    assert set(deltas) == set(HEADLINE_KEYS)
    assert deltas["loc"] == 3 and deltas["cc_max"] == 1
    orig, regen = comparison.original, comparison.regenerated
    assert regen.mi_mean is not None and orig.mi_mean is not None
    assert deltas["mi_mean"] == pytest.approx(regen.mi_mean - orig.mi_mean)


def test_deltas_leave_out_what_one_side_lacks(tmp_path: Path) -> None:
    before = _write(tmp_path / "orig", {"a.py": "def f(:\n"})
    after = _write(tmp_path / "regen", {"a.py": TINY})
    comparison = compare_metrics(load_codebase(before), load_codebase(after))
    assert comparison.original.mi_mean is None
    assert "mi_mean" not in comparison.deltas and comparison.deltas["loc"] == 12
    assert comparison.file_deltas == {"a.py": {}}


# --- equality with radon's CLI -------------------------------------------------------------


_F = TypeVar("_F", ast.FunctionDef, ast.AsyncFunctionDef)


class _Mutate(ast.NodeTransformer):
    """Drop every other statement of each function body and add an `if` branch in front."""

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        return self._mutate(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        return self._mutate(node)

    def _mutate(self, node: _F) -> _F:
        self.generic_visit(node)
        branch = ast.parse("if __debug__ and not __name__:\n    pass").body[0]
        node.body = [branch, *node.body[::2]]
        return node


def _mutated_copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    for path in target.rglob("*.py"):
        tree = _Mutate().visit(ast.parse(path.read_text(encoding="utf-8")))
        path.write_text(ast.unparse(ast.fix_missing_locations(tree)) + "\n", encoding="utf-8")


def _radon_cli(root: Path, *args: str) -> dict[str, Any]:
    """One `python -m radon` call over the folder, keyed by path relative to it."""
    done = subprocess.run(
        [sys.executable, "-m", "radon", *args, "-j", str(root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,  # no radon config file of this project is picked up
    )
    return {Path(k).relative_to(root).as_posix(): v for k, v in json.loads(done.stdout).items()}


@pytest.fixture(scope="module")
def radon_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("radon_copies")
    original = base / "original"
    package = Path(radon.__file__).parent
    shutil.copytree(package, original, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _mutated_copy(original, base / "mutated")
    return {"original": original, "mutated": base / "mutated"}


@pytest.mark.parametrize("variant", ["original", "mutated"])
def test_equals_radon_cli(radon_copies: dict[str, Path], variant: str) -> None:
    root = radon_copies[variant]
    summary = code_metrics(load_codebase(root))
    assert len(summary.files) >= 20 and not summary.errors
    raw, cc = _radon_cli(root, "raw"), _radon_cli(root, "cc")
    mi, hal = _radon_cli(root, "mi", "-s"), _radon_cli(root, "hal")
    assert set(raw) == set(mi) == set(hal) == set(summary.files)
    for path, ours in summary.files.items():
        assert ours.raw is not None and ours.raw.model_dump() == raw[path], path
        assert ours.mi == pytest.approx(mi[path]["mi"]) and ours.mi_rank == mi[path]["rank"]
        _assert_cc(ours.cc_blocks, ours.cc_max, ours.cc_mean, cc.get(path, []), path)
        total = hal[path]["total"]
        assert ours.halstead is not None, path
        assert ours.halstead.volume == pytest.approx(total["volume"]), path
        assert ours.halstead.difficulty == pytest.approx(total["difficulty"]), path
        assert ours.halstead.effort == pytest.approx(total["effort"]), path
    all_blocks = [block for blocks in cc.values() for block in blocks]
    _assert_cc(summary.cc_blocks, summary.cc_max, summary.cc_mean, all_blocks, variant)
    assert summary.cc_ranks["A"] == sum(1 for b in all_blocks if b["rank"] == "A")


def _assert_cc(blocks: int, top: int, mean: float, cli: list[dict[str, Any]], where: str) -> None:
    values = [block["complexity"] for block in cli]
    assert blocks == len(values), where
    assert top == max(values, default=0), where
    assert mean == pytest.approx(sum(values) / len(values) if values else 0.0), where


def test_mutation_changed_the_code(radon_copies: dict[str, Path]) -> None:
    original = code_metrics(load_codebase(radon_copies["original"]))
    mutated = code_metrics(load_codebase(radon_copies["mutated"]))
    assert mutated.raw.lloc != original.raw.lloc
    assert mutated.cc_blocks == original.cc_blocks and mutated.cc_mean != original.cc_mean


def test_summary_is_json_round_trippable(radon_copies: dict[str, Path]) -> None:
    summary = code_metrics(load_codebase(radon_copies["original"]))
    assert MetricsSummary.model_validate_json(summary.model_dump_json()) == summary

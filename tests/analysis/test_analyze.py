"""`analyze(A, B)` and `experiment analyze`: golden pairs with known answers."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analysis import AnalysisResult, analyze
from analysis._files import MAX_FILE_BYTES
from experiments.cli import app

REFERENCE = Path(__file__).resolve().parents[2] / "tasks" / "lru-ttl-cache" / "reference"
REMOVE = (
    "    def remove(self, name):\n        self.items = [i for i in self.items if i[0] != name]\n\n"
)
PACKAGE = {
    "shop/__init__.py": "from shop.cart import Cart\n",
    "shop/cart.py": (
        "from shop.prices import price_of\n\n\n"
        "class Cart:\n"
        "    def __init__(self):\n        self.items = []\n\n"
        "    def add(self, name, quantity=1):\n        self.items.append((name, quantity))\n\n"
        f"{REMOVE}"
        "    def total(self):\n        return sum(price_of(n) * q for n, q in self.items)\n"
    ),
    "shop/prices.py": (
        "PRICES = {'apple': 3, 'pear': 4}\n\n\n"
        "def price_of(name):\n    if name not in PRICES:\n        raise KeyError(name)\n"
        "    return PRICES[name]\n"
    ),
}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_an_identical_pair(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a", PACKAGE), write(tmp_path / "b", PACKAGE)
    result = analyze(a, b)
    assert result.similarity.text_overall == 1.0 and result.similarity.ast_overall == 1.0
    assert result.structure.api.match_rate == 1.0 and not result.structure.api.missing
    assert all(value == 0 for value in result.metrics.deltas.values())
    assert result.tests is None and result.journal is None


def test_a_renamed_function_a_removed_method_and_a_changed_signature(tmp_path: Path) -> None:
    changed = dict(PACKAGE)
    changed["shop/prices.py"] = PACKAGE["shop/prices.py"].replace("price_of", "lookup_price")
    changed["shop/cart.py"] = (
        PACKAGE["shop/cart.py"]
        .replace("price_of", "lookup_price")
        .replace("def add(self, name, quantity=1)", "def add(self, name, quantity, note=None)")
        .replace(REMOVE, "")
    )
    result = analyze(write(tmp_path / "a", PACKAGE), write(tmp_path / "b", changed))
    structure = result.structure
    assert "shop.cart:Cart.remove" in structure.api.missing
    [mismatch] = structure.api.signature_mismatches
    assert mismatch.key == "shop.cart:Cart.add"
    assert "quantity=1" in str(mismatch.original) and "note=None" in str(mismatch.regenerated)
    renames = {(r.original, r.regenerated): r.kind for r in structure.renames}
    assert renames[("shop.prices:price_of", "shop.prices:lookup_price")] == "renamed"
    assert result.metrics.deltas["loc"] < 0
    text = result.similarity.text_overall
    assert text is not None and 0 < text < 1


def test_a_syntax_error_is_reported_for_its_file(tmp_path: Path) -> None:
    broken = {**PACKAGE, "shop/prices.py": "def price_of(name)\n    return 1\n"}
    result = analyze(write(tmp_path / "a", PACKAGE), write(tmp_path / "b", broken))
    assert "regenerated:shop/prices.py" in result.structure.syntax_errors
    assert result.metrics.regenerated.files["shop/prices.py"].error is not None
    assert result.metrics.regenerated.files["shop/cart.py"].error is None


def test_binary_and_huge_files_are_skipped_with_a_note(tmp_path: Path) -> None:
    b = write(tmp_path / "b", PACKAGE)
    (b / "blob.py").write_bytes(b"\x00\x01binary")
    (b / "huge.py").write_text("x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    result = analyze(write(tmp_path / "a", PACKAGE), b)
    assert result.skipped["regenerated"]["blob.py"] == "binary"
    assert result.skipped["regenerated"]["huge.py"].startswith("too large")


def test_journal_and_hidden_tests(tmp_path: Path) -> None:
    from analysis import HiddenTests

    task = REFERENCE.parent
    copy = shutil.copytree(REFERENCE, tmp_path / "copy")
    journal = (REFERENCE / "lru_ttl.py").read_text()
    result = analyze(
        REFERENCE,
        copy,
        journal=journal,
        hidden_tests=HiddenTests(task / "hidden_tests", reference=REFERENCE),
    )
    assert result.tests is not None and result.tests.fidelity == 1.0
    assert result.tests.matrix["both_pass"] == 26
    assert result.journal is not None and result.journal.leakage == 1.0
    assert result.fidelity_per_1k_journal_tokens == pytest.approx(
        1000 / result.journal.journal_tokens
    )


def test_cli_summary_and_json(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a", PACKAGE), write(tmp_path / "b", PACKAGE)
    runner = CliRunner()
    text = runner.invoke(app, ["analyze", str(a), str(b)], env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    for expected in ("public API matched 6/6 (100%)", "Metrics (radon)", "text 1 · AST (TSED) 1"):
        assert expected in text.output
    data = json.loads(runner.invoke(app, ["analyze", str(a), str(b), "--json"]).output)
    assert data["similarity"]["text_overall"] == 1.0 and data["version"] == 1


def test_cli_with_a_task_and_a_journal(tmp_path: Path) -> None:
    journal = tmp_path / "journal.md"
    journal.write_text("A cache in lru_ttl.py built on an ordered dictionary.")
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            str(REFERENCE),
            str(REFERENCE),
            "--task",
            "lru-ttl-cache",
            "--journal",
            str(journal),
            "--tasks-dir",
            str(REFERENCE.parents[1]),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "original 100% · regenerated 100% · fidelity 1.00" in result.output
    assert "leakage 0%" in result.output


def test_cli_bad_folder_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "nope"), str(tmp_path)])
    assert result.exit_code == 2 and "not a folder" in result.output


def test_two_empty_folders_are_undefined_not_a_perfect_match(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    result = analyze(a, b)
    assert result.similarity.text_overall is None and result.similarity.ast_overall is None
    assert result.structure.api.match_rate is None
    text = CliRunner().invoke(app, ["analyze", str(a), str(b)], env={"COLUMNS": "200"})
    assert text.exit_code == 0, text.output
    assert "public API matched 0/0 (undefined)" in text.output
    assert "text undefined · AST (TSED) undefined over 0 matched file(s)" in text.output
    assert "100%" not in text.output


def _analyze_in_thread(a: Path, b: Path, unblock: Path) -> AnalysisResult:
    """analyze(a, b), failing instead of hanging when it blocks on the named pipe `unblock`."""
    found: list[AnalysisResult] = []
    worker = threading.Thread(target=lambda: found.append(analyze(a, b)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # a reader blocked on the pipe: give it a writer so the thread ends
        os.close(os.open(unblock, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail(f"analyze blocked reading {unblock}")
    return found[0]


def test_special_files_and_links_are_skipped_unopened_with_a_note(tmp_path: Path) -> None:
    a, b = write(tmp_path / "a", PACKAGE), write(tmp_path / "b", PACKAGE)
    (tmp_path / "secret.py").write_text("KEY = 'outside the folder'\n")
    os.mkfifo(b / "pipe.py")
    (b / "leak.py").symlink_to(tmp_path / "secret.py")
    result = _analyze_in_thread(a, b, b / "pipe.py")
    skipped = result.skipped["regenerated"]
    assert skipped["pipe.py"] == "not a regular file (a named pipe)"
    assert skipped["leak.py"] == "a symbolic link (not followed)"
    assert result.similarity.text_overall == 1.0 and not result.similarity.unmatched_regenerated

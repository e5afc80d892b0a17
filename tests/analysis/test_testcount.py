"""Counting test cases from a pytest file's AST."""

from __future__ import annotations

from pathlib import Path

from analysis import count_tests


def test_count_tests_expands_literal_parametrize(tmp_path: Path) -> None:
    test_file = tmp_path / "test_x.py"
    test_file.write_text(
        "import pytest\n"
        "def test_a(): pass\n"
        "@pytest.mark.parametrize('x', [1, 2, 3])\n"
        "def test_b(x): pass\n"
        "@pytest.mark.parametrize('x', VALUES)\n"
        "def test_c(x): pass\n"
        "def helper(): pass\n"
        "class TestGroup:\n"
        "    def test_d(self): pass\n"
        "    def setup_method(self): pass\n"
        "class Other:\n"
        "    def test_e(self): pass\n"
    )
    assert count_tests(test_file) == 1 + 3 + 1 + 1

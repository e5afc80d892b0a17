"""Counting test cases from a pytest file's AST."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis import count_tests, count_tests_cached


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


def _test_file(folder: Path, name: str, tests: int) -> Path:
    path = folder / name
    path.write_text("".join(f"def test_{i}(): pass\n" for i in range(tests)))
    return path


def test_cached_counts_match_and_follow_edits(tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "counts.json"
    one, two = _test_file(tmp_path, "test_one.py", 3), _test_file(tmp_path, "test_two.py", 5)
    assert count_tests_cached([one, two], cache) == [3, 5] == [count_tests(one), count_tests(two)]
    assert sorted(json.loads(cache.read_text()).values()) == [3, 5]
    _test_file(tmp_path, "test_one.py", 4)
    assert count_tests_cached([one, two], cache) == [4, 5]


def test_a_cached_count_is_not_parsed_again(tmp_path: Path) -> None:
    cache = tmp_path / "counts.json"
    path = _test_file(tmp_path, "test_x.py", 2)
    count_tests_cached([path], cache)
    # The count is taken from the cache: forge the entry and the forged number comes back.
    cache.write_text(json.dumps(dict.fromkeys(json.loads(cache.read_text()), 7)))
    assert count_tests_cached([path], cache) == [7]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"k": "three"}', ""])
def test_a_broken_cache_only_costs_the_parse(tmp_path: Path, content: str) -> None:
    cache = tmp_path / "counts.json"
    cache.write_text(content)
    path = _test_file(tmp_path, "test_x.py", 2)
    assert count_tests_cached([path], cache) == [2]
    assert list(json.loads(cache.read_text()).values()) == [2]


def test_an_unwritable_cache_still_counts(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache folder should be")
    path = _test_file(tmp_path, "test_x.py", 2)
    assert count_tests_cached([path], blocker / "counts.json") == [2]
    assert blocker.read_text().startswith("a file")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "test_x.py"]

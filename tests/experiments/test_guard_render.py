"""The `experiment analyze` text summary: long lists say how much they leave out, unmatched
files are shown, and a score below 1 never prints as 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from analysis import AnalysisResult, analyze
from experiments._render import SHOWN, print_analysis


def _write(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _functions(prefix: str, count: int, params: str) -> str:
    # Each body has its own shape (K additions), so a renamed function finds its original.
    return "".join(
        f"def {prefix}{k}({params}):\n    return a" + " + a" * k + "\n\n\n" for k in range(count)
    )


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> AnalysisResult:
    root = tmp_path_factory.mktemp("render")
    same = {f"m{k}.py": f"VALUE_{k} = {k}\n" for k in range(7)}
    original = {
        **same,
        "sig.py": _functions("f", SHOWN + 2, "a"),
        "ren.py": _functions("g", SHOWN + 1, "a"),
        "lost.py": "class Lost:\n    pass\n",
    }
    regenerated = {
        **same,
        "sig.py": _functions("f", SHOWN + 2, "a, b=0"),
        "ren.py": _functions("h", SHOWN + 1, "a"),
        "new.py": "import sys\n\nprint(sys.argv[1:], file=sys.stderr)\n",
    }
    return analyze(_write(root / "a", original), _write(root / "b", regenerated))


def _summary(result: AnalysisResult) -> str:
    console = Console(record=True, width=200)
    print_analysis(result, console)
    return console.export_text()


def test_lists_longer_than_shown_say_how_many_more(result: AnalysisResult) -> None:
    assert len(result.similarity.files) == SHOWN + 1
    assert len(result.structure.api.signature_mismatches) == SHOWN + 2
    assert len(result.structure.renames) == SHOWN + 1
    text = _summary(result)
    assert f"over {SHOWN + 1} matched file(s)" in text and "+1 more matched file(s)" in text
    assert "signatures: +2 more" in text and "renames and moves: +1 more" in text
    assert text.count("  signature sig:f") == SHOWN


def test_unmatched_files_are_shown(result: AnalysisResult) -> None:
    assert result.similarity.unmatched_original == ["lost.py"]
    text = _summary(result)
    assert "only in the original (scored 0): lost.py" in text
    assert "only in the regeneration (not scored): new.py" in text


def test_a_score_below_one_is_not_rounded_up_to_one(result: AnalysisResult) -> None:
    first = result.similarity.files[0].model_copy(update={"text": 0.9997, "ast": 0.29})
    files = [first, *result.similarity.files[1:]]
    similarity = result.similarity.model_copy(update={"files": files, "text_overall": 0.997})
    text = _summary(result.model_copy(update={"similarity": similarity}))
    assert "text 0.997 · AST (TSED)" in text
    assert f"{first.original}: text 0.999 · AST 0.290" in text
    assert "m1.py: text 1 · AST 1" in text


def test_brackets_in_names_and_signatures_are_printed_as_written(tmp_path: Path) -> None:
    # Rich reads "[...]" as markup: "[b]" turned bold and vanished, "[/b]" raised MarkupError.
    original = _write(tmp_path / "a", {"[b]x.py": "def f(a: list[int]) -> None:\n    pass\n"})
    regenerated = _write(
        tmp_path / "b", {"[b]x.py": "def f(a: dict[str, int]) -> None:\n    pass\n"}
    )
    text = _summary(analyze(original, regenerated))
    assert "[b]x.py" in text
    assert "(a: list[int]) -> None → (a: dict[str, int]) -> None" in text

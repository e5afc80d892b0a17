"""Structure comparison on small hand-made codebase pairs with known answers."""

from __future__ import annotations

from pathlib import Path

from analysis import (
    Codebase,
    StructureResult,
    Symbol,
    compare_structure,
    load_codebase,
    symbol_inventory,
)
from analysis._structure import Rename, SignatureMismatch, import_graph

CORE = '''\
"""The engine."""
from typing import Any


class Engine:
    """Runs things."""

    def __init__(self, name: str) -> None:
        self.name = name

    def get(self, key, default=None) -> Any:
        return default

    def stop(self):
        return self.name

    def _tick(self):
        pass


def run(engine: Engine, times: int = 1) -> list[str]:
    """Run an engine."""
    out = []
    for _ in range(times):
        out.append(engine.stop())
    return out
'''


def write(root: Path, files: dict[str, str]) -> Codebase:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return load_codebase(root)


def compare(tmp_path: Path, old: dict[str, str], new: dict[str, str]) -> StructureResult:
    return compare_structure(write(tmp_path / "old", old), write(tmp_path / "new", new))


def test_inventory_lists_modules_classes_functions_and_methods(tmp_path: Path) -> None:
    extra = (
        "class Outer(Base, metaclass=Meta):\n    class Inner:\n        async def go(self): ...\n"
    )
    codebase = write(tmp_path, {"pkg/__init__.py": "", "pkg/core.py": CORE + extra})
    symbols, errors = symbol_inventory(codebase)
    assert errors == {}
    by_key = {s.key: s for s in symbols}
    assert list(by_key) == [
        "pkg:",
        "pkg.core:",
        "pkg.core:Engine",
        "pkg.core:Engine.__init__",
        "pkg.core:Engine.get",
        "pkg.core:Engine.stop",
        "pkg.core:Engine._tick",
        "pkg.core:run",
        "pkg.core:Outer",
        "pkg.core:Outer.Inner",
        "pkg.core:Outer.Inner.go",
    ]
    assert by_key["pkg.core:Engine.get"] == Symbol(
        file="pkg/core.py",
        module="pkg.core",
        qualname="Engine.get",
        kind="method",
        signature="(self, key, default=None) -> Any",
        has_docstring=False,
        lineno=11,
        public=True,
    )
    assert by_key["pkg.core:run"].signature == "(engine: Engine, times: int=1) -> list[str]"
    assert by_key["pkg.core:run"].kind == "function"
    assert by_key["pkg.core:run"].has_docstring
    assert by_key["pkg.core:"].kind == "module" and by_key["pkg.core:"].has_docstring
    assert by_key["pkg.core:"].signature is None
    assert by_key["pkg:"].file == "pkg/__init__.py"
    assert by_key["pkg.core:Engine"].signature == "()"
    assert by_key["pkg.core:Outer"].signature == "(Base, metaclass=Meta)"
    assert by_key["pkg.core:Outer.Inner"].kind == "class"
    assert by_key["pkg.core:Outer.Inner.go"].kind == "method"
    assert by_key["pkg.core:Engine.__init__"].public
    assert not by_key["pkg.core:Engine._tick"].public


def test_src_layout_drops_the_src_prefix(tmp_path: Path) -> None:
    codebase = write(tmp_path, {"src/pkg/__init__.py": "", "src/pkg/a.py": "def f(): pass\n"})
    symbols, _ = symbol_inventory(codebase)
    assert [s.key for s in symbols] == ["pkg:", "pkg.a:", "pkg.a:f"]


def test_identical_codebases_match_fully(tmp_path: Path) -> None:
    files = {"pkg/__init__.py": "from .core import Engine\n", "pkg/core.py": CORE}
    result = compare(tmp_path, files, files)
    assert result.api.missing == []
    assert result.api.extra == []
    assert result.api.signature_mismatches == []
    assert result.renames == []
    # Engine, __init__, get, stop, run: _tick is private and modules are not counted.
    assert (result.api.matched, result.api.total, result.api.match_rate) == (5, 5, 1.0)
    assert result.tree.added == result.tree.removed == []
    assert result.tree.common == ["pkg/__init__.py", "pkg/core.py"]
    assert result.imports.added == result.imports.removed == []
    assert result.imports.original.edges == [("pkg", "pkg.core")]
    assert result.syntax_errors == {}


def test_without_public_symbols_the_match_rate_is_undefined(tmp_path: Path) -> None:
    result = compare(tmp_path, {"README.md": "x"}, {"README.md": "x"})
    assert (result.api.matched, result.api.total, result.api.match_rate) == (0, 0, None)
    result = compare(
        tmp_path / "2", {"_private.py": "def _f(): pass\n"}, {"m.py": "def f(): pass\n"}
    )
    assert (result.api.total, result.api.match_rate, result.api.extra) == (0, None, ["m:f"])


def test_renamed_function_is_matched_with_similarity_one(tmp_path: Path) -> None:
    body = "(path):\n    with open(path) as f:\n        return f.read().splitlines()\n"
    result = compare(
        tmp_path,
        {"tool.py": "def load" + body + "def other(): return 1\n"},
        {"tool.py": "def read_lines" + body + "def other(): return 1\n"},
    )
    assert result.api.missing == ["tool:load"]
    assert result.api.extra == ["tool:read_lines"]
    assert result.renames == [
        Rename(original="tool:load", regenerated="tool:read_lines", kind="renamed", similarity=1.0)
    ]
    assert result.api.match_rate == 0.5


def test_function_moved_to_another_module(tmp_path: Path) -> None:
    helper = "def slugify(text: str) -> str:\n    return text.lower().replace(' ', '-')\n"
    result = compare(
        tmp_path,
        {"app/main.py": "X = 1\n" + helper, "app/util.py": ""},
        {"app/main.py": "X = 1\n", "app/util.py": helper},
    )
    assert result.api.missing == ["app.main:slugify"]
    assert result.api.extra == ["app.util:slugify"]
    assert result.renames == [
        Rename(
            original="app.main:slugify",
            regenerated="app.util:slugify",
            kind="moved",
            similarity=1.0,
        )
    ]


def test_renamed_and_moved_and_dissimilar_code_is_not_matched(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {"a.py": "def total(xs):\n    return sum(x * 2 for x in xs)\n"},
        {
            "b.py": "def doubled_sum(xs):\n    return sum(x * 2 for x in xs)\n",
            "c.py": "def unrelated(config, verbose=False):\n    print(config.name, verbose)\n",
        },
    )
    assert result.renames == [
        Rename(
            original="a:total",
            regenerated="b:doubled_sum",
            kind="renamed_and_moved",
            similarity=1.0,
        )
    ]
    assert result.api.extra == ["b:doubled_sum", "c:unrelated"]


def test_each_candidate_is_used_once_best_similarity_first(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {"m.py": "def exact(a, b):\n    return a + b * 2\ndef near(a, b):\n    return a + b * 3\n"},
        {"m.py": "def add(a, b):\n    return a + b * 2\n"},
    )
    assert [(r.original, r.regenerated, r.similarity) for r in result.renames] == [
        ("m:exact", "m:add", 1.0)
    ]


def test_method_moved_to_another_class_counts_as_moved(tmp_path: Path) -> None:
    method = "    def area(self):\n        return self.w * self.h\n"
    result = compare(
        tmp_path,
        {"shapes.py": "class Box:\n" + method},
        {"shapes.py": "class Box:\n    pass\nclass Rect:\n" + method},
    )
    assert [(r.original, r.regenerated, r.kind) for r in result.renames] == [
        ("shapes:Box.area", "shapes:Rect.area", "moved")
    ]


def test_removed_method_is_missing(tmp_path: Path) -> None:
    without_stop = CORE.replace("    def stop(self):\n        return self.name\n\n", "")
    result = compare(tmp_path, {"core.py": CORE}, {"core.py": without_stop})
    assert result.api.missing == ["core:Engine.stop"]
    assert result.api.extra == []
    assert result.renames == []
    assert (result.api.matched, result.api.total, result.api.match_rate) == (4, 5, 0.8)


def test_changed_signature_is_a_mismatch_with_both_signatures(tmp_path: Path) -> None:
    changed = CORE.replace("def get(self, key, default=None) -> Any:", "def get(self, key):")
    result = compare(tmp_path, {"core.py": CORE}, {"core.py": changed})
    assert result.api.signature_mismatches == [
        SignatureMismatch(
            key="core:Engine.get",
            original="(self, key, default=None) -> Any",
            regenerated="(self, key)",
        )
    ]
    assert result.api.missing == result.api.extra == []
    assert result.api.match_rate == 1.0


def test_reformatted_signature_is_not_a_mismatch(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {"m.py": "def f(a,b = 1)->int:\n    return a\n"},
        {"m.py": "def f(\n    a,\n    b=1,\n) -> int:\n    return b\n"},
    )
    assert result.api.signature_mismatches == []


def test_file_tree_added_removed_common(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {"a.py": "", "docs/notes.md": "x", "old.py": ""},
        {"a.py": "", "docs/notes.md": "y", "new.py": "", "data/x.json": "{}"},
    )
    assert result.tree.added == ["data/x.json", "new.py"]
    assert result.tree.removed == ["old.py"]
    assert result.tree.common == ["a.py", "docs/notes.md"]


GRAPH_FILES = {
    "main.py": "import os\nimport requests\nfrom pkg import core\nimport pkg.util\n",
    "pkg/__init__.py": "from .core import Engine\n",
    "pkg/core.py": "from . import util\nfrom .util import helper as h\nimport json\n",
    "pkg/util.py": "def helper():\n    from pkg.sub import leaf\n",
    "pkg/sub/__init__.py": "from .leaf import *\n",
    "pkg/sub/leaf.py": "from ..util import helper\nfrom ... import nothing\n",
}


def test_import_graph_resolves_absolute_and_relative_imports(tmp_path: Path) -> None:
    graph = import_graph(write(tmp_path, GRAPH_FILES))
    assert graph.modules == ["main", "pkg", "pkg.core", "pkg.sub", "pkg.sub.leaf", "pkg.util"]
    assert graph.edges == [
        ("main", "pkg.core"),
        ("main", "pkg.util"),
        ("pkg", "pkg.core"),
        ("pkg.core", "pkg.util"),
        ("pkg.sub", "pkg.sub.leaf"),
        ("pkg.sub.leaf", "pkg.util"),
        ("pkg.util", "pkg.sub.leaf"),
    ]


def test_import_graph_diff(tmp_path: Path) -> None:
    changed = GRAPH_FILES | {"main.py": "import pkg\n", "pkg/util.py": "def helper(): pass\n"}
    result = compare(tmp_path, GRAPH_FILES, changed)
    assert result.imports.added == [("main", "pkg")]
    assert result.imports.removed == [
        ("main", "pkg.core"),
        ("main", "pkg.util"),
        ("pkg.util", "pkg.sub.leaf"),
    ]
    assert ("pkg", "pkg.core") in result.imports.regenerated.edges


def test_syntax_error_is_reported_and_other_files_still_analysed(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {"good.py": "def f(x): return x\n"},
        {"good.py": "def f(x): return x\n", "bad.py": "x = 1\ndef broken(:\n    pass\n"},
    )
    assert list(result.syntax_errors) == ["regenerated:bad.py"]
    assert result.syntax_errors["regenerated:bad.py"].startswith("line 2: ")
    assert [s.key for s in result.regenerated_symbols] == ["good:", "good:f"]
    assert result.api.match_rate == 1.0
    assert "bad" in result.imports.regenerated.modules
    assert "bad.py" in result.tree.added


def test_private_symbols_are_excluded_from_the_api(tmp_path: Path) -> None:
    result = compare(
        tmp_path,
        {
            "pkg/_impl.py": "def visible_name(): pass\n",
            "pkg/api.py": "def _helper(): pass\nclass C:\n    def _tick(self): pass\n"
            "    def __len__(self): return 0\n",
        },
        {"pkg/api.py": "class C:\n    pass\ndef _other(): pass\n"},
    )
    assert result.api.missing == ["pkg.api:C.__len__"]
    assert result.api.extra == []
    assert (result.api.matched, result.api.total) == (1, 2)


def test_too_deeply_nested_file_is_reported_not_a_crash(tmp_path: Path) -> None:
    # Parses, but ast.unparse runs out of recursion depth on it.
    deep = "def f(a=" + "+".join(["1"] * 700) + "):\n    pass\n"
    symbols, errors = symbol_inventory(write(tmp_path, {"deep.py": deep, "ok.py": "x = 1\n"}))
    assert list(errors) == ["deep.py"]
    assert errors["deep.py"].startswith("line 0: ")
    assert [s.key for s in symbols] == ["ok:"]

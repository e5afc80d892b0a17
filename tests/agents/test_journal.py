"""The journal: entries, the code policy, storage and rendering."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from agents import CodePolicy, Journal, code_violation
from agents._journal import code_blocks

CODE = "def add(a, b):\n    return a + b"


def test_entries_are_numbered_and_labelled() -> None:
    journal = Journal(task="t", style="terse")
    first = journal.add("plan", "One module.", ["m.py"])
    second = journal.add("step", "Wrote it.")
    assert (first.index, second.index) == (1, 2)
    assert second.label == "journal #2 (step)"
    assert journal.last == second


REFERENCES = Path(__file__).resolve().parents[2] / "tasks"


def _bodies() -> list[tuple[str, str]]:
    """(name, body) of every function in the bundled reference solutions: the statements after
    the docstring, indented as in the file."""
    found = []
    for path in sorted(REFERENCES.glob("*/reference/**/*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            # Known limit: calls that read like signatures (`flush()`, `out.append(html)`) are
            # allowed on their own, so a body made only of them is not recognised.
            if body and not all(_is_plain_call(statement) for statement in body):
                text = "\n".join(lines[body[0].lineno - 1 : node.end_lineno])
                found.append((f"{path.relative_to(REFERENCES)}:{node.name}", text))
    return found


def _is_plain_call(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)


BODIES = _bodies()
LRU_GET = next(body for name, body in BODIES if name.endswith("lru_ttl.py:get"))


@pytest.mark.parametrize(
    "text",
    [
        f"```python\n{CODE}\n```",
        CODE,
        "def add(a, b): return a + b",
        "It does this:\nimport os\nfrom pathlib import Path",
        "self._data[key] = (value, expires)\nself._data.move_to_end(key)",
        "On a hit it calls `self._data.move_to_end(key)` to mark the key as recent.",
        "It stores ``self._data[key] = (value, expires)`` on every put.",
        f"The lookup works like this:\n{LRU_GET}\nand that is all.",
        "- return default",
        ">>> cache._entries.clear()",
        "~~~\nfor key in list(self._entries):\n    self._live(key)\n~~~",
    ],
)
def test_policy_none_refuses_code(text: str) -> None:
    message = code_violation(text, CodePolicy(name="none"))
    assert message is not None and "may not contain code" in message


@pytest.mark.parametrize(("name", "body"), BODIES, ids=[name for name, _ in BODIES])
def test_policy_none_refuses_every_reference_method_body(name: str, body: str) -> None:
    text = f"Here is how {name} works:\n{body}"
    assert code_violation(text, CodePolicy(name="none")) is not None


def test_an_unfenced_body_is_one_block_of_all_its_lines() -> None:
    text = f"The lookup works like this:\n{LRU_GET}\nThat is all."
    assert code_blocks(text) == [[line for line in LRU_GET.splitlines() if line.strip()]]
    assert len(code_blocks(text)[0]) == 6


@pytest.mark.parametrize(
    "text",
    [
        "The cache keeps entries in an ordered dictionary and evicts the oldest.",
        "Function add(a, b) returns the sum; it raises ValueError on bad input.",
        "Set x = 1 in prose is fine once.",
        "`LRUCache.get` returns the default when the key is missing.",
        "get should return default when the key is missing, and `put` refreshes the key.",
        "Decision: OrderedDict\nFiles: lru_ttl.py\nStatus: done",
        "- thread-safe\n- cache is full\n- not done\n- eviction and expiry",
        "Public interface:\n- `LRUCache(capacity, ttl_seconds=None)`\n- `get(key, default=None)`"
        "\n- `put(key, value, ttl_seconds=None)`\n- get and put are O(1)",
        "lru_ttl.py defines LRUCache(capacity, ttl_seconds=None, clock=time.monotonic) with "
        "get(key, default=None) and put(key, value, ttl_seconds=None).",
        "Ran the tests:\n```\n12 passed in 0.03s\n```",
        "# Plan\n\n1. Write the cache.\n2. Test it.\n\nSummary",
    ],
)
def test_policy_none_accepts_prose(text: str) -> None:
    assert code_violation(text, CodePolicy(name="none")) is None


def test_policy_snippets_limits_block_length() -> None:
    policy = CodePolicy(name="snippets", max_lines=2)
    assert code_violation(f"```\n{CODE}\n```", policy) is None
    long = "```\n" + "\n".join(f"x{i} = {i}" for i in range(3)) + "\n```"
    assert "at most 2 lines" in str(code_violation(long, policy))
    assert code_violation(long, CodePolicy(name="any")) is None


def test_policy_snippets_counts_unfenced_code_and_backtick_spans() -> None:
    policy = CodePolicy(name="snippets", max_lines=5)
    assert "a block of 6" in str(code_violation(f"It works so:\n{LRU_GET}", policy))
    spans = "\n".join(f"- `self._stats[{i}] += 1`" for i in range(6))
    assert "a block of 6" in str(code_violation(spans, policy))
    two_snippets = "First:\nx = f(1)\ny = g(x)\nthen, later:\nz = h(y)\nw = z[0]"
    assert [len(block) for block in code_blocks(two_snippets)] == [2, 2]
    assert code_violation(two_snippets, CodePolicy(name="snippets", max_lines=2)) is None


def test_add_refuses_code_under_policy_none() -> None:
    journal = Journal(task="t", style="terse")
    with pytest.raises(ValueError, match="describe it in words"):
        journal.add("step", f"```\n{CODE}\n```")
    assert journal.entries == []


def test_save_load_and_markdown(tmp_path: Path) -> None:
    journal = Journal(task="demo", style="structured", code_policy=CodePolicy(name="snippets"))
    journal.add("plan", "Two files.", ["a.py", "b.py"])
    journal.add("summary", "Done.")
    journal.sealed = True
    journal.save(tmp_path)
    loaded = Journal.load(tmp_path)
    assert loaded == journal
    markdown = (tmp_path / "journal.md").read_text()
    assert markdown.startswith("# Journal: demo\n")
    assert "## 1. plan — a.py, b.py" in markdown and "code policy: snippets<=5" in markdown
    with pytest.raises(ValueError, match="sealed"):
        loaded.add("step", "late")


def test_load_refuses_an_unknown_version(tmp_path: Path) -> None:
    (tmp_path / "journal.jsonl").write_text('{"version": 99, "task": "t", "style": "s"}\n')
    with pytest.raises(ValueError, match="version 99"):
        Journal.load(tmp_path)

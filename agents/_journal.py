"""The journal: a typed, versioned record of how a codebase was built (DESIGN §3).

Stored as journal.jsonl (a header line, then one entry per line) and rendered as journal.md.
"""

from __future__ import annotations

import ast
import enum
import json
import re
import textwrap
import threading
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

EntryKind = Literal["plan", "decision", "step", "problem", "fix", "test", "summary"]
ENTRY_KINDS: tuple[EntryKind, ...] = (
    "plan",
    "decision",
    "step",
    "problem",
    "fix",
    "test",
    "summary",
)
CodePolicyName = Literal["none", "snippets", "any"]
JOURNAL_VERSION = 1


JOURNAL_FILE = "journal.jsonl"
"""The sealed journal: a header line, then one entry per line."""
JOURNAL_MARKDOWN = "journal.md"
"""The journal rendered for reading (and for the regenerator)."""


class CodePolicy(BaseModel):
    """How much code a journal may hold."""

    name: CodePolicyName = "none"
    """none: no code at all; snippets: code blocks of at most `max_lines`; any: no limit."""
    max_lines: int = Field(default=5, gt=0)
    """Longest code block allowed under `snippets`."""

    def __str__(self) -> str:
        return f"snippets<={self.max_lines}" if self.name == "snippets" else self.name


class JournalEntry(BaseModel):
    """One entry of the journal."""

    index: int
    """Position in the journal, from 1."""
    kind: EntryKind
    """plan, decision, step, problem, fix, test or summary."""
    text: str
    """What the agent wrote."""
    files: list[str] = Field(default_factory=list)
    """Workspace paths the entry is about."""
    timestamp: datetime = Field(default_factory=lambda: datetime.now(UTC))
    """When the entry was written (UTC)."""

    @property
    def label(self) -> str:
        """Short name used in commit messages, e.g. `journal #3 (step)`."""
        return f"journal #{self.index} ({self.kind})"


class Journal(BaseModel):
    """The builder's journal: header fields and entries."""

    version: int = JOURNAL_VERSION
    """Format version of the stored journal."""
    task: str
    """Task id."""
    style: str
    """Journal style the builder was asked for."""
    code_policy: CodePolicy = Field(default_factory=CodePolicy)
    """Code policy in force."""
    entries: list[JournalEntry] = Field(default_factory=list)
    """Entries in order."""
    sealed: bool = False
    """True once the build is over: nothing more may be appended."""

    def add(self, kind: EntryKind, text: str, files: list[str] | None = None) -> JournalEntry:
        """Append an entry (after checking the code policy) and return it."""
        if self.sealed:
            raise ValueError("the journal is sealed: the build is over")
        problem = code_violation(text, self.code_policy)
        if problem is not None:
            raise ValueError(problem)
        entry = JournalEntry(index=len(self.entries) + 1, kind=kind, text=text, files=files or [])
        self.entries.append(entry)
        return entry

    @property
    def last(self) -> JournalEntry | None:
        """The latest entry, if any."""
        return self.entries[-1] if self.entries else None

    def save(self, folder: Path) -> None:
        """Write journal.jsonl and journal.md into `folder`."""
        header = self.model_dump(mode="json", exclude={"entries"})
        lines = [json.dumps(header)] + [e.model_dump_json() for e in self.entries]
        (folder / JOURNAL_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        (folder / JOURNAL_MARKDOWN).write_text(render_markdown(self), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Journal:
        """Read journal.jsonl from `folder`."""
        lines = (folder / JOURNAL_FILE).read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        if header.get("version") != JOURNAL_VERSION:
            raise ValueError(
                f"{folder / JOURNAL_FILE}: journal version {header.get('version')} "
                f"is not {JOURNAL_VERSION}"
            )
        entries = [JournalEntry.model_validate_json(line) for line in lines[1:] if line.strip()]
        return cls.model_validate({**header, "entries": entries})


def render_markdown(journal: Journal) -> str:
    """The journal as Markdown, one section per entry."""
    out = [f"# Journal: {journal.task}", ""]
    out.append(f"Style: {journal.style} · code policy: {journal.code_policy}")
    for entry in journal.entries:
        files = f" — {', '.join(entry.files)}" if entry.files else ""
        out += ["", f"## {entry.index}. {entry.kind}{files}", "", entry.text.strip()]
    return "\n".join(out) + "\n"


# --- finding code in an entry -----------------------------------------------------------------
#
# Code is found by parsing, not by pattern: a pattern cannot tell `return a + b` from a sentence
# that starts with "return", and misses code it did not foresee. The candidates are inline
# backtick spans, each fenced block or stretch of text between fences as a whole, and, when that
# does not parse, the statement starting at each line: the line alone, a `...:` header with the
# lines indented under it, or a line whose brackets close further down. A candidate is code when
# Python parses it (dedented, Markdown list and quote markers and doctest prompts blanked) and
# it holds statement-like structure (`_is_code_statement`). Bare words, dotted names, signatures
# (`get(key, default=None)`: the code policy lets the journal name them), `Label: value` lines
# and chains of words joined by operators ("thread-safe", "cache is full") parse too but are
# prose, so they are not counted; so is a fenced block that is not Python (test output, a tree).

_FENCE = re.compile(r"^\s*(`{3,}|~{3,})[^`]*$")
_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)]|>+|\.\.\.)(?=\s|$)")
_BACKTICKS = re.compile(r"(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_CONTINUATION_LINES = 40
"""How far a candidate statement is followed while its brackets stay open."""
_HEADER_TEMPLATES = {
    "elif": "if x:\n pass\n{}\n pass",
    "else": "if x:\n pass\n{}\n pass",
    "except": "try:\n pass\n{}\n pass",
    "finally": "try:\n pass\n{}\n pass",
    "case": "match x:\n {}\n  pass",
}
"""How a header line whose body is elsewhere is completed for the parser (default: `{}\\n pass`)."""
_CODE_STATEMENTS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.Assign,
    ast.AugAssign,
    ast.Delete,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.If,
    ast.With,
    ast.AsyncWith,
    ast.Match,
    ast.Try,
    ast.TryStar,
    ast.Assert,
    ast.Import,
    ast.ImportFrom,
)
_CODE_EXPRESSIONS = (
    ast.Subscript,
    ast.Lambda,
    ast.IfExp,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Await,
    ast.Yield,
    ast.YieldFrom,
    ast.NamedExpr,
    ast.Starred,
    ast.JoinedStr,
)
_OPERATIONS = (ast.BinOp, ast.BoolOp, ast.Compare, ast.UnaryOp)


class _Line(enum.IntEnum):
    """What a line of an entry is, for finding runs of code."""

    PROSE = 0
    PYTHON = 1
    """Parses, but holds no code on its own: a name, a signature, a label, a comment."""
    CODE = 2


def code_blocks(text: str) -> list[list[str]]:
    """Runs of code in `text`, each the list of its lines (see the comment above for what counts
    as code). Blank lines do not end a run and are left out; lines that parse but are not code
    on their own (`store.save()`, a comment) count when code follows them in the run."""
    lines = text.splitlines()
    kinds = [_Line.PROSE] * len(lines)
    for region in _regions(lines):
        kinds[region.start : region.stop] = _region_kinds(lines[region.start : region.stop])
    blocks: list[list[str]] = []
    run: list[str] = []
    pending: list[str] = []
    for line, kind in zip(lines, kinds, strict=True):
        if not line.strip():
            continue
        if kind is _Line.CODE:
            run += [*pending, line]
            pending = []
        elif kind is _Line.PYTHON and run:
            pending.append(line)
        elif run:
            blocks.append(run)
            run, pending = [], []
    return [*blocks, run] if run else blocks


def code_violation(text: str, policy: CodePolicy) -> str | None:
    """Why `text` breaks the code policy, or None when it complies."""
    if policy.name == "any":
        return None
    blocks = code_blocks(text)
    if policy.name == "none" and blocks:
        first = blocks[0][0].strip()
        first = first if len(first) <= 60 else first[:57] + "..."
        return (
            "the code policy is 'none': journal entries may not contain code "
            f"(found {sum(len(b) for b in blocks)} line(s) of code, the first: {first}); "
            "describe it in words"
        )
    longest = max((len(b) for b in blocks), default=0)
    if policy.name == "snippets" and longest > policy.max_lines:
        return (
            f"the code policy allows snippets of at most {policy.max_lines} lines; "
            f"this entry has a block of {longest}: shorten it or describe it in words"
        )
    return None


def _regions(lines: list[str]) -> list[range]:
    """The stretches of lines between fence lines: each fenced block is a region of its own."""
    regions, start = [], 0
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            regions.append(range(start, index))
            start = index + 1
    regions.append(range(start, len(lines)))
    return [region for region in regions if region]


def _region_kinds(raw: list[str]) -> list[_Line]:
    """What each line of one region is."""
    lines = [_unmark(line) for line in raw]
    kinds = [_Line.CODE if _code_spans(line) else _Line.PROSE for line in raw]
    tree = _parse("\n".join(lines))
    if tree is not None:
        _mark_statements(tree, kinds)
        return kinds
    index = 0
    while index < len(lines):
        size, kind = _statement_at(lines, index)
        if size:
            kinds[index : index + size] = [kind] * size
            index += size
            continue
        end = _block_end(lines, index)  # prose ending in ":" may introduce indented code
        if end > index + 1:
            kinds[index + 1 : end] = _region_kinds(raw[index + 1 : end])
        index = end
    return kinds


def _mark_statements(tree: ast.Module, kinds: list[_Line]) -> None:
    """Mark a region that parses as a whole: every line is Python, and the lines of its code
    statements are code."""
    kinds[:] = [max(kind, _Line.PYTHON) for kind in kinds]
    for statement in tree.body:
        if _is_code_statement(statement):
            start, end = _first_line(statement) - 1, statement.end_lineno or statement.lineno
            kinds[start:end] = [_Line.CODE] * (end - start)


def _statement_at(lines: list[str], index: int) -> tuple[int, _Line]:
    """How many lines the statement starting at `index` spans and what it is; (0, PROSE) when
    no statement starts there. The longest candidate that parses wins."""
    if not lines[index].strip():
        return 0, _Line.PROSE
    head = index  # decorators belong to the definition under them
    while lines[head].lstrip().startswith("@") and head + 1 < len(lines):
        head += 1
    closed = _bracket_end(lines, head)
    ends = {index + 1, closed, _block_end(lines, closed - 1, indent=_indent(lines[index]))}
    for end in sorted(ends, reverse=True):
        tree = _parse("\n".join(lines[index:end]))
        if tree is not None:
            return end - index, _Line.CODE if _holds_code(tree) else _Line.PYTHON
    return (1, _Line.CODE) if _is_code_header(lines[index]) else (0, _Line.PROSE)


def _block_end(lines: list[str], index: int, indent: int | None = None) -> int:
    """End of the lines indented deeper than `indent` (by default that of `lines[index]`) under
    a `...:` line at `index`; index + 1 when `lines[index]` does not end with a colon."""
    if not lines[index].rstrip().endswith(":"):
        return index + 1
    indent = _indent(lines[index]) if indent is None else indent
    end = index + 1
    for later in range(index + 1, len(lines)):
        if lines[later].strip():
            if _indent(lines[later]) <= indent:
                break
            end = later + 1
    return end


def _bracket_end(lines: list[str], index: int) -> int:
    """End of a statement whose brackets open at `index` and close on a later line."""
    depth = 0
    for later in range(index, min(len(lines), index + _CONTINUATION_LINES)):
        line = lines[later]
        depth += sum(line.count(c) for c in "([{") - sum(line.count(c) for c in ")]}")
        if depth <= 0 and not line.rstrip().endswith("\\"):
            return later + 1
    return index + 1


def _is_code_header(line: str) -> bool:
    """Whether `line` opens a compound statement (`def f(x):`, `else:`) whose body is not there."""
    text = line.strip()
    if not text.endswith(":"):
        return False
    word = text.split(maxsplit=1)[0].rstrip(":")
    tree = _parse(_HEADER_TEMPLATES.get(word, "{}\n pass").format(text))
    return tree is not None and _holds_code(tree)


def _code_spans(line: str) -> list[str]:
    """The inline backtick spans of `line` that hold code."""
    spans = (match.group(2).strip() for match in _BACKTICKS.finditer(line))
    return [span for span in spans if _is_code_source(span)]


def _is_code_source(text: str) -> bool:
    tree = _parse(text)
    return _holds_code(tree) if tree is not None else _is_code_header(text)


def _holds_code(tree: ast.Module) -> bool:
    return any(_is_code_statement(statement) for statement in tree.body)


def _is_code_statement(statement: ast.stmt) -> bool:
    """Statement-like structure: definitions, assignments, control flow, imports, a returned
    value, or an expression that computes something (`_is_code_expression`). `pass`, `break`,
    a bare `return` or `raise` and `global x` are single words of prose as much as code."""
    if isinstance(statement, _CODE_STATEMENTS):
        return True
    if isinstance(statement, ast.Return):
        return statement.value is not None
    if isinstance(statement, ast.Raise):
        return statement.exc is not None
    if isinstance(statement, ast.AnnAssign):  # `Decision: OrderedDict` is a label, not code
        return statement.value is not None or _is_code_expression(statement.annotation)
    if isinstance(statement, ast.Expr):
        return _is_code_expression(statement.value)
    return False


def _is_code_expression(node: ast.expr) -> bool:
    """A call with arguments (other than a signature) or on an internal name, a subscript, a
    comprehension, an operation on more than plain words... A name, a constant, a tuple of
    names or `cache.clear()` is not."""
    if _is_signature(node):
        return False
    for part in ast.walk(node):
        if isinstance(part, ast.Call) and (part.args or part.keywords or _is_internal(part.func)):
            return True
        if isinstance(part, _CODE_EXPRESSIONS) or (isinstance(part, ast.Dict) and part.keys):
            return True
        if isinstance(part, _OPERATIONS) and not _is_words(part):
            return True
    return False


def _is_signature(node: ast.expr) -> bool:
    """`LRUCache.get(key, default=None)`, `O(1)`: a public dotted name called with parameter
    names, literals and defaults. A call on `self`, `cls` or a private name is an implementation
    step instead."""
    if not isinstance(node, ast.Call) or not _is_dotted(node.func) or _is_internal(node.func):
        return False
    names = all(
        isinstance(a, ast.Name | ast.Constant)
        or (isinstance(a, ast.Starred) and isinstance(a.value, ast.Name))
        for a in node.args
    )
    defaults = all(isinstance(k.value, ast.Constant) or _is_dotted(k.value) for k in node.keywords)
    return names and defaults


def _is_internal(func: ast.expr) -> bool:
    """`self._entries.clear`, `_check_ttl`: a name only the implementation uses."""
    if not _is_dotted(func):
        return False
    parts = ast.unparse(func).split(".")
    return parts[0] in ("self", "cls") or any(part.startswith("_") for part in parts)


def _is_words(node: ast.expr) -> bool:
    """Plain words (names, dotted names) joined by operators: `thread-safe`, `cache is full`."""
    if _is_dotted(node):
        return True
    if isinstance(node, ast.BinOp):
        return _is_words(node.left) and _is_words(node.right)
    if isinstance(node, ast.BoolOp):
        return all(_is_words(value) for value in node.values)
    if isinstance(node, ast.Compare):
        return all(_is_words(value) for value in [node.left, *node.comparators])
    if isinstance(node, ast.UnaryOp):
        return _is_words(node.operand)
    return False


def _is_dotted(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _first_line(statement: ast.stmt) -> int:
    decorators: list[ast.expr] = getattr(statement, "decorator_list", [])
    return min([statement.lineno, *(d.lineno for d in decorators)])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _unmark(line: str) -> str:
    """`line` with a leading list or quote marker or doctest prompt blanked, indentation kept."""
    match = _MARKER.match(line)
    return line if match is None else " " * match.end() + line[match.end() :]


# CPython 3.11's AST constructor races between threads (python/cpython#106905), and agents
# write journals in trial threads while analyses parse in others: every parse in the process
# holds one lock, kept on the `ast` module by `analysis._ast` (which `agents` must not import).
_AST_LOCK: threading.RLock = vars(ast).setdefault("regenlab_lock", threading.RLock())


def _parse(source: str) -> ast.Module | None:
    """The dedented source parsed, or None when it is not Python."""
    source = textwrap.dedent(source)
    if not source.strip():
        return None
    try:
        with warnings.catch_warnings(), _AST_LOCK:
            warnings.simplefilter("ignore")  # invalid escapes and `is` with a literal in prose
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None

"""A draft blog post from the experiment summary, and a check that its numbers are the results'.

Every number in the draft is printed by the template from the summary with the summary's own
formatters (`fmt`, `fmt_estimate`, ...). `allowed_numbers` applies the same formatters to every
value of the summary (and takes the numbers of its labels, notes, commands and versions). The
draft passes `check_numbers` (a test holds the template to that).

The number rule (`numbers_in`):

1. Ignored: fenced code blocks (closed ``` or ~~~ fences), inline code spans on one line (`...`),
   link and image targets `](...)`, bare URLs, and ordered-list markers at the start of a line
   ("1. "). Thousands separators are dropped first ("10,000" reads as "10000").
2. The rest is cut into chunks: maximal runs of letters, digits, "_", ".", "%", "+" and "-"
   (the minus sign U+2212 reads as "-", the multiplication sign U+00D7 as "x"); every other
   character separates (space, brackets, comma, "=", "/", "$", ":", ...).
3. A chunk that starts with a letter or "_" is a name, skipped with every digit in it: model
   names and ids ("gpt-4.1", "claude-sonnet-4-6", "H100", "G1") -- except a multiplier written
   "x3", which is a number.
4. In any other chunk each `\\d+(\\.\\d+)*` is a number, with what is stuck to it: an exponent
   ("1e3", "2.5e-4") and a unit ("45%", "3x", "90pp", "10k", "270M", "2-fold"). The first keeps
   a leading minus ("-0.40"); "+" is dropped; "2-4" gives "2" and "4". Numbers are compared as
   strings: "0.4" is not "0.40", "3x" is not "3", and "5pp" is not "5 pp" (which reads "5").
   Numbers spelled out in words ("three") are not read.

The polish rule (`polish`), which a polished post must meet on top of the number rule:

- Every number is one the results hold (`check_numbers`).
- The numbers, read in order, are exactly the draft's (`moved_numbers`). The template prints
  every row, arm and finding in a fixed order, so a value moved to another arm, row or sentence
  changes the sequence, as does a number added, dropped or changed -- even to a value the results
  hold elsewhere. Rewording that keeps the numbers where they stand passes; rewording that
  reorders numbers within a sentence is rejected too: the unpolished draft stands, which is the
  safe side of the trade.
- Its code is the draft's: a fenced block or inline code span that is not in the draft is
  rejected, since numbers inside code are not read.
"""

from __future__ import annotations

import difflib
import json
import re
import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from agents import gives_journal
from agents.models import GenerateConfig, Message, Model, get_model
from analysis import Estimate
from experiments._errors import ExperimentsError
from experiments._spec import EXPERIMENT_FILE, load_experiment
from experiments.reports._plots import FILE_NAMES, PLOTS
from experiments.reports._summary import (
    METRIC,
    METRICS,
    MIN_TRIALS,
    ExperimentSummary,
    Group,
    MetricSummary,
    completed_report,
    environment,
    fmt,
    fmt_estimate,
    fmt_summary,
    interval_excludes_zero,
)
from experiments.reports._summary_files import write_summary
from experiments.reports._summary_runs import SummaryRun
from usererrors import FAILED_EXIT

POST_FILE = "post.md"
REJECTED_FILE = "post.rejected.md"
ARM_GIVEN = {
    "journal": "the journal alone",
    "prompt": "the task prompt alone (a re-solve: the control)",
    "journal+prompt": "the journal and the task prompt",
    "none": "nothing (the floor)",
}
POLISH_INSTRUCTIONS = (
    "You are an editor. Polish the prose of the Markdown blog post the user sends: grammar, "
    "flow and clarity. Rules: do not change, add, remove, round or reformat any number "
    "(digits, percentages, intervals, counts); keep every code block and every `inline code` "
    "span exactly as it is; keep the headings, tables and image links. Reply with the post only."
)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})[^\n]*\n.*?^ {0,3}\1[ \t]*$", re.MULTILINE | re.DOTALL)
_INLINE_CODE = re.compile(r"(`+)([^`\n]+?)\1")
_LINK_TARGET = re.compile(r"\]\([^)\n]*\)")
_URL = re.compile(r"<?https?://[^\s>)]+>?")
_LIST_MARKER = re.compile(r"^(\s*)\d+[.)](?=\s)", re.MULTILINE)
_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?![\d,]|\.\d)")
MINUS = "\u2212"
TIMES = "\u00d7"
_CHUNK = re.compile(r"[\w.%+\-]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)*(?:[eE][+-]?\d+)?(?:%|-fold(?![^\W\d_])|[^\W\d_]+)?")
_MULTIPLIER = re.compile(r"x\d+(?:\.\d+)*")
SHOWN_MOVES = 5
"""Differences from the draft's number sequence named in a rejection."""


class PostRejected(ExperimentsError):
    """The polished post holds numbers (or code) that are not the draft's; the draft stands.

    Not a mistake of the user's: the command ran, and refused the model's text (exit 1).
    """

    exit_code: ClassVar[int] = FAILED_EXIT
    label: ClassVar[str] = "rejected"

    def __init__(
        self,
        numbers: list[str],
        *,
        draft: str,
        polished: str,
        changed_code: list[str],
        moved: Sequence[str] = (),
    ) -> None:
        self.numbers = numbers
        """Numbers of the polished post that are not in the results."""
        self.draft = draft
        """The unpolished draft, which passes the check."""
        self.polished = polished
        self.changed_code = changed_code
        """Code blocks or spans of the polished post that are not in the draft."""
        self.moved = list(moved)
        """Where the polished post's numbers, in order, differ from the draft's."""
        reasons = []
        if numbers:
            reasons.append(f"numbers not in the results: {', '.join(numbers)}")
        if self.moved:
            reasons.append(f"numbers not as in the draft: {'; '.join(self.moved)}")
        if changed_code:
            reasons.append(f"code not in the draft: {', '.join(map(_short, changed_code))}")
        if not polished.strip():
            reasons.append("the model returned no text")
        super().__init__(f"the polished post was rejected ({'; '.join(reasons)})")


class Reproduction(BaseModel):
    """How to make the runs again: `experiment run` commands and the package versions."""

    commands: list[str]
    versions: dict[str, list[str]]
    """Package -> the distinct versions the runs recorded."""


class StyleComparison(BaseModel):
    """One arm's fidelity under each journal style, for one task and pair of models."""

    task: str
    builder_model: str
    regenerator_model: str
    code_policy: str
    arm: str
    styles: dict[str, MetricSummary]
    best: str | None
    """The style whose interval lies wholly above every other's, if any."""


# -- the number check --------------------------------------------------------------------------


def strip_code(text: str) -> str:
    """The text without fenced code blocks, inline code, link targets and URLs."""
    for pattern in (_FENCE, _INLINE_CODE, _LINK_TARGET, _URL):
        text = pattern.sub(" ", text)
    return text


def numbers_in(text: str, *, skip_code: bool = True) -> list[str]:
    """The numbers of `text` under the rule in the module docstring, in order."""
    if skip_code:
        text = strip_code(text)
    text = _LIST_MARKER.sub(r"\1", text)
    text = _THOUSANDS.sub(lambda m: m.group().replace(",", ""), text)
    found: list[str] = []
    for chunk in _CHUNK.findall(text.replace(MINUS, "-").replace(TIMES, "x")):
        found += _chunk_numbers(chunk)
    return found


def _chunk_numbers(chunk: str) -> list[str]:
    """The numbers of one chunk (rules 3 and 4 of the module docstring)."""
    if _MULTIPLIER.fullmatch(chunk):
        return [chunk]
    bare = chunk.lstrip("+-.")
    if not bare[:1].isdigit():
        return []  # a name, or no digit at all
    numbers = _NUMBER.findall(chunk)
    if chunk.lstrip("+").startswith("-") and chunk.lstrip("+-")[:1].isdigit():
        numbers[0] = f"-{numbers[0]}"
    return numbers


def check_numbers(text: str, allowed: set[str]) -> list[str]:
    """The numbers of `text` not in `allowed`, once each (the rule: the module docstring)."""
    return list(dict.fromkeys(n for n in numbers_in(text) if n not in allowed))


def moved_numbers(draft: str, polished: str) -> list[str]:
    """Where the numbers of `polished`, in order, are not the draft's: each change, addition or
    drop, in words (the first SHOWN_MOVES); empty when the sequences are the same."""
    a, b = numbers_in(draft), numbers_in(polished)
    if a == b:
        return []
    moves = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        was, now = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if tag == "replace":
            moves.append(f"{was} became {now}")
        elif tag == "delete":
            moves.append(f"{was} dropped")
        elif tag == "insert":
            moves.append(f"{now} added")
    extra = len(moves) - SHOWN_MOVES
    return moves[:SHOWN_MOVES] + ([f"and {extra} more"] if extra > 0 else [])


def changed_code(draft: str, polished: str) -> list[str]:
    """Fenced blocks and inline code spans of `polished` that `draft` does not have."""

    def code(text: str) -> set[str]:
        blocks = {m.group() for m in _FENCE.finditer(text)}
        spans = {m.group() for m in _INLINE_CODE.finditer(_FENCE.sub(" ", text))}
        return blocks | spans

    known = code(draft)
    return sorted(c for c in code(polished) if c not in known)


def allowed_numbers(summary: ExperimentSummary, reproduction: Reproduction) -> set[str]:
    """Every number the post may print: the summary's values in the template's formats, its
    counts, and the numbers in its labels, notes, commands and versions."""
    texts = [
        *_counts(summary),
        *summary.notes,
        *summary.warnings,
        *summary.tokenizers,
        *summary.weaknesses,
        *reproduction.commands,
        *(f"{k} {' '.join(v)}" for k, v in reproduction.versions.items()),
        fmt(summary.confidence, "pct"),
        str(summary.resamples),
        str(MIN_TRIALS),
    ]
    for group in summary.groups:
        texts += [group.label, *_group_texts(group)]
    return set(numbers_in("\n".join(texts), skip_code=False))


def _counts(summary: ExperimentSummary) -> list[str]:
    counted: list[Sequence[object]] = [
        summary.groups,
        summary.runs,
        summary.not_completed,
        summary.arms,
        summary.few_trials,
        *(summary.distinct(f) for f in ("task", "builder_model", "regenerator_model")),
        *(summary.distinct(f) for f in ("journal_style", "code_policy")),
    ]
    return [str(len(items)) for items in counted]


def _group_texts(group: Group) -> Iterable[str]:
    yield str(group.n)
    cells = [(m, METRIC[k].kind) for column in group.columns.values() for k, m in column.items()]
    for summary, kind in [*cells, (group.trial_cost, "usd")]:
        yield from (fmt_summary(summary, kind), str(len(summary.values)))
        yield str(len(summary.undefined))
        if summary.estimate is not None:
            yield fmt_estimate(summary.estimate, kind)
    for key, per_pair in group.differences.items():
        for estimate in per_pair.values():
            yield fmt_estimate(estimate, METRIC[key].kind, difference=True)
            yield str(estimate.n)


# -- the draft -------------------------------------------------------------------------------


def reproduction(summary: ExperimentSummary) -> Reproduction:
    """The `experiment run` commands that make these runs: an experiment directory's own
    experiment.yaml for the trials of a matrix, else a command rebuilt from each run.yaml."""
    batches: dict[str, list[SummaryRun]] = {}
    experiments: dict[Path, None] = {}  # an ordered set
    commands: list[str] = []
    for run in summary.runs:
        folder = Path(run.run_dir).parent
        if (folder / EXPERIMENT_FILE).is_file():
            experiments[folder] = None
        elif run.config is None:
            commands.append(f"# {run.run_id}: run.yaml is missing or unreadable")
        else:
            key = json.dumps([run.config.model_dump(mode="json", exclude={"seed"}), _out(run)])
            batches.setdefault(key, []).append(run)
    commands += [_experiment_command(folder) for folder in experiments]
    commands += [_command(runs) for runs in batches.values()]
    versions: dict[str, set[str]] = {}
    for run in summary.runs:
        for package, version in {**run.versions, "sandbox": run.sandbox}.items():
            versions.setdefault(package, set()).add(version)
    return Reproduction(commands=commands, versions={k: sorted(v) for k, v in versions.items()})


def _experiment_command(folder: Path) -> str:
    """`experiment run` on the experiment directory's experiment.yaml: the resolved spec, task
    paths made absolute, with the settings the CLI would otherwise override (the cache)."""
    path = folder / EXPERIMENT_FILE
    try:
        spec = load_experiment(path)
    except ExperimentsError as exc:
        return f"# {_relative(path)}: unreadable, so its runs cannot be rebuilt ({exc})"
    remarks = []
    if spec.shard is not None:
        shard = spec.shard
        remarks.append(f"# shard {shard.index + 1} of {shard.count}: this file runs that slice")
    lines = [f"experiment run {shlex.quote(_relative(path))}"]
    lines.append(f"--out {shlex.quote(_relative(folder.parent))}")
    if spec.max_cost is not None:
        lines.append(f"--max-cost {spec.max_cost}")
    # The CLI passes its --cache/--no-cache default over the file's setting: say it.
    lines.append("--cache" if spec.cache else "--no-cache")
    return "\n".join([*remarks, " \\\n    ".join(lines)])


def _command(runs: list[SummaryRun]) -> str:
    config = runs[0].config
    assert config is not None
    words = ["experiment", "run", _relative(config.task)]
    policy = config.code_policy
    options: list[tuple[str, object]] = [
        ("--builder-model", config.builder_model),
        ("--regenerator-model", config.regenerator_model),
        ("--arms", ",".join(config.arms)),
        ("--journal-style", config.journal_style),
        ("--code-policy", policy.name),
        ("--snippet-lines", policy.max_lines if policy.name == "snippets" else None),
        ("--trials", len(runs)),
        ("--out", _out(runs[0])),
        ("--sandbox", None if config.sandbox == "auto" else config.sandbox),
        ("--base-url", config.base_url),
        ("--max-turns", config.max_turns),
        ("--max-cost", config.max_cost_usd),
    ]
    lines = [" ".join(shlex.quote(w) for w in words)]
    lines += [f"{name} {shlex.quote(str(value))}" for name, value in options if value is not None]
    if not config.cache:
        lines.append("--no-cache")
    return "\n".join([*_remarks(runs), " \\\n    ".join(lines)])


def _remarks(runs: list[SummaryRun]) -> list[str]:
    config = runs[0].config
    assert config is not None
    remarks = []
    seeds = sorted(run.config.seed for run in runs if run.config is not None)
    if seeds != list(range(len(seeds))):
        remarks.append(
            f"# seeds {seeds}: experiments.run_trials(..., seed=...) in Python "
            "(the CLI starts at 0)"
        )
    if config.tokens_per_turn is not None:
        remarks.append(
            f"# tokens_per_turn={config.tokens_per_turn} was set in Python (no CLI flag)"
        )
    for model in dict.fromkeys([config.builder_model, config.regenerator_model]):
        if model.startswith("mock/") and not model.endswith((".yaml", ".yml", ".json")):
            remarks.append(f"# {model}: a scripted mock given as an object in Python, not a file")
    return remarks


def _out(run: SummaryRun) -> str:
    return _relative(Path(run.run_dir).parent)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def style_comparisons(summary: ExperimentSummary) -> list[StyleComparison]:
    """Fidelity of each journal-carrying arm across journal styles, per task and models."""
    by_condition: dict[tuple[str, ...], list[Group]] = {}
    for group in summary.groups:
        key = (group.task, group.builder_model, group.regenerator_model, group.code_policy)
        by_condition.setdefault(key, []).append(group)
    comparisons = []
    for (task, builder, regenerator, policy), groups in by_condition.items():
        for arm in dict.fromkeys(a for g in groups for a in g.arms if gives_journal(a)):
            styles = {g.journal_style: g.columns[arm]["fidelity"] for g in groups if arm in g.arms}
            comparisons.append(
                StyleComparison(
                    task=task,
                    builder_model=builder,
                    regenerator_model=regenerator,
                    code_policy=policy,
                    arm=arm,
                    styles=styles,
                    best=_best(styles),
                )
            )
    return comparisons


def _best(styles: dict[str, MetricSummary]) -> str | None:
    """The style whose interval lies above every other style's interval, if there is one."""
    estimates = {s: m.estimate for s, m in styles.items() if m.estimate is not None}
    if len(estimates) < 2 or any(e.low is None for e in estimates.values()):
        return None
    top = max(estimates, key=lambda s: estimates[s].mean)
    low = estimates[top].low
    rest = [e.high for s, e in estimates.items() if s != top]
    return top if low is not None and all(h is not None and low > h for h in rest) else None


def verdict(pair: str, estimate: Estimate) -> str:
    """A paired difference "a - b" in words, without numbers."""
    first, _, second = pair.partition(" - ")
    if estimate.low is None:
        return "a single pair has no interval: no conclusion"
    if not interval_excludes_zero(estimate):
        return "the interval includes zero: no difference is shown"
    direction = "higher" if estimate.mean > 0 else "lower"
    return f"{first} is {direction} than {second}: the interval excludes zero"


def render_draft(summary: ExperimentSummary) -> tuple[str, set[str]]:
    """The draft post and the set of numbers it may hold."""
    repro = reproduction(summary)
    context = {
        "summary": summary,
        "repro": repro,
        "comparisons": style_comparisons(summary),
        "plots": [(PLOTS[key][0], FILE_NAMES[key]) for key in PLOTS],
        "runs_arg": shlex.quote(_relative(Path(summary.runs_dir))),
        "ARM_GIVEN": ARM_GIVEN,
        "TABLE_METRICS": [m for m in METRICS if m.key not in ("journal_tokens", "cost_usd")],
    }
    env = environment(html=False)
    env.globals.update(verdict=verdict)
    draft = env.get_template("post.md.j2").render(**context)
    return draft, allowed_numbers(summary, repro)


def polish(draft: str, allowed: set[str], model: str | Model) -> str:
    """Ask `model` to polish the prose; reject the reply if it changed any number or code."""
    chosen = get_model(model) if isinstance(model, str) else model
    reply = chosen.generate(
        [Message.system(POLISH_INSTRUCTIONS), Message.user(draft)],
        config=GenerateConfig(max_output_tokens=8192, timeout_s=600.0),
    )
    polished = _unwrap(reply.text)
    numbers = check_numbers(polished, allowed)
    moved = moved_numbers(draft, polished)
    code = changed_code(draft, polished)
    if numbers or moved or code or not polished.strip():
        raise PostRejected(numbers, draft=draft, polished=polished, changed_code=code, moved=moved)
    return polished


def _unwrap(text: str) -> str:
    """The reply without a ```markdown fence around the whole of it, which some models add."""
    match = re.fullmatch(r"\s*```(?:markdown|md)?\n(.*)\n```\s*", text, re.DOTALL)
    return (match.group(1) if match else text).strip() + "\n"


def draft_post(runs_dir: Path, *, model: str | Model | None = None) -> str:
    """The Markdown post about the runs under `runs_dir`; polished by `model` when given.

    Raises PostRejected (holding the unpolished draft) when the polished text changes a number,
    and ExperimentsError when `runs_dir` holds no run or no completed trial.
    """
    draft, allowed = render_draft(completed_report(runs_dir))
    return draft if model is None else polish(draft, allowed, model)


def write_post(runs_dir: Path, *, model: str | Model | None = None) -> Path:
    """Write runs_dir/post.md (with the summary and the plots it links).

    With `model`, post.md first holds the draft; a rejected polish leaves it so, writes the
    rejected text to post.rejected.md and raises PostRejected. Raises ExperimentsError, before
    writing anything, when `runs_dir` holds no run or no completed trial.
    """
    summary = completed_report(runs_dir)
    write_summary(summary, runs_dir)
    draft, allowed = render_draft(summary)
    path = runs_dir / POST_FILE
    path.write_text(draft, encoding="utf-8")
    if model is None:
        return path
    try:
        polished = polish(draft, allowed, model)
    except PostRejected as exc:
        (runs_dir / REJECTED_FILE).write_text(exc.polished, encoding="utf-8")
        raise
    path.write_text(polished, encoding="utf-8")
    return path


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

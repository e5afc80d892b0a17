"""The suite file (robustness.yaml): the application under test, its test cases, how variants
are made and how much of them a run evaluates. Every field is validated; a bad file is one line
that names the file, the field and the fix."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from robustness._template import placeholders, template_logic

Family = Literal["format", "structure", "length", "noise", "paraphrase", "dir"]
FAMILIES: tuple[Family, ...] = ("format", "structure", "length", "noise", "paraphrase", "dir")
OutputKind = Literal["text", "json", "label", "python"]
Role = Literal["system", "user"]
ROLES: tuple[Role, ...] = ("system", "user")
TEXT_ASSERTIONS = (
    "equals",
    "contains",
    "icontains",
    "contains-any",
    "contains-all",
    "icontains-any",
    "icontains-all",
    "starts-with",
    "regex",
)
"""The plain-text checks, with promptfoo's meaning."""
ASSERTION_TYPES = (
    *TEXT_ASSERTIONS,
    "is-json",
    "contains-json",
    "json-field",
    "label",
    "one-of",
    "python",
    "hidden-tests",
    "llm-rubric",
)
"""Assertion types; each but the last four may be negated with a `not-` prefix (promptfoo's)."""
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
DEFAULT_MODEL = "local/qwen2.5-coder-1.5b"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class FileText(_Strict):
    """Text read from a file, relative to the suite's folder."""

    file: str
    """Path of a UTF-8 text file (e.g. a journal.md)."""


class TaskText(_Strict):
    """The prompt of one of regenlab's tasks (what its builder is asked to build)."""

    task: str
    """A task id under tasks/ (or a task folder)."""


TextSource = str | FileText | TaskText


class PromptTemplate(_Strict):
    """One prompt of the application: its messages, with `{{var}}` placeholders."""

    id: str = Field(pattern=ID_PATTERN)
    """Names the prompt in results and reports."""
    system: TextSource | None = None
    """The system message (none: the user message alone)."""
    user: TextSource
    """The user message; usually holds the test case's variables."""
    protect: list[str] = Field(default_factory=list)
    """Terms the meaning depends on (labels, field names, formats): meaning-preserving variants
    keep each of them verbatim. The placeholders are always kept."""
    perturb: list[Role] = Field(default_factory=lambda: list(ROLES))
    """The messages variants may edit (e.g. only `user`, when it holds a journal or a task)."""
    protect_code: bool = False
    """Also keep every `backtick` span verbatim (names of an interface, file names)."""
    group: str | None = None
    """Prompts of one group are measured together, each (prompt, case) a cluster: several
    prompts of the same kind (one per task, say) with a case each (default: its own id)."""


class OutputSpec(_Strict):
    """How a reply is read before the assertions that need structure (json-field, label, ...)."""

    kind: OutputKind = "text"
    """text (as is), json (the first JSON object), label (one of `labels`), python (code)."""
    labels: list[str] = Field(default_factory=list)
    """The label set, for `label` outputs and for the `label` / `one-of` assertions."""
    label_field: str | None = None
    """For json outputs: the field that holds the label (enables label-renaming controls)."""
    json_schema: dict[str, Any] | None = Field(default=None, alias="schema")
    """For json outputs: a JSON schema the object is checked against by `is-json`."""


class Assertion(_Strict):
    """One check of a reply (promptfoo's names and meanings where promptfoo has one)."""

    type: str
    """One of ASSERTION_TYPES, optionally prefixed `not-`."""
    value: Any = None
    """What to compare with: text, a list, a regex, a JSON schema, a Python expression, a rubric
    (json-field: any JSON value, null included)."""
    field: str | None = None
    """json-field: the field of the reply's JSON object (dots for nesting: `a.b`)."""
    task: str | None = None
    """hidden-tests: the task whose hidden tests score the code."""
    file: str | None = None
    """hidden-tests: the file the reply's code is written to (e.g. `lru_ttl.py`)."""
    threshold: float | None = Field(default=None, ge=0, le=1)
    """hidden-tests, llm-rubric: the score at which it passes (default 1 and 0.5)."""
    weight: float = Field(default=1.0, ge=0)
    """Its weight in the case's score."""

    @property
    def base_type(self) -> str:
        """The type without its `not-` prefix."""
        return self.type.removeprefix("not-")

    @property
    def negated(self) -> bool:
        """Whether the check is inverted."""
        return self.type.startswith("not-")

    @model_validator(mode="after")
    def _check(self) -> Assertion:
        base = self.base_type
        if base not in ASSERTION_TYPES:
            raise ValueError(f"unknown assertion type {self.type!r}; use one of {ASSERTION_TYPES}")
        if self.negated and base in ("python", "hidden-tests", "llm-rubric", "json-field"):
            raise ValueError(f"{base} cannot be negated; write the opposite check instead")
        needs_value = base not in ("is-json", "contains-json", "hidden-tests")
        if needs_value and "value" not in self.model_fields_set:
            raise ValueError(f"a {base} assertion needs `value`")
        if base == "json-field" and not self.field:
            raise ValueError("a json-field assertion needs `field`")
        if base == "hidden-tests" and not (self.task and self.file):
            raise ValueError("a hidden-tests assertion needs `task` and `file`")
        if base in ("contains-any", "contains-all", "icontains-any", "icontains-all", "one-of"):
            if not isinstance(self.value, list) or not self.value:
                raise ValueError(f"a {base} assertion needs a non-empty list as `value`")
        return self


class Case(_Strict):
    """One test case: variables and what a right reply is."""

    id: str = Field(pattern=ID_PATTERN)
    """Names the case in results and reports."""
    vars: dict[str, Any] = Field(default_factory=dict)
    """Values of the prompt's placeholders."""
    expect: dict[str, Any] = Field(default_factory=dict)
    """Shorthand for json outputs: each field's expected value (a json-field assertion each);
    `label` for label outputs."""
    assertions: list[Assertion] = Field(default_factory=list, alias="assert")
    """More checks, as in promptfoo."""
    prompts: list[str] | None = None
    """Only these prompt ids (default: every prompt)."""
    description: str = ""
    """What the case is about."""
    threshold: float | None = Field(default=None, ge=0, le=1)
    """Passes when its weighted score reaches this (default: the suite's)."""


class CasesFile(_Strict):
    """A file of cases (`cases_file:`): a mapping with a `cases` list."""

    cases: list[Case]
    """The cases."""


class Replacement(_Strict):
    """One text replacement of a meaning-changing control."""

    old: str = Field(min_length=1)
    """Text to replace (every whole-word occurrence)."""
    new: str
    """What it becomes."""


class Control(_Strict):
    """A meaning-changing (DIR) variant: edits the prompt so that the right answer changes."""

    id: str = Field(pattern=ID_PATTERN)
    """Names the control."""
    description: str = ""
    """The change in words."""
    replace: list[Replacement] = Field(min_length=1)
    """The edits applied to the prompt."""
    expect: dict[str, dict[str, Any]] = Field(min_length=1)
    """How expected values change: field (or `label`) -> {old value (or "*"): new value}."""
    prompts: list[str] | None = None
    """Only for these prompt ids (default: every prompt)."""


class ParaphraseSpec(_Strict):
    """Paraphrases written by a model, each checked for meaning preservation."""

    model: str | None = None
    """provider/model that writes them (default: the suite's model)."""
    judge: bool = True
    """Also ask the model whether the paraphrase asks for the same thing (recorded per variant)."""
    max_output_tokens: int = Field(default=600, gt=0)
    """Room for one rewritten message."""


class VariantsSpec(_Strict):
    """How variants are generated: families x kinds x severities x seeds, deterministic."""

    seed: int = 0
    """Root seed; the same seed gives byte-identical variants."""
    families: list[Family] = Field(default_factory=lambda: list(FAMILIES))
    """Which families to generate."""
    severities: list[Annotated[int, Field(ge=1, le=3)]] = Field(default_factory=lambda: [1, 2, 3])
    """Edit strengths (1 light, 3 heavy)."""
    seeds: int = Field(default=5, ge=1, le=100)
    """Variants per kind and severity."""
    auto_controls: int = Field(default=3, ge=0)
    """Label-renaming controls generated from the label set (DIR)."""
    paraphrase: ParaphraseSpec = Field(default_factory=ParaphraseSpec)
    """The model-written paraphrases."""


class PosixSpec(_Strict):
    """POSIX (prompt sensitivity from log-probabilities) on a sample: its cost grows as n^2."""

    cases: int = Field(default=6, ge=1)
    """Cases it is computed on."""
    variants: int = Field(default=4, ge=2)
    """Prompts per case (the clean one and meaning-preserving variants run on it)."""


class Profile(_Strict):
    """How much of the suite one run evaluates."""

    cases: int | None = Field(default=None, ge=1)
    """Cases (a seeded sample, in file order; default: all)."""
    repeats: int = Field(default=3, ge=1, le=50)
    """Calls of each case with the unperturbed prompt, past the cache: the noise floor."""
    cases_per_variant: int = Field(default=8, ge=1)
    """Cases each variant runs on (assigned so that every case sees each family alike)."""
    families: list[Family] | None = None
    """Only these families (default: the suite's)."""
    kinds: list[str] | None = None
    """Only these kinds (e.g. typos, markdown)."""
    severities: list[int] | None = None
    """Only these severities."""
    seeds: int | None = Field(default=None, ge=1)
    """At most this many variants per kind and severity."""
    max_variants: int | None = Field(default=None, ge=1)
    """A cap on the variants run (a stratified sample)."""
    posix: PosixSpec | None = None
    """Compute POSIX on a sample (local models only)."""


class Generation(_Strict):
    """Generation settings of every call."""

    max_output_tokens: int = Field(default=256, gt=0)
    """Upper bound on a reply's tokens."""
    temperature: float | None = Field(default=None, ge=0, le=2)
    """Sampling temperature (default: the provider's; 0.2 for the embedded models)."""
    timeout_s: float = Field(default=300.0, gt=0)
    """Wall-clock limit of one call."""


def _default_profiles() -> dict[str, Profile]:
    return {
        # No paraphrases: they need model calls before the run can start.
        "quick": Profile(
            cases=6,
            repeats=2,
            cases_per_variant=3,
            seeds=1,
            max_variants=12,
            families=["format", "structure", "length", "noise", "dir"],
        ),
        "full": Profile(),
    }


class Suite(_Strict):
    """A robustness suite."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    """Names the run folder (`runs/robustness-<time>-<name>`)."""
    description: str = ""
    """What the application does."""
    model: str = DEFAULT_MODEL
    """provider/model under test."""
    base_url: str | None = None
    """Server URL, for openai-compatible models."""
    generation: Generation = Field(default_factory=Generation)
    """Generation settings."""
    prompts: list[PromptTemplate] = Field(min_length=1)
    """The application's prompts."""
    output: OutputSpec = Field(default_factory=OutputSpec)
    """How replies are read."""
    cases: list[Case] = Field(default_factory=list)
    """The test cases (or `cases_file`)."""
    cases_file: str | None = None
    """A YAML file with a `cases:` list, relative to the suite's folder."""
    default_assert: list[Assertion] = Field(default_factory=list)
    """Checks applied to every case (promptfoo's defaultTest.assert)."""
    threshold: float | None = Field(default=None, ge=0, le=1)
    """A case passes when its weighted score reaches this; default: when every check passes."""
    metric: Literal["pass", "score"] = "pass"
    """What the drops are measured on: the pass rate, or the mean weighted score (e.g. the
    share of hidden tests passed). Flip rates and Robust Pass always use pass/fail."""
    judge_model: str | None = None
    """provider/model of llm-rubric checks (default: the suite's model)."""
    variants: VariantsSpec = Field(default_factory=VariantsSpec)
    """How variants are made."""
    controls: list[Control] = Field(default_factory=list)
    """Meaning-changing controls (DIR)."""
    profiles: dict[str, Profile] = Field(default_factory=_default_profiles)
    """Named amounts of work; `quick` and `full` exist unless redefined."""
    max_concurrency: int | None = Field(default=None, ge=1, le=64)
    """Calls in flight (default: 1 for local models, 4 otherwise)."""

    @field_validator("prompts")
    @classmethod
    def _unique_prompts(cls, prompts: list[PromptTemplate]) -> list[PromptTemplate]:
        ids = [p.id for p in prompts]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate:
            raise ValueError(f"prompt id {duplicate!r} is used twice; give each prompt its own id")
        return prompts

    @field_validator("profiles")
    @classmethod
    def _profiles(cls, profiles: dict[str, Profile]) -> dict[str, Profile]:
        return {**_default_profiles(), **profiles}

    @model_validator(mode="after")
    def _consistent(self) -> Suite:
        if self.cases and self.cases_file:
            raise ValueError("give `cases` or `cases_file`, not both")
        if self.output.kind == "label" and not self.output.labels:
            raise ValueError("a label output needs `output.labels`")
        for prompt in self.prompts:
            for role in ("system", "user"):
                text = getattr(prompt, role)
                if isinstance(text, str) and (logic := template_logic(text)):
                    raise ValueError(
                        f"prompt {prompt.id!r} {role}: {logic!r} is template logic; only plain "
                        "{{var}} placeholders are supported"
                    )
        return self


def check_cases(suite: Suite, source: str) -> list[str]:
    """Problems that need the resolved cases and prompts (ids, prompt references, vars)."""
    problems: list[str] = []
    ids = [case.id for case in suite.cases]
    prompt_ids = {p.id for p in suite.prompts}
    for index, case in enumerate(suite.cases):
        where = f"{source}: field 'cases.{index}'"
        if ids.count(case.id) > 1:
            problems.append(
                f"{where}.id: {case.id!r} is used twice; fix: give each case its own id"
            )
        unknown = sorted(set(case.prompts or []) - prompt_ids)
        if unknown:
            problems.append(
                f"{where}.prompts: unknown prompt {unknown[0]!r}; fix: use one of "
                f"{sorted(prompt_ids)}"
            )
        if not case.expect and not case.assertions and not suite.default_assert:
            problems.append(f"{where}: no `expect` and no `assert`; fix: say what a right reply is")
    return problems


def missing_vars(text: str, case: Case) -> list[str]:
    """Placeholders of `text` that the case gives no value for."""
    return sorted({name for name in placeholders(text) if name not in case.vars})

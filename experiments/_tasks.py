"""The task format (DESIGN §4): a folder with task.yaml, hidden_tests/, reference/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analysis import count_tests_cached
from experiments._errors import TaskFormatError
from usererrors import excerpt, read_yaml

if TYPE_CHECKING:
    from analysis import HiddenTests

TASK_FILE = "task.yaml"
TASK_ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class TestsConfig(BaseModel):
    """How the hidden tests run."""

    model_config = ConfigDict(extra="forbid")

    timeout_s: int = Field(default=120, gt=0, le=3600)
    """Wall-clock limit for one hidden-test run, in seconds."""
    import_root: str = "."
    """Folder inside the workspace that goes on PYTHONPATH."""

    @field_validator("import_root")
    @classmethod
    def _inside_workspace(cls, value: str) -> str:
        # The hidden tests put this folder on PYTHONPATH: it must name a folder of the codebase.
        pure = PurePosixPath(value)
        if not value or pure.is_absolute() or ".." in pure.parts or "\\" in value:
            raise ValueError(
                f"{excerpt(value)} leaves the workspace; fix: give a relative folder inside it "
                "without '..', e.g. . or src"
            )
        return value


class Limits(BaseModel):
    """Per-agent limits; each is optional with a sane default."""

    model_config = ConfigDict(extra="forbid")

    max_turns: int = Field(default=40, gt=0)
    """Model turns before the agent is stopped."""
    max_output_tokens: int = Field(default=60_000, gt=0)
    """Output tokens summed over the agent's turns."""
    timeout_s: int = Field(default=900, gt=0)
    """Wall-clock seconds for the whole agent run."""


class Task(BaseModel):
    """The contents of a task.yaml."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=TASK_ID_PATTERN)
    """Equals the folder name; lowercase letters, digits and dashes."""
    title: str = Field(min_length=1)
    """One-line human title."""
    difficulty: Literal["easy", "medium", "hard"]
    """Rough size and difficulty of the task."""
    language: Literal["python"] = "python"
    """Language of the codebase to build."""
    prompt: str = Field(min_length=1)
    """What the builder is asked to build, naming the public interface the hidden tests use."""
    tests: TestsConfig = Field(default_factory=TestsConfig)
    """How the hidden tests run."""
    limits: Limits = Field(default_factory=Limits)
    """Per-agent limits."""
    tags: list[str] = Field(default_factory=list)
    """Free-form labels (domains, skills)."""


@dataclass(frozen=True)
class LoadedTask:
    """A validated task and where its parts live on disk."""

    spec: Task
    """The parsed task.yaml."""
    folder: Path
    """The task folder."""
    hidden_test_files: tuple[Path, ...]
    """The test_*.py files under hidden_tests/."""
    hidden_test_count: int
    """Test cases in the hidden tests (functions, with literal parametrize lists expanded)."""

    @property
    def id(self) -> str:
        """The task id."""
        return self.spec.id

    @property
    def task_file(self) -> Path:
        """Path of task.yaml."""
        return self.folder / TASK_FILE

    @property
    def hidden_tests_dir(self) -> Path:
        """Folder of the hidden tests: never shown to any agent."""
        return self.folder / "hidden_tests"

    @property
    def reference_dir(self) -> Path:
        """Folder of the reference solution."""
        return self.folder / "reference"

    @property
    def hidden_tests(self) -> HiddenTests:
        """The hidden tests with how they run, and the reference that fixes which exist."""
        # Here, not at the top: it brings the sandbox, which listing tasks does not need.
        from analysis import HiddenTests

        tests = self.spec.tests
        return HiddenTests(
            self.hidden_tests_dir, tests.import_root, tests.timeout_s, self.reference_dir
        )

    @property
    def visible_tests_dir(self) -> Path | None:
        """Folder of the tests given to the builder, if the task has one."""
        path = self.folder / "visible_tests"
        return path if path.is_dir() else None


def load_task(path: str | os.PathLike[str]) -> LoadedTask:
    """Load and validate a task from its folder or its task.yaml."""
    path = Path(path)
    task_file = path / TASK_FILE if path.is_dir() else path
    if not task_file.is_file():
        raise TaskFormatError(
            f"{task_file}: not found; "
            f"fix: give a task folder holding {TASK_FILE}, or the file itself"
        )
    spec = _parse_spec(task_file)
    folder = task_file.parent
    if spec.id != folder.name:
        raise TaskFormatError(
            f"{task_file}: field 'id': {spec.id!r} differs from its folder name {folder.name!r}; "
            f"fix: set id: {folder.name} or rename the folder to {spec.id}"
        )
    tests = _hidden_test_files(folder)
    _require_reference(folder)
    return LoadedTask(spec, folder, tests, sum(count_tests_cached(tests, _counts_cache())))


def _counts_cache() -> Path:
    # The rule of agents.models.cache_dir, whose import would cost `tasks list` more than the
    # parses this cache saves.
    base = os.environ.get("REGENLAB_CACHE_DIR") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "regenlab"
    )
    return Path(base) / "test-counts.json"


def _parse_spec(task_file: Path) -> Task:
    # Bounded: an alias bomb or a huge file is a one-line error, not gigabytes of memory.
    data = read_yaml(task_file, TaskFormatError)
    if not isinstance(data, dict):
        raise TaskFormatError(
            f"{task_file}: the file must be a mapping of fields (id, title, prompt, ...); "
            "fix: write one `field: value` per line"
        )
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise TaskFormatError(_describe(task_file, exc)) from exc


def _describe(task_file: Path, exc: ValidationError) -> str:
    """One line for the first validation error, naming the field and the fix."""
    errors = exc.errors()
    first = errors[0]
    field = ".".join(str(part) for part in first["loc"]) or "(top level)"
    more = f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""
    return f"{task_file}: field '{field}': {_fix(first, field)}{more}"


def _fix(error: Any, field: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_fields(error["loc"])
        return f"unknown field; fix: remove it or use one of: {allowed}"
    if kind == "missing":
        return f"required field is missing; fix: add `{field.rsplit('.', 1)[-1]}: ...`"
    if kind == "string_pattern_mismatch":
        return (
            f"{excerpt(error['input'])} is not a valid id; fix: use lowercase letters, digits "
            "and dashes matching the folder name"
        )
    if kind == "value_error":  # our validators' messages carry their own fix
        return str(error["msg"]).removeprefix("Value error, ")
    return f"{error['msg']} (got {excerpt(error['input'])}); fix: correct the value"


def _allowed_fields(loc: tuple[Any, ...]) -> str:
    model: type[BaseModel] = Task
    for part in loc[:-1]:
        annotation = model.model_fields[str(part)].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return ", ".join(model.model_fields)


def _hidden_test_files(folder: Path) -> tuple[Path, ...]:
    hidden = folder / "hidden_tests"
    task_file = folder / TASK_FILE
    if not hidden.is_dir():
        raise TaskFormatError(
            f"{task_file}: field 'hidden_tests': folder {hidden} is missing; "
            "fix: add hidden_tests/ with pytest files named test_*.py"
        )
    files = tuple(sorted(hidden.rglob("test_*.py")))
    if not files:
        raise TaskFormatError(
            f"{task_file}: field 'hidden_tests': {hidden} holds no test_*.py file; "
            "fix: add pytest files named test_*.py"
        )
    return files


def _require_reference(folder: Path) -> None:
    reference = folder / "reference"
    if not reference.is_dir() or not any(reference.rglob("*.py")):
        raise TaskFormatError(
            f"{folder / TASK_FILE}: field 'reference': {reference} is missing or has no .py file; "
            "fix: add the reference solution there"
        )


@dataclass(frozen=True)
class TaskListing:
    """Every task folder under a directory: the valid ones and the errors of the others."""

    tasks: tuple[LoadedTask, ...]
    errors: tuple[TaskFormatError, ...]


def default_tasks_dir() -> Path:
    """$REGENLAB_TASKS_DIR, else ./tasks, else the tasks folder bundled with the project."""
    explicit = os.environ.get("REGENLAB_TASKS_DIR")
    if explicit:
        return Path(explicit)
    here = Path.cwd() / "tasks"
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "tasks"


def list_tasks(tasks_dir: Path | None = None) -> TaskListing:
    """Load every task folder (a folder holding task.yaml) directly under `tasks_dir`."""
    root = tasks_dir or default_tasks_dir()
    if not root.is_dir():
        raise TaskFormatError(f"{root}: no such tasks folder; fix: pass --tasks-dir DIR")
    loaded: list[LoadedTask] = []
    errors: list[TaskFormatError] = []
    for folder in sorted(p for p in root.iterdir() if (p / TASK_FILE).is_file()):
        try:
            loaded.append(load_task(folder))
        except TaskFormatError as exc:
            errors.append(exc)
    return TaskListing(tuple(loaded), tuple(errors))


def find_task(task: str, tasks_dir: Path | None = None) -> LoadedTask:
    """A task by id (under `tasks_dir`) or by the path of its folder or task.yaml."""
    as_path = Path(task)
    if as_path.exists():
        return load_task(as_path)
    root = tasks_dir or default_tasks_dir()
    folder = root / task
    if (folder / TASK_FILE).is_file():
        return load_task(folder)
    known = ", ".join(sorted(p.parent.name for p in root.glob(f"*/{TASK_FILE}")))
    if as_path.name == TASK_FILE or len(as_path.parts) > 1:
        # Given as a path: name it as typed, not joined onto the tasks folder.
        raise TaskFormatError(
            f"{task}: no such task file or folder; fix: give an existing path, "
            f"or a task id: {known or '(none found)'}"
        )
    raise TaskFormatError(
        f"{folder / TASK_FILE}: no task {task!r}; fix: use one of: {known or '(none found)'}"
    )

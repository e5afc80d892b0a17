"""What the lab asks models for, typed: facets, cluster names, fixes, the simulated user's reading
of a reply, the judge's scores. Each is a pydantic model whose JSON schema becomes the one tool
of the call (the embedded model's grammar enforces it), and whose validators read a hosted
model's looser JSON leniently: case and spacing are forgiven, unknown kinds are dropped."""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from intent._kinds import (
    AMBIGUITY_TYPES,
    AmbiguityType,
    ConstraintKind,
    OutputForm,
    TaskType,
)


def _word(value: Any) -> Any:
    return value.strip().lower().replace(" ", "_") if isinstance(value, str) else value


def _kinds(value: Any) -> Any:
    """A list of constraint kinds, lower-cased, without unknown ones or repeats."""
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, list):
        return value
    known = set(get_args(ConstraintKind))
    kinds = [_word(item) for item in value]
    return list(dict.fromkeys(k for k in kinds if k in known))


def _one_of(value: Any, allowed: tuple[str, ...], fallback: str) -> Any:
    value = _word(value)
    return value if value in allowed else fallback


class ModelOutput(BaseModel):
    """A model's structured answer: extra keys are ignored (hosted models add some)."""

    model_config = ConfigDict(extra="ignore")


class Facets(ModelOutput):
    """The facets of one prompt (Clio's facet extraction, with missing constraints)."""

    intent: str = Field(examples=["SQL query for late orders"])
    """What the user wants, in a few words."""
    domain: str = Field(examples=["data"])
    """The subject area, one or two words."""
    task: TaskType = Field(examples=["write"])
    """The kind of work asked for."""
    stated: list[ConstraintKind] = Field(examples=[["platform"]])
    """Kinds of constraint the prompt states."""
    missing: list[ConstraintKind] = Field(examples=[["data", "format"]])
    """Kinds of detail a good answer needs that the prompt leaves out."""
    output: OutputForm = Field(examples=["code"])
    """The form of answer expected."""
    ambiguity: AmbiguityType = Field(examples=["none"])
    """How the prompt is ambiguous, if it is."""
    needs_clarification: bool = Field(examples=[True])
    """Whether a careful assistant should ask before answering."""

    read_kinds = field_validator("stated", "missing", mode="before")(_kinds)

    @field_validator("task", mode="before")
    @classmethod
    def _task(cls, value: Any) -> Any:
        return _one_of(value, get_args(TaskType), "other")

    @field_validator("output", mode="before")
    @classmethod
    def _output(cls, value: Any) -> Any:
        return _one_of(value, get_args(OutputForm), "other")

    @field_validator("ambiguity", mode="before")
    @classmethod
    def _ambiguity(cls, value: Any) -> Any:
        return _one_of(value, AMBIGUITY_TYPES, "none")

    @field_validator("intent", "domain", mode="before")
    @classmethod
    def _short(cls, value: Any) -> Any:
        return " ".join(value.split())[:80] if isinstance(value, str) else value


class ClusterName(ModelOutput):
    """A cluster's name and description, written from its prompts and contrastive ones."""

    name: str = Field(examples=["Planning a trip abroad"])
    """A few words."""
    description: str = Field(examples=["Users ask for travel itineraries for a city."])
    """One sentence."""


class FixText(ModelOutput):
    """One intent-capture fix, as the text the application will use."""

    text: str = Field(examples=["Ask which database the user runs before writing SQL."])


class UserReading(ModelOutput):
    """The simulated user's reading of the assistant's reply."""

    answered: bool = Field(examples=[False])
    """Whether the reply is a final answer rather than a question."""
    asked: list[ConstraintKind] = Field(examples=[["date"]])
    """The kinds of detail the reply asks the user for."""

    read_kinds = field_validator("asked", mode="before")(_kinds)


class Judgement(ModelOutput):
    """The judge's blind scores of one conversation's final answer."""

    covered: list[ConstraintKind] = Field(examples=[["budget"]])
    """Which of the user's held-back details the final answer respects."""
    assumed: list[ConstraintKind] = Field(examples=[[]])
    """Kinds of constraint the answer fixed on its own that the user never gave."""
    success: bool = Field(examples=[True])
    """Whether the user could use the answer as it is."""

    read_kinds = field_validator("covered", "assumed", mode="before")(_kinds)


class PairVerdict(ModelOutput):
    """The judge's side-by-side choice between two final answers (names hidden, order random)."""

    better: Literal["A", "B", "tie"] = Field(examples=["A"])

    @field_validator("better", mode="before")
    @classmethod
    def _choice(cls, value: Any) -> Any:
        text = value.strip().strip(".").upper() if isinstance(value, str) else value
        return "tie" if text == "TIE" else text


class HiddenDetail(ModelOutput):
    """One detail a simulated user holds back."""

    kind: ConstraintKind = Field(examples=["date"])
    value: str = Field(examples=["We travel in the first week of May."])

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return _word(value)


class HiddenSpec(ModelOutput):
    """A simulated user's hidden intent, written by a model for a log without planted ones."""

    details: list[HiddenDetail] = Field(examples=[[{"kind": "date", "value": "In May."}]])

"""The versioned document kinds: procedure, checklist, patrol, emergency and course."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from generator.models.fields import Code, DocId, DocRef, Slug, Strict, Text
from generator.models.shared import Schedule, Versioned
from generator.schedule import Duration, duration_parts

# --- procedure -------------------------------------------------------------------------------


# The units a time standard is written in, and the unit of `within` each one means.
TIME_UNITS = {
    "分钟": "m",
    "min": "m",
    "小时": "h",
    "h": "h",
    "天": "d",
    "d": "d",
    "个工作日": "wd",
    "工作日": "wd",
    "wd": "wd",
}


class Standard(Strict):
    """A measurable target: 路灯完好率 ≥ 95 %; or a deadline the server tracks per case."""

    name: Text
    op: Literal["≥", "≤", "=", "<", ">"]
    value: float
    unit: str = ""
    note: str | None = None
    deadline: Literal["respond", "on_site", "close"] | None = Field(
        None,
        description="a time limit the server tracks on every case the procedure governs, "
        "counted from receipt: respond (someone answers), on_site (someone arrives), "
        "close (resolved); give its length in within",
    )
    within: Duration | None = Field(
        None, description="the deadline's length, the same time as value and unit: 15m, 24h, 2wd"
    )

    @model_validator(mode="after")
    def _deadline_fits(self) -> Standard:
        if (self.deadline is None) != (self.within is None):
            raise PydanticCustomError(
                "deadline_pair",
                "a deadline names its clock and its length together, "
                "e.g. deadline: on_site, within: 15m",
                {"field": "within" if self.within is None else "deadline"},
            )
        if self.within is None:
            return self
        if self.op not in ("≤", "<"):
            raise PydanticCustomError(
                "deadline_op",
                'a deadline is an upper limit: op must be "≤" or "<", not "{op}"',
                {"op": self.op, "field": "op"},
            )
        amount, unit = duration_parts(self.within)
        if TIME_UNITS.get(self.unit.strip()) != unit or self.value != amount:
            raise PydanticCustomError(
                "deadline_unit",
                'within {within} does not fit value {value} and unit "{unit}"; a deadline '
                "says the same time in both, e.g. value: 15, unit: 分钟, within: 15m",
                {
                    "within": self.within,
                    "value": f"{self.value:g}",
                    "unit": self.unit,
                    "field": "within",
                },
            )
        return self


class Step(Strict):
    id: Slug | None = None
    text: Text
    role: Slug | None = None
    time_limit: Duration | None = None
    warning: str | None = None


class Procedure(Versioned):
    kind: Literal["procedure"]
    sites: list[Slug] | None = None
    purpose: Text
    scope: Text
    standards: list[Standard] = []
    steps: list[Step] = Field(min_length=1)
    records: list[Text] = []


# --- checklist -------------------------------------------------------------------------------


class OnFail(Strict):
    text: Text
    emergency: DocId | None = None


ItemType = Literal["check", "number", "text", "choice", "photo"]


class Item(Strict):
    id: Slug
    text: Text
    type: ItemType = "check"
    area: Slug | None = None
    required: bool = True
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    options: list[Text] | None = None
    multiple: bool = False
    sop: DocRef | None = None
    on_fail: OnFail | None = None

    @model_validator(mode="after")
    def _fields_fit_type(self) -> Item:
        if self.type != "number" and (
            self.unit is not None or self.min is not None or self.max is not None
        ):
            raise PydanticCustomError(
                "item_fields", "unit, min and max apply only to items of type number", {}
            )
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError(
                "item_range",
                "min ({min}) is greater than max ({max})",
                {"min": self.min, "max": self.max},
            )
        if self.type == "choice" and not self.options:
            raise PydanticCustomError(
                "item_options", "an item of type choice needs a list of options", {}
            )
        if self.type != "choice" and (self.options is not None or self.multiple):
            raise PydanticCustomError(
                "item_fields", "options and multiple apply only to items of type choice", {}
            )
        return self


class Checklist(Versioned):
    kind: Literal["checklist"]
    sites: list[Slug] | None = None
    areas: list[Slug] = []
    schedule: Schedule
    time_allowed: Duration | None = None
    handover: bool = Field(
        False,
        description="a shift handover (交接班): the outgoing person lists what is still open and "
        "the incoming one acknowledges it on the phone",
    )
    items: list[Item] = Field(min_length=1)


# --- patrol ----------------------------------------------------------------------------------


class PatrolSchedule(Schedule):
    people: int = Field(1, ge=1, le=10)


class Stop(Strict):
    """A route's visit to one of its site's checkpoints: which one, and what to do there."""

    code: Code = Field(
        description="the checkpoint's code, as the site document defines it "
        "(properties, then checkpoints)"
    )
    tasks: list[Text] = Field([], description="what to look at or do there on this route")
    sop: DocRef | None = None

    @model_validator(mode="before")
    @classmethod
    def _named_by_code(cls, data: object) -> object:
        if isinstance(data, dict) and {"id", "name", "area"} & set(data):
            raise PydanticCustomError(
                "stop_place",
                "a route names its checkpoint by code alone; the place's name and area are "
                "written once, under checkpoints of its property in the site document",
                {},
            )
        return data


class Patrol(Versioned):
    kind: Literal["patrol"]
    site: Slug
    schedule: list[PatrolSchedule] = Field(min_length=1)
    order: Literal["strict", "free"] = "strict"
    time_allowed: Duration
    checkpoints: list[Stop] = Field(
        min_length=1, description="the site's checkpoints this route visits, in its order"
    )


# --- emergency -------------------------------------------------------------------------------


class Severity(Strict):
    level: Text
    name: Text
    criteria: Text


class Action(Strict):
    id: Slug | None = None
    text: Text
    role: Slug | None = None
    within: Duration | None = None


class Escalation(Strict):
    role: Slug | None = None
    name: str | None = None
    contact: Slug | None = None
    when: Text

    @model_validator(mode="after")
    def _someone(self) -> Escalation:
        if not (self.role or self.name or self.contact):
            raise PydanticCustomError(
                "escalation_who", "name a role, a contact or a name to escalate to", {}
            )
        return self


class RecordField(Strict):
    id: Slug
    label: Text
    type: Literal["text", "datetime", "number", "choice", "photo"] = "text"
    options: list[Text] | None = None


class Emergency(Versioned):
    kind: Literal["emergency"]
    rank: int = Field(
        100,
        ge=1,
        description="where staff find the plan in lists: 1 first (the most urgent and common, "
        "e.g. fire), then 2, 3 …; plans of one rank by id",
    )
    sites: list[Slug] | None = None
    triggers: list[Text] = Field(min_length=1)
    severity: list[Severity] = []
    first_actions: list[Action] = Field(min_length=1)
    contacts: list[Slug] = []
    escalation: list[Escalation] = []
    evacuation: list[Text] = []
    record_fields: list[RecordField] = []
    drill: Schedule | None = None


# --- course ----------------------------------------------------------------------------------


class Module(Strict):
    title: str | None = None
    doc: DocId | None = None
    page: Annotated[str, Field(pattern=r"^[^/\\][^\\]*\.md$")] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Module:
        if (self.doc is None) == (self.page is None):
            raise PydanticCustomError(
                "module_target", "a module names exactly one of doc or page", {}
            )
        return self


class Question(Strict):
    id: Slug
    question: Text
    type: Literal["single", "multiple"] = "single"
    options: list[Text] = Field(min_length=2)
    answer: list[Annotated[int, Field(ge=1)]] = Field(
        min_length=1, description="1-based numbers of the correct options"
    )
    explanation: str | None = None

    @field_validator("answer", mode="before")
    @classmethod
    def _single_answer(cls, value: object) -> object:
        return [value] if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _answer_fits(self) -> Question:
        if any(n > len(self.options) for n in self.answer):
            raise PydanticCustomError(
                "answer_range",
                "answer names option {n} but there are only {count} options",
                {"n": max(self.answer), "count": len(self.options)},
            )
        if self.type == "single" and len(self.answer) != 1:
            raise PydanticCustomError(
                "answer_single", "a single-choice question has exactly one answer", {}
            )
        return self


class Course(Versioned):
    kind: Literal["course"]
    sites: list[Slug] | None = None
    due_within: Duration
    modules: list[Module] = Field(min_length=1)
    quiz: list[Question] = []
    pass_mark: int = Field(80, ge=0, le=100, description="percent of questions right to pass")

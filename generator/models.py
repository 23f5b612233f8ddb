"""The content model: one strict pydantic class per document kind, chosen by `kind`."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from generator.schedule import Duration, Period, expand_shorthand


def _pattern(regex: str, kind: str, example: str):
    compiled = re.compile(regex)

    def check(value: object) -> object:
        if isinstance(value, str) and compiled.match(value):
            return value
        raise PydanticCustomError(
            kind,
            "{value} is not a valid {what}; expected something like {example}",
            {"value": repr(value), "what": kind.replace("_", " "), "example": example},
        )

    return BeforeValidator(check), Field(json_schema_extra={"pattern": regex})


DOC_ID_RE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$"
SLUG_RE = r"^[a-z][a-z0-9_-]*$"
TIME_RE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
VERSION_RE = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"
CODE_RE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{1,63}$"
REF_RE = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+(#[a-z0-9][a-z0-9_-]*)?$"

DocId = Annotated[str, *_pattern(DOC_ID_RE, "document_id", '"SEC-PATROL-NIGHT"')]
Slug = Annotated[str, *_pattern(SLUG_RE, "identifier", '"guard" or "fire-exit-b1"')]
Clock = Annotated[str, *_pattern(TIME_RE, "time_of_day", '"08:00" (24-hour, quoted)')]
Code = Annotated[str, *_pattern(CODE_RE, "checkpoint_code", '"LY-CP-01"')]
DocRef = Annotated[str, *_pattern(REF_RE, "document_reference", '"SEC-GATE" or "SEC-GATE#3"')]
Text = Annotated[str, Field(min_length=1)]


def _check_alias(value: object) -> object:
    # one search word: a single character would match half the handbook, a space would be
    # split into two words by the search box
    if isinstance(value, str | int) and not isinstance(value, bool):
        word = str(value)
        if len(word) >= 2 and len(word) <= 24 and not any(ch.isspace() for ch in word):
            return word
    raise PydanticCustomError(
        "alias",
        "{value} is not a search alias; expected one word of 2 to 24 characters without "
        'spaces, e.g. "电梯关人"',
        {"value": repr(value)},
    )


Alias = Annotated[str, BeforeValidator(_check_alias)]


def _check_zone(value: object) -> object:
    try:
        if isinstance(value, str) and "/" in value:
            ZoneInfo(value)
            return value
    except (ValueError, ZoneInfoNotFoundError):
        pass
    raise PydanticCustomError(
        "time_zone",
        '{value} is not a time zone; expected an IANA name such as "Asia/Shanghai"',
        {"value": repr(value)},
    )


TimeZone = Annotated[str, BeforeValidator(_check_zone)]


def _check_version(value: object) -> object:
    if isinstance(value, float | int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "version_unquoted",
            'write the version in quotes, e.g. version: "{value}"; unquoted YAML reads it as a '
            "number",
            {"value": value},
        )
    if isinstance(value, str) and re.match(VERSION_RE, value):
        return value
    raise PydanticCustomError(
        "version",
        '{value} is not a version; expected "MAJOR.MINOR", e.g. "1.0"',
        {"value": repr(value)},
    )


Version = Annotated[
    str, BeforeValidator(_check_version), Field(json_schema_extra={"pattern": VERSION_RE})
]


class Strict(BaseModel):
    """Base of every model: unknown keys are errors and nothing is coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


# --- site --------------------------------------------------------------------------------


class Area(Strict):
    id: Slug
    name: Text
    note: str | None = None


class Property(Strict):
    id: Slug
    name: Text
    address: str | None = None
    description: str | None = None
    areas: list[Area] = Field(min_length=1)


class Shift(Strict):
    id: Slug
    name: Text
    start: Clock
    end: Clock
    rotation: Duration | None = Field(
        None,
        description="posts rotate within the shift this often (a 12-hour gate shift with "
        "4-hour posts: 4h); the shift itself stays one period",
    )

    def covers(self, clock: str) -> bool:
        """Whether a time of day falls inside this shift (shifts may cross midnight)."""
        if self.start <= self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end


class Role(Strict):
    id: Slug
    name: Text
    name_en: str | None = None
    description: str | None = None


class Contact(Strict):
    id: Slug
    name: Text
    phone: Annotated[str, *_pattern(r"^\+?[0-9][0-9 -]{1,30}$", "phone_number", '"119"')]
    kind: Literal["public", "internal", "utility"] = "internal"
    example: bool = Field(False, description="made-up number shown for illustration")
    note: str | None = None


class Site(Strict):
    kind: Literal["site"]
    id: DocId
    title: Text
    description: str | None = None
    # the zone of the sites' clocks: shifts, days and deadlines are counted in it on the server
    # and on every phone, whatever zone the phone itself is set to
    timezone: TimeZone = "Asia/Shanghai"
    properties: list[Property] = Field(min_length=1)
    shifts: list[Shift] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)
    contacts: list[Contact] = []
    author_notes: list[Text] = Field(
        [], description="for the people who maintain the handbook; never shown on a page"
    )


# --- shared pieces of versioned documents ---------------------------------------------------


class Schedule(Strict):
    """How often: `times` per `every`, optionally only in some shifts and at set times."""

    every: Annotated[Period, Field(strict=False)]
    times: int = Field(1, ge=1, le=48)
    shifts: list[Slug] = []
    at: list[Clock] = []

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: object) -> object:
        return expand_shorthand(value)

    @model_validator(mode="after")
    def _at_matches_times(self) -> Schedule:
        if self.at and len(self.at) != self.times and self.every != Period.shift:
            raise PydanticCustomError(
                "schedule_at",
                "{n} times listed in `at` but times is {times}",
                {"n": len(self.at), "times": self.times},
            )
        return self


class Change(Strict):
    version: Version
    date: dt.date
    summary: Text


class Versioned(Strict):
    """Fields shared by every document staff follow and acknowledge."""

    id: DocId
    title: Text
    version: Version
    owner: Slug = Field(description="role responsible for the document")
    roles: list[Slug] = Field(min_length=1, description="roles the document applies to")
    effective: dt.date
    review_by: dt.date
    summary: str | None = None
    tags: list[Text] = []
    aliases: list[Alias] = Field(
        [],
        description="other words staff search with (着火了, 电梯关人); used by search, "
        "never shown on a page",
    )
    related: list[DocRef] = []
    changes: list[Change] = []
    author_notes: list[Text] = Field(
        [],
        description="for the people who maintain the handbook (sources, choices made); "
        "never shown on a page",
    )

    @field_validator("aliases")
    @classmethod
    def _aliases_unique(cls, aliases: list[str]) -> list[str]:
        seen: set[str] = set()
        for alias in aliases:
            if alias.casefold() in seen:
                raise PydanticCustomError(
                    "alias_repeated", "alias {alias} is listed twice", {"alias": repr(alias)}
                )
            seen.add(alias.casefold())
        return aliases

    @model_validator(mode="after")
    def _dates_in_order(self) -> Versioned:
        if self.review_by <= self.effective:
            raise PydanticCustomError(
                "review_before_effective",
                "review_by ({review}) must come after effective ({effective})",
                {
                    "review": str(self.review_by),
                    "effective": str(self.effective),
                    "field": "review_by",
                },
            )
        return self

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])


# --- procedure -------------------------------------------------------------------------------


class Standard(Strict):
    """A measurable target: 路灯完好率 ≥ 95 %."""

    name: Text
    op: Literal["≥", "≤", "=", "<", ">"]
    value: float
    unit: str = ""
    note: str | None = None


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
    items: list[Item] = Field(min_length=1)


# --- patrol ----------------------------------------------------------------------------------


class PatrolSchedule(Schedule):
    people: int = Field(1, ge=1, le=10)


class Checkpoint(Strict):
    id: Slug
    name: Text
    area: Slug
    code: Code
    tasks: list[Text] = []
    sop: DocRef | None = None


class Patrol(Versioned):
    kind: Literal["patrol"]
    site: Slug
    schedule: list[PatrolSchedule] = Field(min_length=1)
    order: Literal["strict", "free"] = "strict"
    time_allowed: Duration
    checkpoints: list[Checkpoint] = Field(min_length=1)


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


Document = Site | Procedure | Checklist | Patrol | Emergency | Course

KINDS: dict[str, type[BaseModel]] = {
    "site": Site,
    "procedure": Procedure,
    "checklist": Checklist,
    "patrol": Patrol,
    "emergency": Emergency,
    "course": Course,
}

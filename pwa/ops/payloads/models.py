"""Each record type's `data` model: the shapes the app builds (`pwa/static/app/checklist.js`,
`patrol.js`, `report.js`, `emergency.js`, `learn.js`), strict (JSON has no coercion to undo),
unknown keys refused, and the `MODELS` the API validates with and the OpenAPI publishes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_PHOTOS = 3  # the app's photo picker takes at most three per item or exception
SHA256 = r"^[0-9a-f]{64}$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CATEGORIES = ("damage", "safety", "hygiene", "water", "person", "other")  # i18n.js categories


def _moment(text: str) -> str:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("is not an ISO 8601 time like 2026-05-01T08:00:00+08:00") from None
    if when.tzinfo is None:
        raise ValueError("needs a UTC offset, e.g. 2026-05-01T08:00:00+08:00")
    if not 1970 <= when.year <= 2999:
        # a time the readers can move to any zone without leaving what a datetime holds
        raise ValueError("is not a time in the years 1970 to 2999")
    return text


Time = Annotated[
    str,
    StringConstraints(max_length=40),
    AfterValidator(_moment),
    Field(json_schema_extra={"format": "date-time"}),
]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Sha = Annotated[str, StringConstraints(pattern=SHA256)]
Photos = Annotated[list[Sha], Field(max_length=MAX_PHOTOS)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ItemResult(Payload):
    # check: bool; number: a number; text and single choice: text; multiple choice: the
    # options chosen; photo: the photos' sha256 — which one, the definition decides
    value: bool | Number | str | list[str]
    out_of_range: bool = False


class ChecklistRunData(Payload):
    started_at: Time
    finished_at: Time
    shift: Id | None
    items: dict[Id, ItemResult]
    out_of_range: list[Id]
    failed: list[Id]


class Scan(Payload):
    code: str  # any QR code a guard scans is kept, flagged "unknown"
    at: Time
    checkpoint: Id | None
    flag: Literal["unknown", "repeat", "wrong_order"] | None
    expected: Id | None = None


class PatrolRoundData(Payload):
    started_at: Time
    finished_at: Time
    elapsed_s: Annotated[int, Field(ge=0)]
    order: Literal["strict", "free"]
    people: Annotated[int, Field(ge=1, le=10)]
    second_person: str | None
    scans: list[Scan]
    missed: list[Id]
    complete: bool
    shift: Id | None


class ExceptionData(Payload):
    category: Literal[CATEGORIES]
    note: str
    photos: Photos
    item: Id | None
    emergency: Id | None
    started_at: Time


class Action(Payload):
    index: Annotated[int, Field(ge=0)]
    text: str
    done_at: Time | None
    done_by: Id | None


class Call(Payload):
    contact: Id
    at: Time
    by: Id


class IncidentData(Payload):
    started_at: Time
    ended_at: Time
    severity: str | None
    actions: list[Action]
    calls: list[Call]
    fields: dict[Id, str]


class AckData(Payload):
    major: Annotated[int, Field(ge=0)]
    acknowledged_at: Time


class QuizData(Payload):
    answers: dict[Id, list[Annotated[int, Field(ge=1)]]]
    score: Annotated[int, Field(ge=0, le=100)]
    passed: bool
    pass_mark: Annotated[int, Field(ge=0, le=100)]


class TicketEventData(Payload):
    """What an assignee's phone adds to a ticket's log (pwa/static/app/tickets.js); every key
    is sent, empty when it says nothing."""

    ticket: Annotated[str, StringConstraints(pattern=UUID)]
    kind: Literal["accepted", "arrived", "note", "finished"]
    # the `seen` of the copy of the ticket the phone acted on (GET /api/v1/tickets): the event
    # happened after it, whatever the phone's own clock says
    seen: Time
    text: Annotated[str, StringConstraints(max_length=2000)]
    # parts used, as the engineer writes them (角阀 ×1，生料带)
    parts: Annotated[str, StringConstraints(max_length=500)]
    photos: Photos


MODELS: dict[str, type[Payload]] = {
    "checklist_run": ChecklistRunData,
    "patrol_round": PatrolRoundData,
    "exception": ExceptionData,
    "incident": IncidentData,
    "ack": AckData,
    "quiz": QuizData,
    "ticket_event": TicketEventData,
}

"""Each record type's `data` model: the shapes the app builds (`pwa/static/app/checklist.js`,
`patrol.js`, `report.js`, `emergency.js`, `learn.js`), strict (JSON has no coercion to undo),
unknown keys refused, and the `MODELS` the API validates with and the OpenAPI publishes.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

MAX_PHOTOS = 3  # the app's photo picker takes at most three per item or exception
SHA256 = r"^[0-9a-f]{64}$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
CATEGORIES = ("damage", "safety", "hygiene", "water", "person", "other")  # i18n.js categories
# what a handover lists as still open (handover.js)
OPEN_KINDS = ("key", "visitor", "equipment", "exception", "ticket", "other")


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
Line = Annotated[str, StringConstraints(max_length=500)]
Note = Annotated[str, StringConstraints(max_length=2000)]
RecordId = Annotated[str, StringConstraints(pattern=UUID)]


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
    checkpoint: Id | None  # its checkpoint's code now, whichever of the place's codes `code` is
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


class DrillData(Payload):
    """An emergency plan run as a drill (演练, pwa/static/app/drill.js): never an incident. Who
    took part, when, the plan's actions and calls as rehearsed (a drill dials nobody), and the
    review after it."""

    started_at: Time
    ended_at: Time
    scenario: Line  # what was played out (模拟 3 号楼电梯困人)
    severity: str | None
    participants: Annotated[list[Id], Field(min_length=1, max_length=100)]
    actions: list[Action]
    calls: list[Call]
    fields: dict[Id, str]
    went_well: Note
    to_improve: Note
    follow_ups: Annotated[list[Line], Field(max_length=20)]

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> DrillData:
        start = dt.datetime.fromisoformat(self.started_at)
        if dt.datetime.fromisoformat(self.ended_at) < start:
            raise ValueError("the drill ends before it starts")
        return self


class OpenItem(Payload):
    id: Id  # kept when the item is carried to the next handover
    kind: Literal[OPEN_KINDS]
    text: Line
    ref: Id | None  # an exception's record id, a ticket's number
    carried: bool  # already open at the handover before


class HandoverData(Payload):
    """What the outgoing person hands over with a handover checklist (handover.js): what is
    still open, the earlier handover's items closed this shift, a note."""

    shift: Id | None
    previous: RecordId | None  # the handover this shift took over
    items: Annotated[list[OpenItem], Field(max_length=200)]
    closed: Annotated[list[Id], Field(max_length=200)]
    note: Note


class HandoverAckData(Payload):
    """The incoming person's acknowledgement of a handover, with what they could not confirm.
    The handover may reach the server after it: each goes up with its own author's token."""

    handover: RecordId
    acknowledged_at: Time
    disputed: Annotated[list[Id], Field(max_length=200)]
    note: Note


MODELS: dict[str, type[Payload]] = {
    "checklist_run": ChecklistRunData,
    "patrol_round": PatrolRoundData,
    "exception": ExceptionData,
    "incident": IncidentData,
    "ack": AckData,
    "quiz": QuizData,
    "ticket_event": TicketEventData,
    "drill": DrillData,
    "handover": HandoverData,
    "handover_ack": HandoverAckData,
}

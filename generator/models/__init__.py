"""The content model: one strict pydantic class per document kind, chosen by `kind`.

`fields` holds the typed values and the `Strict` base, `site` the site document, `shared`
what every versioned document has, `kinds` five versioned kinds and `desk` the service
desk's. Import from here.
"""

from __future__ import annotations

from pydantic import BaseModel

from generator.models.desk import Callback, Category, Desk
from generator.models.fields import (
    CODE_RE,
    DOC_ID_RE,
    PROPERTY_CODE_RE,
    REF_RE,
    SLUG_RE,
    TIME_RE,
    VERSION_RE,
    Alias,
    Clock,
    Code,
    DocId,
    DocRef,
    PropertyCode,
    Slug,
    Strict,
    Text,
    TimeZone,
    Version,
)
from generator.models.kinds import (
    Action,
    Checklist,
    Course,
    Emergency,
    Escalation,
    Item,
    ItemType,
    Module,
    OnFail,
    Patrol,
    PatrolSchedule,
    Procedure,
    Question,
    RecordField,
    Severity,
    Standard,
    Step,
    Stop,
)
from generator.models.shared import Change, Schedule, Versioned
from generator.models.site import (
    Area,
    Calendar,
    Checkpoint,
    Contact,
    Property,
    Role,
    Shift,
    Site,
    checkpoint_index,
)

__all__ = [
    "CODE_RE",
    "DOC_ID_RE",
    "KINDS",
    "PROPERTY_CODE_RE",
    "REF_RE",
    "SLUG_RE",
    "TIME_RE",
    "VERSION_RE",
    "Action",
    "Alias",
    "Area",
    "Calendar",
    "Callback",
    "Category",
    "Change",
    "Checklist",
    "Checkpoint",
    "Clock",
    "Code",
    "Contact",
    "Course",
    "DocId",
    "Desk",
    "DocRef",
    "Document",
    "Emergency",
    "Escalation",
    "Item",
    "ItemType",
    "Module",
    "OnFail",
    "Patrol",
    "PatrolSchedule",
    "Procedure",
    "Property",
    "PropertyCode",
    "Question",
    "RecordField",
    "Role",
    "Schedule",
    "Severity",
    "Shift",
    "Site",
    "Slug",
    "Standard",
    "Step",
    "Stop",
    "Strict",
    "Text",
    "TimeZone",
    "Version",
    "Versioned",
    "checkpoint_index",
]

Document = Site | Procedure | Checklist | Patrol | Emergency | Course | Desk

KINDS: dict[str, type[BaseModel]] = {
    "site": Site,
    "procedure": Procedure,
    "checklist": Checklist,
    "patrol": Patrol,
    "emergency": Emergency,
    "course": Course,
    "desk": Desk,
}

"""The site document: properties and areas, shifts, roles, contacts and the working calendar."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from generator.models.fields import (
    Clock,
    Code,
    DocId,
    PropertyCode,
    Slug,
    Strict,
    Text,
    TimeZone,
    pattern,
)
from generator.schedule import Duration


class Area(Strict):
    id: Slug
    name: Text
    note: str | None = None


class Checkpoint(Strict):
    """A place on a property that carries a QR poster: one code per physical place, whatever
    routes pass there."""

    code: Code = Field(
        description="what the place's QR poster holds; unique in the handbook, and never "
        "changed once posted"
    )
    name: Text = Field(description="the place as staff know it on site")
    area: Slug
    note: str | None = None
    replaces: list[Code] = Field(
        [],
        description="codes the place's posters carried before (two codes merged into one): "
        "a scan of one still counts as this checkpoint, in old records too",
    )


class Property(Strict):
    id: Slug
    code: PropertyCode = Field(
        description="2 to 4 capital letters, unique across properties: the prefix of the "
        "site's ticket numbers (LY-…)"
    )
    name: Text
    address: str | None = None
    description: str | None = None
    areas: list[Area] = Field(min_length=1)
    checkpoints: list[Checkpoint] = Field(
        [], description="the places patrol routes scan; routes name them by code"
    )


def checkpoint_index(site: Site) -> dict[str, tuple[Property, Checkpoint]]:
    """Every code a poster may carry, current or replaced, to its property and checkpoint
    (the first one that claims it: `dutybook check` reports the rest)."""
    index: dict[str, tuple[Property, Checkpoint]] = {}
    for prop in site.properties:
        for checkpoint in prop.checkpoints:
            for code in (checkpoint.code, *checkpoint.replaces):
                index.setdefault(code, (prop, checkpoint))
    return index


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
    phone: Annotated[str, *pattern(r"^\+?[0-9][0-9 -]{1,30}$", "phone_number", '"119"')]
    kind: Literal["public", "internal", "utility"] = "internal"
    example: bool = Field(False, description="made-up number shown for illustration")
    note: str | None = None


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Calendar(Strict):
    """Which days are working days: the weekdays worked, then the exceptions by date."""

    working_days: list[Weekday] = Field(
        ["mon", "tue", "wed", "thu", "fri"],
        min_length=1,
        description="the weekdays worked in an ordinary week",
    )
    holidays: list[dt.date] = Field(
        [], description="dates off although their weekday is worked (public holidays)"
    )
    make_up_days: list[dt.date] = Field(
        [],
        description="dates worked although their weekday is not (调休: a weekend made up "
        "for a holiday)",
    )


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
    calendar: Calendar = Field(
        Calendar(),
        description="working days, public holidays and make-up days: what a working day "
        "(2wd) counts",
    )
    author_notes: list[Text] = Field(
        [], description="for the people who maintain the handbook; never shown on a page"
    )

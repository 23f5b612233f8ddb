"""Pieces every versioned document shares: the fields staff acknowledge, schedules, changes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from generator.models.fields import Alias, Clock, DocId, DocRef, Slug, Strict, Text, Version
from generator.schedule import Period, expand_shorthand


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

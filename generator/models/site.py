"""The site document: properties and areas, shifts, roles, contacts and the working calendar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_core import PydanticCustomError

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


# what a site's alerts are about; `digest` is the supervisor's summary at the end of a shift
ALERT_KINDS = ("missed", "not_synced", "ticket_late", "exception_late", "out_of_range", "digest")
AlertKind = Literal[
    "missed", "not_synced", "ticket_late", "exception_late", "out_of_range", "digest"
]
# a webhook URL carries its robot's key, so the YAML (in git) names the variable that holds it
ENV_NAME_RE = r"^[A-Z][A-Z0-9_]{1,63}$"


def _check_env_name(value: object) -> object:
    if isinstance(value, str) and re.match(ENV_NAME_RE, value):
        return value
    # never echo the value: it may be the very URL or secret that must stay out of git and logs
    raise PydanticCustomError(
        "environment_variable_name",
        'expected the name of an environment variable, such as "LY_WECOM_URL"; the URL or '
        "secret itself goes in that variable on the server, never in the handbook",
    )


EnvName = Annotated[
    str, BeforeValidator(_check_env_name), Field(json_schema_extra={"pattern": ENV_NAME_RE})
]
Email = Annotated[
    str, *pattern(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$", "e-mail_address", '"wang@example.com"')
]


def _route_error(message: str, **values: object) -> PydanticCustomError:
    return PydanticCustomError("alert_route", message, values)


class AlertRoute(Strict):
    """Where one kind of alert of a site goes: a WeCom or DingTalk group robot, or e-mail."""

    channel: Literal["wecom", "dingtalk", "email"]
    url_env: EnvName | None = Field(
        None, description="the environment variable holding the robot's webhook URL"
    )
    secret_env: EnvName | None = Field(
        None, description="DingTalk: the environment variable holding the robot's signing secret"
    )
    to: list[Email] = Field([], description="e-mail: the recipients")
    kinds: list[AlertKind] = Field(
        list(ALERT_KINDS), min_length=1, description="what this route is sent (default: all)"
    )
    shifts: list[Slug] = Field(
        [], description="digest: the shifts whose end sends one (default: every shift)"
    )

    @model_validator(mode="after")
    def _fits_channel(self) -> AlertRoute:
        if self.channel == "email":
            if not self.to:
                raise _route_error("an email route names its recipients in to")
            if self.url_env or self.secret_env:
                raise _route_error(
                    "an email route goes through the server's SMTP settings; "
                    "url_env and secret_env are for robots"
                )
        else:
            if not self.url_env:
                raise _route_error(
                    "a {channel} route names url_env, the environment variable that holds "
                    "the robot's webhook URL",
                    channel=self.channel,
                )
            if self.to:
                raise _route_error("to is for email routes; a robot posts to its group")
            if self.secret_env and self.channel == "wecom":
                raise _route_error(
                    "secret_env is DingTalk's signing secret; a WeCom robot's key is in its URL"
                )
        if self.shifts and "digest" not in self.kinds:
            raise _route_error('shifts say when digests go; add "digest" to kinds or drop shifts')
        return self


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
    alerts: list[AlertRoute] = Field(
        [], description="where the site's alerts go: group robots and e-mail, each with its kinds"
    )
    checkpoints: list[Checkpoint] = Field(
        [], description="the places patrol routes scan; routes name them by code"
    )


# the last two sites indexed (as loaded, as staff read it) and their indexes: every patrol
# of a check, a page build and a bundle asks for the same site's, and a site document is
# never changed once validated
_last_index: list[tuple[Site, dict]] = []


def checkpoint_index(site: Site) -> dict[str, tuple[Property, Checkpoint]]:
    """Every code a poster may carry, current or replaced, to its property and checkpoint
    (the first one that claims it: `dutybook check` reports the rest)."""
    for known, index in _last_index:
        if known is site:
            return dict(index)
    index: dict[str, tuple[Property, Checkpoint]] = {}
    for prop in site.properties:
        for checkpoint in prop.checkpoints:
            for code in (checkpoint.code, *checkpoint.replaces):
                index.setdefault(code, (prop, checkpoint))
    _last_index[:] = [(site, index), *_last_index[:1]]
    return dict(index)


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

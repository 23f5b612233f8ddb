"""The service desk document: what residents report (报事报修, 投诉, 咨询, 表扬与建议), who
each kind goes to and the time limits the server counts on every ticket."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from generator.models.fields import Slug, Strict, Text
from generator.models.shared import Versioned
from generator.schedule import Duration, duration_minutes, duration_parts

Group = Literal["repair", "complaint", "enquiry", "praise"]

# The clocks of a ticket in the order they run out: answered, someone there, closed.
CLOCKS = ("respond", "on_site", "close")


def comparable(first: str, second: str) -> tuple[int, int] | None:
    """Two durations in one measure (minutes, or working days), or None when one counts
    working days and the other does not: how long 2wd is depends on the calendar."""
    (_, first_unit), (_, second_unit) = duration_parts(first), duration_parts(second)
    if (first_unit == "wd") != (second_unit == "wd"):
        return None
    if first_unit == "wd":
        return duration_parts(first)[0], duration_parts(second)[0]
    return duration_minutes(first), duration_minutes(second)


class Category(Strict):
    """One kind of ticket: what counts, who it is dispatched to, its limits."""

    # read by the loader: a missing key gets this sentence after "missing required key"
    missing_hints: ClassVar[dict[str, str]] = {
        "close": "; every category needs a close limit, the longest a ticket may stay open "
        "from the moment it is registered, e.g. close: 24h"
    }

    id: Slug
    group: Group = Field(
        description="repair (报修), complaint (投诉), enquiry (咨询) or praise (表扬与建议)"
    )
    name: Text
    name_en: Text
    description: Text = Field(description="what counts, in plain words for a resident")
    dispatch_to: Slug = Field(description="the role a ticket of this kind is dispatched to")
    respond: Duration | None = Field(
        None, description="someone answers the resident, counted from registration"
    )
    on_site: Duration | None = Field(
        None, description="someone is on site, counted from registration"
    )
    close: Duration = Field(description="the ticket is closed, counted from registration")
    pause_while_waiting: bool = Field(
        False,
        description="the close clock stops while the ticket waits for the resident's "
        "confirmation (待业主确认)",
    )
    resident: bool = Field(True, description="residents may choose it on their own report page")
    expect: Text | None = Field(
        None,
        description="what the resident may expect, in one plain sentence; without it the "
        "limits are said in words",
    )

    @model_validator(mode="after")
    def _clocks_in_order(self) -> Category:
        limits = [(name, getattr(self, name)) for name in CLOCKS if getattr(self, name)]
        for i, (earlier, first) in enumerate(limits):
            for later, second in limits[i + 1 :]:
                lengths = comparable(first, second)
                if lengths is not None and lengths[0] > lengths[1]:
                    raise PydanticCustomError(
                        "clocks_order",
                        "{earlier} {first} is longer than {later} {second}; the limits run "
                        "respond ≤ on_site ≤ close",
                        {
                            "earlier": earlier,
                            "first": first,
                            "later": later,
                            "second": second,
                            "field": earlier,
                        },
                    )
        return self


class Callback(Strict):
    share: int = Field(
        ge=0, le=100, description="percent of the month's closed tickets called back"
    )
    within: Duration = Field(description="how soon after closing the call is made")


class Desk(Versioned):
    kind: Literal["desk"]
    categories: list[Category] = Field(min_length=1)
    callback: Callback
    satisfaction_target: int = Field(
        ge=0, le=100, description="percent of residents called back who are satisfied"
    )

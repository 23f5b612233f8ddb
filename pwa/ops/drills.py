"""Drills (演练) against each emergency plan's `drill:` schedule: done, due or overdue.

Pure functions over the bundle (`handbook.json` as a dict) and the drill records' times. A
plan's drill falls in a calendar period of its schedule (half-yearly: January to June, July to
December), as checklists' periods do. This period's drills done make it *done*; fewer, it is
*due* by the period's end, or *overdue* when the period before ended short of its drills too
and the plan was already in force then. A drill is its own record type: nothing here, and
nothing that counts exceptions or incidents, mistakes one for the other.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pwa.ops.documents import applies
from pwa.ops.schedules import period_bounds, utc_naive

STATES = ("done", "due", "overdue", "unscheduled")


@dataclass(frozen=True)
class PlanDrills:
    """One plan's drills against its schedule at one site, now."""

    def_id: str
    title: str
    words: str | None  # the schedule in words (每半年一次); None: the plan sets none
    times: int  # drills required per period
    start: dt.datetime | None  # this period, aware local
    end: dt.datetime | None
    done: int  # drills recorded in this period
    previous_done: int
    last: dt.datetime | None  # the newest drill ever recorded (naive UTC)
    state: str

    @property
    def last_day(self) -> dt.date | None:
        """This period's last calendar day: the drill is due by then."""
        return None if self.end is None else (self.end - dt.timedelta(seconds=1)).date()


def _count(times: list[dt.datetime], start: dt.datetime, end: dt.datetime) -> int:
    return bisect_left(times, utc_naive(end)) - bisect_left(times, utc_naive(start))


def previous_start(schedule: dict, day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Where the period before the one holding `day` begins: how far back drills are read."""
    every = "day" if schedule["every"] == "shift" else schedule["every"]
    start, _ = period_bounds(every, day, tz)
    return period_bounds(every, (start - dt.timedelta(days=1)).date(), tz)[0]


def plans(bundle: dict, site: str) -> list[tuple[str, dict]]:
    """The emergency plans that apply at `site`, by rank then id, as the phone lists them."""
    found = [
        (def_id, entry)
        for def_id, entry in bundle["documents"].items()
        if entry["kind"] == "emergency" and applies(entry["sites"], site)
    ]
    return sorted(found, key=lambda p: (p[1]["doc"].get("rank", 100), p[0]))


def plan_drills(
    bundle: dict,
    site: str,
    now: dt.datetime,
    tz: ZoneInfo,
    times: dict[str, list[dt.datetime]],
    last: dict[str, dt.datetime],
    lang: str = "zh",
) -> list[PlanDrills]:
    """Each plan of `site` against its schedule at `now` (aware); `times` are each plan's drill
    record times (naive UTC, sorted) since its period before this one, `last` its newest."""
    today = now.astimezone(tz).date()
    found = []
    for def_id, entry in plans(bundle, site):
        doc = entry["doc"]
        schedule = doc.get("drill")
        derived = entry.get("derived_en" if lang == "en" else "derived") or {}
        if not schedule:
            done = len(times.get(def_id, []))
            found.append(
                PlanDrills(
                    def_id,
                    entry["title"],
                    None,
                    0,
                    None,
                    None,
                    done,
                    0,
                    last.get(def_id),
                    "unscheduled",
                )  # fmt: skip
            )
            continue
        every = "day" if schedule["every"] == "shift" else schedule["every"]
        required = int(schedule.get("times") or 1)
        start, end = period_bounds(every, today, tz)
        before = previous_start(schedule, today, tz)
        mine = times.get(def_id, [])
        done, previous = _count(mine, start, end), _count(mine, before, start)
        effective = dt.date.fromisoformat(str(doc.get("effective") or "1970-01-01"))
        # the period before asked for a drill only if the plan was in force before it ended
        owed = start.date() > effective and previous < required
        state = "done" if done >= required else "overdue" if owed else "due"
        found.append(
            PlanDrills(
                def_id,
                entry["title"],
                derived.get("drill"),
                required,
                start,
                end,
                done,
                previous,
                last.get(def_id),
                state,
            )  # fmt: skip
        )
    return found

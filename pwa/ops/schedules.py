"""When the handbook's schedules make work fall due: shifts, periods and their slots, and the
expectations of one site on one day.

Pure functions over the bundle (`handbook.json` as a dict). Periods mirror
`pwa/static/app/schedule.js` (tests/fixtures' golden file runs against both), so the supervisor
sees the same slots the device showed the guard; `compliance` judges records against them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from generator.schedule import duration_minutes
from pwa.ops.documents import applies, roles_of, route

MONTHS_IN = {"month": 1, "two_months": 2, "quarter": 3, "half_year": 6, "year": 12}


@dataclass(frozen=True)
class Slot:
    due: dt.datetime  # aware, local
    deadline: dt.datetime


@dataclass
class Expectation:
    """One document's schedule over one period (a shift, a day, a week...)."""

    def_id: str
    kind: str
    title: str
    every: str
    times: int
    words: str
    start: dt.datetime  # aware, local
    end: dt.datetime
    slots: list[Slot]
    shift: str | None = None
    people: int = 1
    areas: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()
    allowed_minutes: int | None = None  # time allowed for one run (a patrol round)

    @property
    def last_day(self) -> dt.date:
        """The period's last calendar day (its end is the next day's midnight)."""
        return (self.end - dt.timedelta(seconds=1)).date()


def utc_naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """A stored naive-UTC time in the site's zone."""
    return moment.replace(tzinfo=dt.UTC).astimezone(tz)


def _at(day: dt.date, clock: str, tz: ZoneInfo) -> dt.datetime:
    hours, minutes = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), tz)


def _month_start(year: int, month0: int, tz: ZoneInfo) -> dt.datetime:
    year += month0 // 12
    return dt.datetime(year, month0 % 12 + 1, 1, tzinfo=tz)


def shift_instance(shift: dict, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The shift that starts on `day`; a night shift ends the next morning."""
    start = _at(day, shift["start"], tz)
    end = _at(day, shift["end"], tz)
    if end <= start:
        end = _at(day + dt.timedelta(days=1), shift["end"], tz)
    return start, end


def period_bounds(every: str, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """The period of kind `every` (day or longer) that contains `day`; weeks start on Monday."""
    if every == "day":
        start = dt.date(day.year, day.month, day.day)
        return _at(start, "00:00", tz), _at(start + dt.timedelta(days=1), "00:00", tz)
    if every == "week":
        start = day - dt.timedelta(days=day.weekday())
        return _at(start, "00:00", tz), _at(start + dt.timedelta(days=7), "00:00", tz)
    if every == "half_month":
        if day.day <= 15:
            return _at(day.replace(day=1), "00:00", tz), _at(day.replace(day=16), "00:00", tz)
        return _at(day.replace(day=16), "00:00", tz), _month_start(day.year, day.month, tz)
    months = MONTHS_IN[every]
    first = (day.month - 1) - (day.month - 1) % months
    return _month_start(day.year, first, tz), _month_start(day.year, first + months, tz)


def slots(schedule: dict, start: dt.datetime, end: dt.datetime, allowed: str | None) -> list[Slot]:
    """When each run falls due in a period and by when it must be done (as the app shows it);
    `allowed` is the document's `time_allowed` as written (30m)."""
    return slots_within(schedule, start, end, duration_minutes(allowed) if allowed else None)


def slots_within(
    schedule: dict, start: dt.datetime, end: dt.datetime, minutes: int | None
) -> list[Slot]:
    """`slots` with the time allowed in minutes, as the bundle's `slots` carry it."""
    times = int(schedule.get("times") or 1)
    at = schedule.get("at") or []
    tz = start.tzinfo
    if at and schedule["every"] in ("day", "shift"):
        dues = []
        for clock in at:
            due = _at(start.date(), clock, tz)
            if due < start:
                due = _at(start.date() + dt.timedelta(days=1), clock, tz)
            dues.append(due)
        dues.sort()
    else:
        span = end - start
        dues = [start + span * i / times for i in range(times)]
    result = []
    for i, due in enumerate(dues):
        following = dues[i + 1] if i + 1 < len(dues) else end
        deadline = following
        # a time allowed bounds a run that starts at a set clock; spread runs fill their window
        if minutes and at:
            deadline = min(due + dt.timedelta(minutes=minutes), following)
        result.append(Slot(due, deadline))
    return result


def _words(schedule: dict, lang: str) -> str:
    from generator.labels import schedule_words
    from generator.schedule import Period

    return schedule_words(Period(schedule["every"]), int(schedule.get("times") or 1), lang)


def expectations(
    bundle: dict, site: str, day: dt.date, tz: ZoneInfo, lang: str = "zh"
) -> list[Expectation]:
    """Every patrol and checklist period of `site` that touches `day`, in handbook order.

    What falls due is read from each entry's `slots` (its schedules with their defaults, its
    time allowed in minutes) and where from its `sites`, as the phone's today list reads them.
    """
    shifts = {s["id"]: s for s in (bundle.get("site") or {}).get("shifts", [])}
    found: list[Expectation] = []
    for def_id, entry in sorted(bundle["documents"].items()):
        kind, doc, inputs = entry["kind"], entry["doc"], entry["slots"]
        if kind not in ("patrol", "checklist") or not applies(entry["sites"], site):
            continue
        minutes = inputs["time_allowed_minutes"]
        areas = tuple(doc.get("areas") or ())
        if kind == "patrol":
            # a patrol's areas are its checkpoints', which the site document places
            stops = route(entry)["checkpoints"]
            areas = tuple(dict.fromkeys(c["area"] for c in stops if c["area"]))
        for schedule in inputs["schedules"]:
            every = schedule["every"]
            common = dict(
                def_id=def_id,
                kind=kind,
                title=entry["title"],
                every=every,
                times=schedule["times"],
                words=_words(schedule, lang),
                people=schedule["people"],
                areas=areas,
                roles=roles_of(entry),
                allowed_minutes=minutes,
            )
            if every == "shift":
                for shift_id in schedule["shifts"] or list(shifts):
                    if shift_id not in shifts:
                        continue
                    start, end = shift_instance(shifts[shift_id], day, tz)
                    found.append(
                        Expectation(
                            **common,
                            start=start,
                            end=end,
                            shift=shift_id,
                            slots=slots_within(schedule, start, end, minutes),
                        )
                    )
                continue
            start, end = period_bounds(every, day, tz)
            found.append(
                Expectation(
                    **common,
                    start=start,
                    end=end,
                    shift=",".join(schedule["shifts"]) or None,
                    slots=slots_within(schedule, start, end, minutes),
                )
            )
    return found


def current_starts(
    bundle: dict, site: str, now: dt.datetime, tz: ZoneInfo, def_ids: Collection[str]
) -> dict[str, dt.datetime]:
    """Where each of `def_ids` (patrols and checklists at `site`) began its periods that `now`
    falls in: the earliest start of them, aware; a document with no such period is left out.

    A phone's today list counts a document's runs in its current period: a shift, the day, a
    week... So the runs recorded since this start are all it needs of the site's records.
    """
    today = now.astimezone(tz).date()
    found: dict[str, dt.datetime] = {}
    # a night shift that began yesterday evening is a period of yesterday's
    for day in (today - dt.timedelta(days=1), today):
        for exp in expectations(bundle, site, day, tz):
            if exp.def_id in def_ids and exp.start <= now < exp.end:
                found[exp.def_id] = min(found.get(exp.def_id, exp.start), exp.start)
    return found

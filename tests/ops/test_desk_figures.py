"""The service desk's month figures: counts, clocks within limit, medians and p90, the reopen,
call-back and satisfaction rates, an empty month, and months that end in the site's zone —
from tickets stored on a real SQLite file and PostgreSQL, and from plain rows."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from pwa.ops import desk, desk_figures
from pwa.store import tickets as store
from tests.ops.test_desk_store import DESK, engine, rep  # noqa: F401 - engine is a fixture

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 9, 2, 30)  # naive UTC: Tuesday 10:30 in Shanghai


def row(**values) -> SimpleNamespace:
    """A stored ticket as `created_between` gives it: only what the figures read."""
    base = dict(
        category="repair-normal",
        source="phone",
        status="closed",
        created_at=T0,
        reopened=0,
        rating=None,
        called_back=False,
    )
    for clock in ("respond", "on_site", "close"):
        base.update({f"{clock}_due": None, f"{clock}_stop": None, f"{clock}_minutes": None})
    base.update(values)
    return SimpleNamespace(**base)


def stopped(clock: str, minutes: float, limit: float) -> dict:
    return {
        f"{clock}_due": T0 + dt.timedelta(minutes=limit),
        f"{clock}_stop": T0 + dt.timedelta(minutes=minutes),
        f"{clock}_minutes": minutes,
    }


def figures(rows, now=T0 + dt.timedelta(days=40)):
    return desk_figures.month(
        rows,
        categories=["repair-normal", "complaint"],
        now=now,
        callback_target=50,
        satisfaction_target=90,
    )


def test_month_bounds_are_the_site_zone_s_midnights():
    assert desk_figures.month_bounds("2026-06", SH) == (
        dt.datetime(2026, 5, 31, 16, 0),
        dt.datetime(2026, 6, 30, 16, 0),
    )
    assert desk_figures.month_bounds("2026-12", SH)[1] == dt.datetime(2026, 12, 31, 16, 0)
    for bad in ("2026-13", "2026-6", "june", "", "2026-06-01"):
        with pytest.raises(ValueError, match="^month must look like 2026-06$"):
            desk_figures.month_bounds(bad, SH)


def test_this_month_in_the_site_zone():
    # 2026-06-30 17:00 UTC is already 1 July in Shanghai
    assert desk_figures.this_month(dt.datetime(2026, 6, 30, 17, 0, tzinfo=dt.UTC), SH) == "2026-07"
    assert desk_figures.this_month(dt.datetime(2026, 6, 30, 15, 0, tzinfo=dt.UTC), SH) == "2026-06"


def test_median_and_p90():
    assert desk_figures.median([]) is None and desk_figures.p90([]) is None
    assert desk_figures.median([7]) == 7 and desk_figures.p90([7]) == 7
    assert desk_figures.median([4, 1, 3, 2]) == 2.5
    # nearest rank: the smallest value at or above 90 % of the values
    assert desk_figures.p90(list(range(1, 11))) == 9
    assert desk_figures.p90(list(range(1, 12))) == 10
    assert desk_figures.p90([5, 1]) == 5


def test_an_empty_month_has_no_percentages():
    month = figures([])
    assert month.total == 0 and month.by_category == [("repair-normal", 0), ("complaint", 0)]
    assert month.by_source == [(s, 0) for s in desk.SOURCES]
    for clock in month.clocks:
        assert (clock.judged, clock.within, clock.late, clock.running_late) == (0, 0, 0, 0)
        assert (clock.percent, clock.median, clock.p90) == (None, None, None)
    for rate in (month.reopen, month.callback, month.satisfaction):
        assert (rate.part, rate.whole, rate.percent, rate.met) == (0, 0, None, None)


def test_counts_clocks_and_rates():
    rows = [
        row(**stopped("respond", 4, 15), **stopped("close", 100, 1440), called_back=True,
            rating="satisfied"),
        row(**stopped("respond", 20, 15), **stopped("close", 2000, 1440), rating="fair",
            source="visit"),
        row(**stopped("respond", 10, 15), **stopped("close", 300, 1440), reopened=1,
            rating="unsatisfied", called_back=True, category="complaint", source="resident"),
        # still open and past its limit: late, but not yet judged
        row(status="assigned", respond_due=T0 + dt.timedelta(minutes=15),
            close_due=T0 + dt.timedelta(hours=24)),
        # waiting for the resident: the close clock is paused, not stopped for good
        row(status="waiting", **stopped("respond", 3, 15), **stopped("close", 50, 1440)),
        # cancelled: counted as registered, judged on nothing
        row(status="cancelled", **stopped("respond", 99, 15), category="nope", source="staff"),
    ]  # fmt: skip
    month = figures(rows)
    assert month.total == 6 and month.cancelled == 1
    assert month.by_category == [("repair-normal", 4), ("complaint", 1), ("nope", 1)]
    assert month.by_source == [("phone", 3), ("visit", 1), ("resident", 1), ("staff", 1)]
    respond, on_site, close = month.clocks
    assert (respond.clock, respond.judged, respond.within, respond.late) == ("respond", 4, 3, 1)
    assert respond.running_late == 1 and respond.percent == 75.0
    assert (respond.median, respond.p90) == (7.0, 20)
    assert (on_site.judged, on_site.percent) == (0, None)
    # the assigned one is 40 days old: its close clock runs late too
    assert (close.judged, close.within, close.late, close.running_late) == (3, 2, 1, 1)
    assert close.percent == 66.7 and close.median == 300 and close.p90 == 2000
    # done: the three closed and the waiting one; one of them was reopened
    assert (month.reopen.part, month.reopen.whole, month.reopen.percent) == (1, 4, 25.0)
    assert (month.callback.part, month.callback.whole, month.callback.percent) == (2, 3, 66.7)
    assert month.callback.target == 50 and month.callback.met is True
    assert (month.satisfaction.part, month.satisfaction.whole) == (2, 3)
    assert month.satisfaction.percent == 66.7 and month.satisfaction.met is False


def test_running_late_is_judged_at_now():
    due = T0 + dt.timedelta(minutes=15)
    open_row = row(status="assigned", respond_due=due)
    assert figures([open_row], now=due - dt.timedelta(minutes=1)).clocks[0].running_late == 0
    assert figures([open_row], now=due + dt.timedelta(minutes=1)).clocks[0].running_late == 1


def at_local(text: str) -> dt.datetime:
    local = dt.datetime.fromisoformat(text).replace(tzinfo=SH)
    return local.astimezone(dt.UTC).replace(tzinfo=None)


def test_stored_tickets_fall_in_the_month_of_the_site_zone(engine):  # noqa: F811
    moments = {
        "may-last": at_local("2026-05-31T23:59"),
        "june-first": at_local("2026-06-01T00:00"),
        "june-last": at_local("2026-06-30T23:30"),
        "july-first": at_local("2026-07-01T00:10"),
    }
    ids = {}
    with engine.begin() as conn:
        for name, moment in moments.items():
            ids[name] = desk.report(
                conn, DESK, rep(source="phone"), actor="li", user_id=None, now=moment
            )[0]
        desk.report(
            conn, DESK, rep(site="jinxiu"), actor="li", user_id=None, now=moments["june-last"]
        )
    with engine.connect() as conn:
        june = store.created_between(conn, "lanyuan", *desk_figures.month_bounds("2026-06", SH))
        july = store.created_between(conn, "lanyuan", *desk_figures.month_bounds("2026-07", SH))
    assert [r.id for r in june] == [ids["june-first"], ids["june-last"]]
    assert [r.id for r in july] == [ids["july-first"]]


def new(kind, minutes, actor="wang", **data):
    return desk.NewEvent(str(uuid.uuid4()), kind, T0 + dt.timedelta(minutes=minutes), actor, data)


def test_figures_from_stored_tickets(engine):  # noqa: F811
    with engine.begin() as conn:
        quick = desk.report(conn, DESK, rep(), actor="li", user_id=None, now=T0)[0]
        loop = [
            new("assigned", 1, "li", to="wang"),
            new("accepted", 5),
            new("arrived", 20),
            new("finished", 60),
            new("called_back", 200, "li", reached=True, rating="satisfied"),
            new("closed", 201, "li"),
        ]
        desk.add(conn, DESK, quick, loop, T0 + dt.timedelta(hours=5))
        slow = desk.report(conn, DESK, rep(), actor="li", user_id=None, now=T0)[0]
        desk.add(conn, DESK, slow, [new("assigned", 1, "li", to="wang"), new("accepted", 40)],
                 T0 + dt.timedelta(hours=1))  # fmt: skip
        rows = store.created_between(conn, "lanyuan", *desk_figures.month_bounds("2026-06", SH))
    month = figures(rows, now=T0 + dt.timedelta(hours=2))
    respond, on_site, close = month.clocks
    assert (respond.judged, respond.within, respond.late, respond.median) == (2, 1, 1, 22.5)
    # the slow one's engineer is not there 30 minutes after the report: late while it runs
    assert (on_site.judged, on_site.within, on_site.running_late, on_site.median) == (1, 1, 1, 20)
    assert (close.judged, close.within, close.median) == (1, 1, 201)
    assert (month.callback.part, month.callback.whole) == (1, 1)
    assert (month.satisfaction.part, month.satisfaction.whole) == (1, 1)

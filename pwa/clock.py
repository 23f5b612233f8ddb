"""The server's one clock: every "now" the app reads comes from here.

In production it is the system clock. `CLOCK_START` (an ISO 8601 instant, e.g.
`DUTYBOOK_CLOCK_START=2026-06-09T10:30:00+08:00`) starts the clock of a server process at
that instant and lets it run on from there: the browser tests put the server and the phone at
the same chosen moment, and a demo can be shown at any hour. In-process tests freeze time with
time-machine instead, which this module sees through `datetime.now`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, has_app_context

_SKEW = "dutybook.clock_skew"


def init_app(app: Flask) -> None:
    start = app.config.get("CLOCK_START")
    if not start:
        return
    try:
        instant = dt.datetime.fromisoformat(str(start))
    except ValueError:
        raise ValueError(f"CLOCK_START must be an ISO 8601 instant, got {start!r}") from None
    if instant.tzinfo is None:
        raise ValueError(f"CLOCK_START needs a UTC offset, got {start!r}")
    app.extensions[_SKEW] = instant - dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """Aware UTC now."""
    moment = dt.datetime.now(dt.UTC)
    if has_app_context():
        moment += current_app.extensions.get(_SKEW, dt.timedelta())
    return moment


def utcnow() -> dt.datetime:
    """Naive UTC now: both databases store it the same way."""
    return now().replace(tzinfo=None)


@contextmanager
def held(app: Flask, moment: dt.datetime) -> Iterator[None]:
    """Inside the block the app's clock runs on from `moment` (aware), then as before: what
    writes a past week as it happened (`dutybook demo`) stamps each step with its own time."""
    saved = app.extensions.get(_SKEW)
    app.extensions[_SKEW] = moment - dt.datetime.now(dt.UTC)
    try:
        yield
    finally:
        if saved is None:
            app.extensions.pop(_SKEW, None)
        else:
            app.extensions[_SKEW] = saved

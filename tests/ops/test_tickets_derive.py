"""A ticket's state derived from its event log: the loop, flags for impossible events, the
clocks, and the merge — any shuffle or repeat of the same events gives the same state."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from pwa.ops.tickets import Category, Event, derive
from pwa.ops.workdays import Calendar

SH = ZoneInfo("Asia/Shanghai")
CAL = Calendar.from_site("Asia/Shanghai", {"holidays": ["2026-10-01"]})
REPAIR = Category("repair-normal", "repair", "engineer", close="24h", respond="15m", on_site="30m")
COMPLAINT = Category(
    "complaint-normal", "complaint", "service", close="2wd", respond="48h", pause_while_waiting=True
)
T0 = dt.datetime(2026, 6, 9, 10, 30, tzinfo=SH)


def ev(kind: str, minutes: float, actor: str = "desk", **data) -> Event:
    return Event(
        str(uuid.UUID(int=hash((kind, minutes, actor)) % 2**128)),
        kind,
        T0 + dt.timedelta(minutes=minutes),
        actor,
        data,
    )


LOOP = [
    ev("created", 0, "resident"),
    ev("assigned", 2, to="wang", role="engineer"),
    ev("accepted", 6, "wang"),
    ev("arrived", 20, "wang"),
    ev("note", 25, "wang", text="换了阀门"),
    ev("finished", 50, "wang"),
    ev("confirmed", 120, "resident"),
    ev("rated", 121, "resident", rating="satisfied"),
    ev("called_back", 600, "desk", reached=True, rating="satisfied"),
    ev("closed", 601, "desk"),
]


def test_the_whole_loop():
    state = derive(LOOP, REPAIR, CAL)
    assert state.status == "closed" and state.flags == {}
    assert state.assignee == "wang" and state.rating == "satisfied" and state.called_back
    respond, on_site, close = (state.clocks[c] for c in ("respond", "on_site", "close"))
    assert (respond.minutes, respond.met) == (6, True)
    assert (on_site.minutes, on_site.met) == (20, True)
    # the repair's close clock does not pause: it ran until the resident confirmed
    assert (close.minutes, close.met) == (120, True)
    assert close.due == T0 + dt.timedelta(hours=24)


def test_an_impossible_event_is_kept_and_flagged():
    log = [
        ev("created", 0),
        ev("assigned", 1, to="wang"),
        ev("finished", 3, "wang"),
        ev("accepted", 4, "wang"),
    ]
    state = derive(log, REPAIR, CAL)
    assert state.status == "accepted"
    assert state.flags == {log[2].id: "finished while assigned"}
    assert [e.id for e in state.log] == [e.id for e in log]  # nothing dropped


def test_a_second_acceptance_by_another_phone_is_flagged():
    log = [
        ev("created", 0),
        ev("assigned", 1, role="engineer"),
        ev("accepted", 3, "li"),
        ev("accepted", 4, "wang"),
    ]
    state = derive(log, REPAIR, CAL)
    assert state.assignee == "li"
    assert state.flags == {log[3].id: "accepted while accepted"}


def test_accepting_a_ticket_given_to_someone_else_is_flagged():
    log = [ev("created", 0), ev("assigned", 1, to="wang"), ev("accepted", 3, "li")]
    state = derive(log, REPAIR, CAL)
    assert state.status == "assigned" and state.flags == {log[2].id: "assigned to wang"}


def test_a_late_clock_and_a_running_one():
    log = [ev("created", 0), ev("assigned", 1, to="wang"), ev("accepted", 40, "wang")]
    state = derive(log, REPAIR, CAL)
    assert state.clocks["respond"].met is False  # 40 min against 15
    on_site = state.clocks["on_site"]
    assert on_site.met is None and on_site.due == T0 + dt.timedelta(minutes=30)
    assert not on_site.late(T0 + dt.timedelta(minutes=29)) and on_site.late(
        T0 + dt.timedelta(minutes=31)
    )


def test_the_close_clock_pauses_while_waiting_and_runs_again_when_reopened():
    log = [
        ev("created", 0),
        ev("assigned", 1, to="zhao"),
        ev("accepted", 2, "zhao"),
        ev("arrived", 3, "zhao"),
        ev("finished", 60, "zhao"),
    ]
    waiting = derive(log, COMPLAINT, CAL)
    close = waiting.clocks["close"]
    assert waiting.status == "waiting" and close.stopped == T0 + dt.timedelta(minutes=60)
    reopened = derive([*log, ev("reopened", 3 * 1440, "resident", reason="还是漏")], COMPLAINT, CAL)
    assert reopened.status == "assigned" and reopened.reopened == 1
    close = reopened.clocks["close"]
    assert close.stopped is None
    # 2 working days = 2880 counted minutes: 60 before the pause, the rest from Friday 10:30
    assert close.due == dt.datetime(2026, 6, 16, 9, 30, tzinfo=SH)


def test_a_ticket_closed_at_the_desk_has_no_on_site_clock():
    state = derive([ev("created", 0), ev("closed", 5)], REPAIR, CAL)
    assert state.status == "closed" and state.clocks["on_site"] is None
    assert state.clocks["respond"].met is True


def test_events_before_creation_are_flagged():
    early = ev("accepted", -5, "wang")
    state = derive([early, ev("created", 0)], REPAIR, CAL)
    assert state.flags == {early.id: "before the ticket was created"}


def summary(state):
    fields = dataclasses.asdict(state)
    fields["log"] = [e.id for e in state.log]
    return fields


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(LOOP[1:]), max_size=20),
    st.randoms(use_true_random=False),
    st.sampled_from([REPAIR, COMPLAINT]),
)
def test_any_order_and_any_repeat_give_the_same_state(events, rnd, category):
    log = [LOOP[0], *events]
    shuffled = log + rnd.sample(log, k=min(len(log), 5))  # repeats
    rnd.shuffle(shuffled)
    assert summary(derive(shuffled, category, CAL)) == summary(derive(log, category, CAL))


@settings(max_examples=200, deadline=None)
@given(st.permutations(LOOP), st.sampled_from([REPAIR, COMPLAINT]))
def test_the_loop_in_any_arrival_order_ends_closed_and_unflagged(arrival, category):
    state = derive(arrival, category, CAL)
    assert state.status == "closed" and state.flags == {}


def test_work_reported_by_someone_other_than_the_assignee_is_flagged():
    log = [
        ev("created", 0),
        ev("assigned", 1, to="wang"),
        ev("accepted", 2, "wang"),
        ev("arrived", 3, "li"),
    ]
    state = derive(log, REPAIR, CAL)
    assert state.status == "accepted"
    assert state.flags == {log[3].id: "arrived by li, not the assignee"}

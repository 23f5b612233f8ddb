"""A handover's acknowledgement: in time, late, waiting, missing, or maybe on an unsynced phone."""

from __future__ import annotations

import datetime as dt

from pwa.ops.compliance import Device, Rec
from pwa.ops.handovers import judge

T0 = dt.datetime(2026, 6, 9, 12, 0)  # naive UTC: 20:00 in Shanghai
ROLES = {"CHK-GATE-HANDOVER": frozenset({"guard"})}


def _rec(rid: str, kind: str, who: str, minutes: int, data: dict) -> Rec:
    at = T0 + dt.timedelta(minutes=minutes)
    return Rec(rid, kind, "CHK-GATE-HANDOVER", "booth", who, at, at, data)


def handover(rid: str, who: str = "wang", minutes: int = 0) -> Rec:
    return _rec(rid, "handover", who, minutes, {"items": [{"id": "k1"}, "junk"]})


def ack(target: str, who: str, minutes: int, disputed=()) -> Rec:
    return _rec(f"ack-{target}-{who}-{minutes}", "handover_ack", who, minutes,
                {"handover": target, "disputed": list(disputed)})  # fmt: skip


def guard_phone(synced_minutes: int) -> Device:
    return Device("booth", frozenset({"guard"}), T0 + dt.timedelta(minutes=synced_minutes))


def states(handovers, acks, devices, now_minutes: int) -> dict:
    found = judge(handovers, acks, devices, ROLES, T0 + dt.timedelta(minutes=now_minutes))
    return {h.record.id: (h.state, h.minutes, h.flagged) for h in found}


def test_in_time_late_and_only_by_someone_else():
    found = judge(
        [handover("a"), handover("b", minutes=10), handover("c", minutes=20)],
        [
            ack("a", "li", 25, disputed=["k1"]),
            ack("A", "zhao", 26),  # any case of the id names the same record
            ack("b", "li", 41),
            ack("c", "wang", 21),  # the author's own does not count
        ],
        [guard_phone(120)],
        ROLES,
        T0 + dt.timedelta(minutes=120),
    )
    assert [h.record.id for h in found] == ["c", "b", "a"]  # newest first
    view = {h.record.id: h for h in found}
    assert (view["a"].state, view["a"].minutes, view["a"].ack.username) == (
        "acknowledged",
        25,
        "li",
    )
    assert [a.username for a in view["a"].acks] == ["li", "zhao"]
    assert view["a"].disputed == ["k1"] and view["a"].items == [{"id": "k1"}]
    assert (view["b"].state, view["b"].minutes, view["b"].flagged) == ("late", 31, True)
    assert (view["c"].state, view["c"].ack) == ("unacknowledged", None)


def test_no_acknowledgement_is_confirmed_missing_only_once_the_phones_have_synced():
    # inside the 30 minutes it is waited for
    assert states([handover("a")], [], [guard_phone(5)], 29) == {"a": ("waiting", None, False)}
    # past them, the booth phone last synced before the deadline: it may hold the acknowledgement
    assert states([handover("a")], [], [guard_phone(29)], 45) == {"a": ("not_synced", None, True)}
    # it has synced since: confirmed
    assert states([handover("a")], [], [guard_phone(31)], 45) == {
        "a": ("unacknowledged", None, True)
    }
    # an engineer's phone that has not synced does not hold a gate handover back
    engineer = Device("eng", frozenset({"engineer"}), T0)
    assert states([handover("a")], [], [guard_phone(31), engineer], 45)["a"][0] == "unacknowledged"

"""What happens in the demo week (`pwa.demo.week` writes it): each phone's rounds and checklists
against the handbook's schedules, some late and some missed; exceptions and their workflow;
tickets from report to call-back; drills; handovers at each shift change.

Chance is seeded by the site and the day, so one `now` always gives the same week. A few things
are always there, whatever the dice say, so a first look finds each: yesterday's day round
started late and its last round missed, the garage cleaner's phone silent since yesterday
afternoon, a ticket rated, one late on site, one not yet dispatched, an overdue exception, an
unacknowledged handover.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from pwa.demo.data import checklist_data, iso, round_data
from pwa.demo.week import NIGHT_GUARD, Phone, Week
from pwa.ops import desk as rules
from pwa.ops import schedules
from pwa.ops.documents import route

M = dt.timedelta(minutes=1)
HELD_BACK = dt.timedelta(hours=17)
NIGHT_SHIFTS = ("night", "cr-middle", "cr-late")
# who does a document's work, by the first of its roles found here
WORKERS = ("guard", "cleaner", "engineer", "greener", "service", "supervisor")


def worker(week: Week, exp: schedules.Expectation, site: str) -> Phone | None:
    """The demo phone that does an expectation's work, by its roles and its shift."""
    role = next((r for r in WORKERS if r in exp.roles), None)
    if role is None:
        return None  # a manager's checklist: the demo has no manager on a phone
    if role == "guard" and exp.shift in NIGHT_SHIFTS:
        return week.phone(NIGHT_GUARD, site)
    return week.phone(f"demo-{role}", site)


def plan_rounds(week: Week) -> None:
    """Every slot of the week's rounds and checklists: done on time, late, or missed."""
    yesterday = (week.now.astimezone(week.tz) - dt.timedelta(days=1)).date()
    seen: set[tuple] = set()
    first = week.start.astimezone(week.tz).date()
    for site in week.sites:
        busy: dict[tuple, dt.datetime] = {}  # each period's last run's end
        for offset in range(
            week.now.astimezone(week.tz).date().toordinal() - first.toordinal() + 1
        ):
            day = first + dt.timedelta(days=offset)
            rng = random.Random(f"{site}:{day}")
            for exp in schedules.expectations(week.raw, site, day, week.tz):
                phone = worker(week, exp, site)
                if phone is None:
                    continue
                doc = route(week.raw["documents"][exp.def_id])
                for index, slot in enumerate(exp.slots):
                    key = (site, exp.def_id, exp.start, index)
                    if key in seen:
                        continue
                    seen.add(key)
                    forced = None
                    if day == yesterday and exp.kind == "patrol" and exp.shift == "day":
                        forced = ("late", "on_time", "missed")[index % 3]
                    one_slot(week, phone, exp, doc, slot, index, rng, busy, forced)


def one_slot(week, phone, exp, doc, slot, index, rng, busy, forced) -> None:
    now = week.now
    daily = exp.every in ("shift", "day")
    if not daily:
        # a weekly or monthly run: the day after its period began, mid-morning
        start = slot.due.replace(hour=10) + dt.timedelta(days=1, minutes=rng.randint(0, 90))
        fate = "on_time"
    else:
        fate = forced or rng.choices(("on_time", "late", "missed"), (84, 8, 8))[0]
        if fate == "late" and exp.kind == "patrol" and index == len(exp.slots) - 1:
            fate = "missed"  # started after the shift ended, it would be the next shift's
        window = (slot.deadline - slot.due).total_seconds() / 60
        start = slot.due + dt.timedelta(minutes=rng.randint(3, max(4, int(window * 0.4))))
        if fate == "late" and exp.kind == "patrol":
            # a round started after its slot's deadline; a late checklist is synced late
            start = slot.deadline + dt.timedelta(minutes=rng.randint(12, 35))
    start = max(start, busy.get((exp.def_id, exp.start), start) + 10 * M)
    if fate == "missed" or start < week.start or start > now - 40 * M:
        return
    if exp.kind == "patrol":
        skip = 1 if rng.random() < 0.12 else 0
        data, end = round_data(doc, start, exp, rng, skip)
        week.record(phone, "patrol_round", exp.def_id, end, data)
    else:
        end = start + dt.timedelta(minutes=rng.randint(6, min(40, exp.allowed_minutes or 30)))
        shift = exp.shift if exp.every == "shift" else None
        data = checklist_data(doc, start, end, rng, shift, rng.random() < 0.06)
        # a late checklist: done in time but the phone synced it only after the period ended
        sync = exp.end + dt.timedelta(minutes=45) if fate == "late" else None
        if sync is not None and sync > now:
            sync = None
        week.record(phone, "checklist_run", exp.def_id, end, data, sync)
    busy[(exp.def_id, exp.start)] = end


def plan_exceptions(week: Week) -> None:
    now = week.now.astimezone(week.tz)
    found = [
        # site, who, document, days ago, hour, category, note, workflow
        (
            "lanyuan",
            "demo-guard",
            "PTL-LY-OUT-NIGHT",
            3,
            22,
            "safety",
            "6 栋与 7 栋之间消防通道被私家车堵住，已联系车主挪车",
            "resolved",
        ),  # noqa: E501
        (
            "jinxiu",
            "demo-cleaner",
            "CHK-JX-GARAGE",
            2,
            9,
            "water",
            "B2 集水坑水位偏高，有异味，排污泵疑似不转",
            "open",
        ),  # noqa: E501
        (
            "lanyuan",
            "demo-engineer",
            "CHK-PUMP-ROOM",
            0,
            None,
            "damage",
            "2 号生活水泵运行时有异响",
            "assigned",
        ),  # noqa: E501
        (
            "jinxiu",
            "demo-guard",
            "PTL-JX-OUT-DAY",
            4,
            15,
            "damage",
            "儿童游乐区秋千链条松脱，已拉警戒带",
            "verified",
        ),  # noqa: E501
    ]
    for site, who, def_id, ago, hour, category, note, flow in found:
        if hour is None:
            made = now - dt.timedelta(hours=2, minutes=10)
        else:
            made = (now - dt.timedelta(days=ago)).replace(hour=hour, minute=17, second=0)
        doc = route(week.raw["documents"][def_id])
        parts = doc.get("items") or doc.get("checkpoints") or []
        part = parts[-1].get("id") or parts[-1]["code"]
        data = {"category": category, "note": note, "photos": [], "item": part,
                "emergency": None, "started_at": iso(made - 4 * M)}  # fmt: skip
        rid = week.record(week.phone(who, site), "exception", def_id, made, data, made + 3 * M)
        if flow in ("assigned", "resolved", "verified"):
            fixer = "demo-engineer" if flow != "resolved" else who
            week.workflow(made + 20 * M, rid, "demo-supervisor", "assigned", assignee=fixer)
        if flow in ("resolved", "verified"):
            week.workflow(made + 95 * M, rid, "demo-supervisor", "resolved", note="已处理并复查")
        if flow == "verified":
            week.workflow(made + 26 * 60 * M, rid, "demo-supervisor", "verified", note="现场复核")


def plan_drills(week: Week) -> None:
    now = week.now.astimezone(week.tz)
    for site, def_id, ago, scenario in (
        ("lanyuan", "EMG-ELEVATOR-TRAP", 4, "模拟 3 栋电梯停在 5、6 层之间，1 人被困"),
        ("jinxiu", "EMG-FIRE", 5, "模拟 4 栋 10 层楼道起火，疏散 3 户"),
    ):
        doc = week.raw["documents"][def_id]["doc"]
        start = (now - dt.timedelta(days=ago)).replace(hour=15, minute=0, second=0)
        actions = [
            {"index": i, "text": a["text"], "done_at": iso(start + (i + 1) * 2 * M),
             "done_by": "demo-guard"}
            for i, a in enumerate(doc.get("first_actions") or [])
        ]  # fmt: skip
        levels = [s["level"] for s in doc.get("severity") or []]
        data = {
            "started_at": iso(start),
            "ended_at": iso(start + 35 * M),
            "scenario": scenario,
            "severity": levels[0] if levels else None,
            "participants": ["demo-guard", "demo-engineer", "demo-supervisor"],
            "actions": actions,
            "calls": [],
            "fields": {},
            "went_well": "分工清楚，对讲通话及时",
            "to_improve": "警示牌放置位置离门太远",
            "follow_ups": ["各楼层警示牌就近存放"],
        }
        week.record(week.phone("demo-guard", site), "drill", def_id, start + 36 * M, data)


def plan_handovers(week: Week) -> None:
    """At each shift change of the gate: the outgoing guard hands over, the incoming one
    acknowledges; one acknowledged late, one never."""
    if "CHK-GATE-HANDOVER" not in week.raw["documents"]:
        return
    now = week.now.astimezone(week.tz)
    for site in week.sites:
        previous = None
        day = week.start.astimezone(week.tz).date()
        changes = []
        while day <= now.date():
            morning, evening = (dt.datetime.combine(day, dt.time(h), week.tz) for h in (8, 20))
            changes += [(morning, NIGHT_GUARD, "demo-guard", "night"),
                        (evening, "demo-guard", NIGHT_GUARD, "day")]  # fmt: skip
            day += dt.timedelta(days=1)
        changes = [c for c in changes if week.start < c[0] < now - 45 * M]
        for n, (moment, outgoing, incoming, shift) in enumerate(changes):
            made = moment - 8 * M
            items = [{"id": "key-roof", "kind": "key", "text": "5 栋天台门钥匙借给维修，未归还",
                      "ref": None, "carried": n > 0}]  # fmt: skip
            data = {"shift": shift, "previous": previous, "items": items, "closed": [],
                    "note": "门岗对讲机 4 台，电量正常"}  # fmt: skip
            out = week.phone(outgoing, site)
            previous = week.record(out, "handover", "CHK-GATE-HANDOVER", made, data, made + 2 * M)
            if n == len(changes) - 3:
                continue  # the incoming guard never acknowledged this one
            late = n == len(changes) - 5
            acked = made + (47 if late else 6) * M
            ack = {"handover": previous, "acknowledged_at": iso(acked), "disputed": [],
                   "note": ""}  # fmt: skip
            week.record(week.phone(incoming, site), "handover_ack", "CHK-GATE-HANDOVER", acked,
                        ack, acked + 2 * M)  # fmt: skip


def plan_tickets(week: Week) -> None:
    """Tickets as the desk, the resident and the engineer's phone make them."""
    if week.desk is None:
        return
    now = week.now.astimezone(week.tz)
    service, engineer = "demo-service", "demo-engineer"
    cases = [
        # site, category, source, when reported, room, name, words, steps (minutes, what)
        ("lanyuan", "repair-general", "phone", now - dt.timedelta(days=3, hours=1), "3-2-401",
         "王女士", "卫生间洗手盆下的角阀一直滴水", [
            (3, "assigned"), (6, "accepted"), (14, "arrived"), (52, "finished"),
            (240, "confirmed"), (242, "rated:satisfied"), (60 * 24, "called_back:satisfied"),
            (60 * 24 + 2, "closed")]),
        ("lanyuan", "repair-urgent", "resident", now - dt.timedelta(days=2, hours=3), "7-1-102",
         "刘先生", "厨房水管爆了，水流到客厅", [
            (4, "assigned"), (7, "accepted"), (38, "arrived"), (95, "finished"),
            (60 * 20, "called_back:fair"), (60 * 20 + 3, "closed")]),
        ("jinxiu", "repair-simple", "resident", now - dt.timedelta(days=1, hours=4), "6-1203",
         "陈女士", "门厅的声控灯不亮了", [
            (4, "assigned"), (9, "accepted"), (20, "arrived"), (31, "finished"),
            (180, "rated:unsatisfied")]),
        ("lanyuan", "repair-general", "visit", now - dt.timedelta(minutes=75), "9-3-302",
         "赵先生", "阳台推拉门滑轮坏了，推不动", [(4, "assigned"), (6, "accepted"),
                                               (15, "arrived")]),
        ("lanyuan", "enquiry", "visit", now - dt.timedelta(minutes=50), "2-1-201", "孙阿姨",
         "想问一下下个月电梯维保停梯的时间", []),
        ("jinxiu", "complaint-neighbour", "phone", now - dt.timedelta(minutes=25), "3-902",
         "周先生", "楼上每天晚上十点以后还在装修敲墙", [(3, "assigned")]),
    ]  # fmt: skip
    for site, category, source, reported, room, name, words, steps in cases:
        ticket_id = str(uuid.uuid4())
        phone_number = f"1380013{len(words):02d}{len(room):02d}"
        rep = rules.Report(site, category, room, name, phone_number, words, source)
        actor = "resident" if source == "resident" else service

        def report(rep=rep, ticket_id=ticket_id, actor=actor) -> None:
            week.write(lambda conn, when: rules.report(
                conn, week.desk, rep, actor=actor, user_id=week.user_ids.get(actor), now=when,
                reported_from="demo", ticket_id=ticket_id))  # fmt: skip

        week.at(reported, report)
        for minutes, what in steps:
            moment = reported + minutes * M
            if moment > now - M:
                continue
            kind, _, rating = what.partition(":")
            if kind in rules.PHONE_KINDS:
                data = phone_event(week, ticket_id, kind)
                week.record(week.phone(engineer, site), "ticket_event", "SVC-DESK", moment,
                            data, moment + M)  # fmt: skip
                continue
            role = (week.desk.raw_categories[category] or {}).get("dispatch_to")
            data = {
                "assigned": {"to": service if role == "service" else engineer, "role": role},
                "rated": {"rating": rating},
                "called_back": {"reached": True, "rating": rating},
            }.get(kind, {})
            who = "resident" if kind in ("rated", "confirmed") else service
            week.at(moment, lambda kind=kind, data=data, who=who, ticket_id=ticket_id: desk_step(
                week, ticket_id, kind, data, who))  # fmt: skip


def phone_event(week: Week, ticket_id: str, kind: str):
    """The engineer's event as tickets.js builds it, with the `seen` of the ticket it acted on,
    read when the phone acts (the state is the desk's by then)."""

    def data() -> dict:
        finished = kind == "finished"
        return {"ticket": ticket_id, "kind": kind, "seen": week.seen(ticket_id),
                "text": "已更换配件，试用正常" if finished else "",
                "parts": "角阀 ×1" if finished else "", "photos": []}  # fmt: skip

    return data


def desk_step(week: Week, ticket_id: str, kind: str, data: dict, who: str) -> None:
    """One step of the desk's or the resident's, as their pages add it (`pwa.ops.desk.add`)."""
    checked = rules.event_data(kind, data)

    def change(conn, moment: dt.datetime) -> None:
        event = rules.NewEvent(
            str(uuid.uuid4()), kind, moment, who, checked, week.user_ids.get(who)
        )
        rules.add(conn, week.desk, ticket_id, [event], moment)

    week.write(change)


def plan_phones(week: Week) -> None:
    """The garage cleaner's phone at jinxiu, left in a locker, has not called in since yesterday
    afternoon: what it holds is not yet synced."""
    held = week.phone("demo-cleaner", "jinxiu")
    held.offline_since = week.now - HELD_BACK
    week.at(held.offline_since - 2 * M, lambda: week.call_in(held))

"""The dashboard's drills and handovers: a drill never counts as an incident; each plan done, due
or overdue; a drill recorded on the page; handovers not acknowledged within 30 minutes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid

from sqlalchemy import select

from pwa.store.models import records
from tests.pwa.duty_support import HANDOVER, ack_data, drill_data, handover_data
from tests.pwa.scenario import dashboard_client
from tests.pwa.support import bearer, record, sign_in

TZ = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 6, 9, 8, 0, tzinfo=TZ)  # the day shift's handover, at the instant's day


def _push(client, token: str, recs: list[dict]) -> None:
    body = client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))
    assert {r["status"] for r in body.get_json()["results"]} == {"created"}, body.get_json()


def _csv(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_a_drill_is_never_an_incident(duty):
    client = duty.test_client()
    guard = sign_in(client, "guard-l")
    drill = record(type="drill", def_id="EMG-ELEVATOR-TRAP", data=drill_data())
    incident = record(type="incident", def_id="EMG-ELEVATOR-TRAP", seq=2)
    _push(client, guard, [drill, incident])
    browser, _ = dashboard_client(duty, "sup-l")

    # the exceptions and incidents: the incident alone, on the page, in its CSV, in the report
    listed = _csv(browser, "/dashboard/lanyuan/exceptions?format=csv&table=exceptions")
    assert [(r["id"], r["type"]) for r in listed] == [(incident["id"], "incident")]
    page = browser.get("/dashboard/lanyuan/exceptions").get_data(as_text=True)
    assert incident["id"] in page and drill["id"] not in page
    report = browser.get("/dashboard/lanyuan/report").get_data(as_text=True)
    listed_part, drills_part = report.split('<h2 id="drills">')
    assert listed_part.count("电梯困人应急预案") == 1  # the incident; the drill is with the drills
    assert f'data-id="{drill["id"]}"' in drills_part and drill["id"] not in listed_part
    assert browser.get(f"/dashboard/lanyuan/exceptions/{drill['id']}").status_code == 404

    # the drills: the plan drilled this half year, the drill with its review
    plans = _csv(browser, "/dashboard/lanyuan/drills?format=csv&table=plans")
    assert [(p["def_id"], p["frequency"], p["done"], p["required"], p["state"]) for p in plans] == [
        ("EMG-ELEVATOR-TRAP", "每半年一次", "1", "1", "done")
    ]
    assert (plans[0]["period_start"], plans[0]["period_end"]) == ("2026-01-01", "2026-06-30")
    [row] = _csv(browser, "/dashboard/lanyuan/drills?format=csv&table=drills")
    assert (row["id"], row["participants"], row["follow_ups"], row["user"]) == (
        drill["id"], "guard-l; 王强; 李明", "监控室张贴维保电话; 下次演练通知业主", "guard-l",
    )  # fmt: skip
    page = browser.get("/dashboard/lanyuan/drills").get_data(as_text=True)
    assert 'data-state="done"' in page and "维保单位电话没有贴在监控室" in page
    assert "演练单独记录，标明“演练”，不计入异常与事件" in page
    # the other site's drill list knows nothing of it
    admin, _ = dashboard_client(duty, "admin")
    assert _csv(admin, "/dashboard/jinxiu/drills?format=csv&table=drills") == []


def test_the_printable_report_has_each_plans_drills(duty):
    client = duty.test_client()
    guard = sign_in(client, "guard-l")
    drill = record(type="drill", def_id="EMG-ELEVATOR-TRAP", data=drill_data())
    _push(client, guard, [drill])
    browser, _ = dashboard_client(duty, "sup-l")

    def drills_of(query: str) -> str:
        page = browser.get(f"/dashboard/lanyuan/report?{query}")
        assert page.status_code == 200
        return page.get_data(as_text=True).split('<h2 id="drills">')[1]

    # today's report: the plan drilled this half year, and the drill held today
    today = drills_of("date=2026-06-09")
    assert 'data-def="EMG-ELEVATOR-TRAP" data-state="done"' in today
    assert "1 / 1" in today and f'data-id="{drill["id"]}"' in today
    assert "模拟 3 号楼 2 号梯困人" in today and "guard-l、王强、李明" in today
    assert "各预案截至 2026-06-09 10:3" in today
    # last week's report: the plan as it stood when that week ended, still due; no drill in it
    week = drills_of("date=2026-06-03&span=week")
    assert 'data-def="EMG-ELEVATOR-TRAP" data-state="due"' in week
    assert "0 / 1" in week and "待演练（2026-06-30 前）" in week
    assert "各预案截至 2026-06-07 23:59" in week and "本时段没有演练。" in week
    assert drill["id"] not in week
    # and in English
    english = drills_of("date=2026-06-09&lang=en")
    assert "Each plan&#39;s drills as of 2026-06-09 10:3" in english and "Done" in english


def test_each_plan_is_due_then_overdue_against_its_schedule(duty, fixed_clock):
    browser, _ = dashboard_client(duty, "sup-l")
    [plan] = _csv(browser, "/dashboard/lanyuan/drills?format=csv&table=plans")
    # in force since 2026-01-01: drilled by the end of June, or due
    assert (plan["state"], plan["done"], plan["last_drill"]) == ("due", "0", "")
    page = browser.get("/dashboard/lanyuan/drills").get_data(as_text=True)
    assert "待演练（2026-06-30 前）" in page
    # July: the first half year ended without a drill
    fixed_clock.move_to(dt.datetime(2026, 7, 2, 9, 0, tzinfo=TZ))
    [plan] = _csv(browser, "/dashboard/lanyuan/drills?format=csv&table=plans")
    assert (plan["state"], plan["period_start"], plan["previous_done"]) == (
        "overdue", "2026-07-01", "0",
    )  # fmt: skip
    page = browser.get("/dashboard/lanyuan/drills?lang=en").get_data(as_text=True)
    assert "Overdue: none last period" in page


def _drill_form(csrf: str, **changes) -> dict:
    form = {
        "csrf_token": csrf,
        "form_id": str(uuid.uuid4()),
        "plan": "EMG-ELEVATOR-TRAP",
        "started_at": "2026-06-09T09:00",
        "ended_at": "2026-06-09T09:40",
        "scenario": "桌面推演：夜间困人",
        "participants": "王强、李明\n张伟",
        "went_well": "分工清楚",
        "to_improve": "",
        "follow_ups": "补充维保电话\n\n更新通讯录",
    }
    form.update(changes)
    return form


def test_a_drill_recorded_on_the_dashboard_goes_through_the_sync_checks(duty):
    browser, csrf = dashboard_client(duty, "sup-l")
    form = _drill_form(csrf)
    for _ in range(2):  # a second click on the same form stores nothing more
        response = browser.post("/dashboard/lanyuan/drills", data=form)
        assert response.status_code == 303
        assert response.headers["Location"] == "/dashboard/lanyuan/drills?saved=1"
    with duty.extensions["dutybook.engine"].connect() as conn:
        [row] = conn.execute(select(records).where(records.c.type == "drill")).all()
    assert (row.id, row.def_id, row.device_id, row.site) == (
        form["form_id"], "EMG-ELEVATOR-TRAP", "dashboard", "lanyuan",
    )  # fmt: skip
    assert row.data["participants"] == ["王强", "李明", "张伟"]
    assert row.data["follow_ups"] == ["补充维保电话", "更新通讯录"]
    assert row.data["started_at"] == "2026-06-09T09:00:00+08:00"
    assert "演练记录已保存。" in browser.get("/dashboard/lanyuan/drills?saved=1").get_data(
        as_text=True
    )
    for changes, said in (
        ({"participants": " 、\n"}, "请至少填写一名参与人员。"),
        ({"ended_at": "2026-06-09T08:00"}, "结束时间不能早于开始时间。"),
        ({"plan": "CHK-PUMP-ROOM"}, "请选择预案。"),
        ({"started_at": "soon"}, "请填写开始和结束时间。"),
        ({"scenario": "x" * 501}, "未能保存：data.scenario：String should have at most 500 "
                                  "characters"),
    ):  # fmt: skip
        response = browser.post("/dashboard/lanyuan/drills", data=_drill_form(csrf, **changes))
        assert response.status_code == 422
        assert said in response.get_data(as_text=True)


def _at(minutes: int) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


def test_handovers_not_acknowledged_within_30_minutes(duty, fixed_clock):
    client = duty.test_client()
    fixed_clock.move_to(T0)
    wang, li = sign_in(client, "guard-l", "booth"), sign_in(client, "guard-l2", "booth")
    made = {}

    def handover(name: str, minutes: int, seq: int, token: str = wang, device="booth") -> None:
        made[name] = record(type="handover", def_id=HANDOVER, data=handover_data(),
                            device_id=device, seq=seq, recorded_at=_at(minutes))  # fmt: skip
        fixed_clock.move_to(T0 + dt.timedelta(minutes=minutes))
        _push(client, token, [made[name]])

    def ack(name: str, minutes: int, seq: int, **changes) -> None:
        data = ack_data(made[name]["id"], _at(minutes), **changes)
        rec = record(type="handover_ack", def_id=HANDOVER, data=data, device_id="booth",
                     seq=seq, recorded_at=_at(minutes))  # fmt: skip
        fixed_clock.move_to(T0 + dt.timedelta(minutes=minutes))
        _push(client, li, [rec])

    handover("in-time", 0, 1)
    ack("in-time", 12, 2, disputed=["k1"], note="天台钥匙不在柜里")
    handover("late", 60, 3)
    ack("late", 100, 4)
    handover("missing", 120, 5)
    # the booth phone calls in after the 30 minutes: the missing one is confirmed missing
    fixed_clock.move_to(T0 + dt.timedelta(minutes=160))
    assert client.get("/api/v1/definitions", headers=bearer(wang)).status_code == 200
    handover("offline", 170, 6)  # and has not called in since this one's 30 minutes ended
    # another phone of the gate's, synced now, holds no acknowledgement back
    handover("fresh", 215, 1, sign_in(client, "guard-l", "booth-2"), "booth-2")
    fixed_clock.move_to(T0 + dt.timedelta(minutes=220))

    browser, _ = dashboard_client(duty, "sup-l")
    rows = _csv(browser, "/dashboard/lanyuan/handovers?format=csv&table=handovers")
    by_id = {r["id"]: r for r in rows}
    got = {name: by_id[rec["id"]]["state"] for name, rec in made.items()}
    assert got == {
        "in-time": "acknowledged",
        "late": "late",
        "missing": "unacknowledged",
        "offline": "not_synced",
        "fresh": "waiting",
    }
    first = by_id[made["in-time"]["id"]]
    assert (first["acknowledged_by"], first["minutes"], first["disputed"], first["open_items"]) == (
        "guard-l2", "12", "k1", "2",
    )  # fmt: skip
    assert by_id[made["late"]["id"]]["minutes"] == "40"
    page = browser.get("/dashboard/lanyuan/handovers").get_data(as_text=True)
    assert 'id="count-flagged"' in page and "30 分钟内未确认" in page
    flagged = _csv(browser, "/dashboard/lanyuan/handovers?format=csv&table=handovers&flagged=1")
    assert sorted(r["id"] for r in flagged) == sorted(
        made[n]["id"] for n in ("late", "missing", "offline")
    )
    assert "天台钥匙不在柜里" in page and "guard-l2，08:12（12 分钟）" in page
    assert browser.get("/dashboard/lanyuan/handovers?days=365").status_code == 400

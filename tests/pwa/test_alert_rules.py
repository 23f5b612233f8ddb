"""What is alerted, on SQLite and PostgreSQL, at the frozen Tuesday 10:30 in Shanghai: a slot is
"missed" only once every engineer's phone has synced past its deadline, else "not yet synced"
(and only 2 hours after it); tickets and exceptions past a deadline; readings out of range; the
digest at the end of the day shift. Looking again finds the same alerts, and queues none twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import alerts, delivery, desk
from pwa.ops.alerts import Rules
from pwa.store import accounts, db
from pwa.store import alerts as outbox
from pwa.store.db import transaction
from pwa.store.models import tokens
from tests.conftest import make_app
from tests.pwa.alert_support import alert_sop
from tests.pwa.support import PASSWORD, add_people, app_data, record, sign_in, store_unchecked

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
RULES = Rules(lookback=dt.timedelta(hours=24))


@pytest.fixture
def alert_app(database, site_dir, tmp_path):
    app = make_app(database, site_dir, tmp_path, alert_sop(tmp_path))
    app.config["ALERTS_LOOKBACK_HOURS"] = 24
    add_people(app, ("eng-l", "sup-l", "admin"))
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(
            conn, accounts.hasher(1024, 1), "eng-2", PASSWORD, ["engineer"], ["lanyuan"]
        )
    yield app
    app.extensions["dutybook.engine"].dispose()


def last_sync(app, device: str, local: str) -> None:
    """The device's last contact with the server, as the sync API would have written it."""
    moment = dt.datetime.fromisoformat(local).astimezone(dt.UTC).replace(tzinfo=None)
    with app.extensions["dutybook.engine"].begin() as conn:
        conn.execute(update(tokens).where(tokens.c.device_id == device).values(last_used_at=moment))


def found(app) -> list[alerts.Alert]:
    with app.app_context():
        raw = current_bundle().raw
        with app.extensions["dutybook.engine"].connect() as conn:
            return alerts.due_alerts(conn, raw, dt.datetime.now(dt.UTC), RULES)


def about(items) -> list[str]:
    return sorted(a.about for a in items)


def test_missed_only_when_every_phone_has_synced_past_it(alert_app):
    # no phone of the site seen yet: nothing has synced past a deadline, nothing is confirmed
    assert [a for a in found(alert_app) if a.kind in ("missed", "not_synced")] == []
    client = alert_app.test_client()
    sign_in(client, "eng-l", "dev-1")
    sign_in(client, "eng-2", "dev-2")
    last_sync(alert_app, "dev-1", "2026-06-09T10:00:00+08:00")
    # dev-2 last synced yesterday evening: after the morning slot's noon deadline, before
    # the afternoon slot's midnight one
    last_sync(alert_app, "dev-2", "2026-06-08T20:00:00+08:00")
    first = [a for a in found(alert_app) if a.kind in ("missed", "not_synced")]
    assert about(first) == [
        "missed|lanyuan|CHK-PUMP-ROOM|2026-06-08T04:00",
        "not_synced|lanyuan|CHK-PUMP-ROOM|2026-06-08T16:00",
    ]
    missed, waiting = sorted(first, key=lambda a: a.kind)
    assert missed.title == "【确认漏做】兰苑小区 · 水泵房巡检记录"
    assert missed.lines[0] == "06-08 00:00 起的第 1 次应在 06-08 12:00 前完成，没有记录。"
    assert waiting.title == "【待同步】兰苑小区 · 水泵房巡检记录"
    assert waiting.lines[1] == (
        "还有设备没有同步：dev-2（最后同步 06-08 20:00）。记录可能还在手机上，不一定是漏做。"
    )
    # dev-2 comes back online with nothing for that slot: now it is a confirmed miss
    last_sync(alert_app, "dev-2", "2026-06-09T10:20:00+08:00")
    assert about(a for a in found(alert_app) if a.kind in ("missed", "not_synced")) == [
        "missed|lanyuan|CHK-PUMP-ROOM|2026-06-08T04:00",
        "missed|lanyuan|CHK-PUMP-ROOM|2026-06-08T16:00",
    ]


def test_not_yet_synced_waits_two_hours(alert_app, fixed_clock):
    client = alert_app.test_client()
    sign_in(client, "eng-l", "dev-1")
    last_sync(alert_app, "dev-1", "2026-06-09T11:50:00+08:00")
    # 13:30: the noon slot is 1 h 30 past its deadline, dev-1 not seen since 11:50
    fixed_clock.move_to(dt.datetime(2026, 6, 9, 13, 30, tzinfo=SHANGHAI))
    assert [a.about for a in found(alert_app) if a.period == "2026-06-09T04:00"] == []
    fixed_clock.move_to(dt.datetime(2026, 6, 9, 14, 5, tzinfo=SHANGHAI))
    assert [a.about for a in found(alert_app) if a.period == "2026-06-09T04:00"] == [
        "not_synced|lanyuan|CHK-PUMP-ROOM|2026-06-09T04:00"
    ]


def test_a_run_done_is_not_missed_and_a_reading_out_of_range_is_alerted(alert_app):
    client = alert_app.test_client()
    token = sign_in(client, "eng-l", "dev-1")
    data = app_data("checklist_run")
    data["items"] = {"inlet-pressure": {"value": 0.9}, "leaks": {"value": True}}
    at = "2026-06-08T09:00:00+08:00"
    rec = record(recorded_at=at, data={**data, "started_at": at, "finished_at": at})
    response = client.post(
        "/api/v1/records", json={"records": [rec]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.get_json()["results"][0]["status"] == "created"
    got = found(alert_app)
    assert [a.about for a in got if a.kind == "missed"] == [
        "missed|lanyuan|CHK-PUMP-ROOM|2026-06-08T16:00"
    ]
    [reading] = [a for a in got if a.kind == "out_of_range"]
    assert reading.about == f"out_of_range|lanyuan|{rec['id']}|inlet-pressure"
    assert reading.lines == (
        "进水压力：0.9 MPa，正常范围 0.15–0.45 MPa。",
        "eng-l 06-08 09:00 记录。请按检查表的处置要求处理并报告当班主管。",
    )


def test_tickets_and_exceptions_past_their_deadlines(alert_app):
    with alert_app.app_context(), db.writing() as conn:
        call = desk.Report(
            "lanyuan", "repair-normal", "3-1-502", "张", "13800138000", "漏水", "phone"
        )
        _, number, _ = desk.report(conn, current_bundle().desk, call, actor="m", user_id=None,
                                   now=utcnow() - dt.timedelta(minutes=40))  # fmt: skip
    opened = (dt.datetime.now(SHANGHAI) - dt.timedelta(hours=25)).replace(microsecond=0)
    exc = record(type="exception", recorded_at=opened.isoformat(),
                 data=app_data("exception", opened.isoformat()))  # fmt: skip
    store_unchecked(alert_app, "eng-l", [exc])
    late = {a.about: a for a in found(alert_app) if a.kind in ("ticket_late", "exception_late")}
    respond = f"ticket_late|lanyuan|{number}:respond|2026-06-09T02:05"
    assert sorted(late) == sorted([
        respond,
        f"ticket_late|lanyuan|{number}:on_site|2026-06-09T02:20",
        f"exception_late|lanyuan|{exc['id']}:close|2026-06-09T01:30",
    ])  # fmt: skip
    assert late[respond].title == f"【工单超时】兰苑小区 · {number}"
    assert late[respond].lines[1] == "响应时限 06-09 10:05 已过 25 分钟，现在待派单，尚无人接单"
    assert late[f"exception_late|lanyuan|{exc['id']}:close|2026-06-09T01:30"].lines[1] == (
        "处理完毕时限 06-09 09:30 已过 1 小时，现在待处理。"
    )


def test_the_day_shift_digest_goes_when_it_ends(alert_app, fixed_clock):
    fixed_clock.move_to(dt.datetime(2026, 6, 9, 19, 55, tzinfo=SHANGHAI))
    assert [a for a in found(alert_app) if a.kind == "digest" and a.shift == "day"] == []
    fixed_clock.move_to(dt.datetime(2026, 6, 9, 20, 5, tzinfo=SHANGHAI))
    [digest] = [a for a in found(alert_app) if a.kind == "digest" and a.shift == "day"]
    assert digest.about == "digest|lanyuan|day|2026-06-09T00:00"
    assert digest.title == "【交班汇总】兰苑小区 · 白班"
    assert digest.lines[0] == "06-09 08:00 – 06-09 20:00"
    # the routes: WeCom takes every kind (none named), so the office shift's (ended 17:30)
    # too; DingTalk no digest; e-mail only the day shift's
    with alert_app.app_context():
        rows = delivery.rows_for(found(alert_app), current_bundle().raw, utcnow())
    assert sorted(
        (r["channel"], r["target"], r["about"]) for r in rows if r["kind"] == "digest"
    ) == [
        ("email", "lead@example.com, night@example.com", "digest|lanyuan|day|2026-06-09T00:00"),
        ("wecom", "T_LY_WECOM", "digest|lanyuan|day|2026-06-09T00:00"),
        ("wecom", "T_LY_WECOM", "digest|lanyuan|office|2026-06-09T00:30"),
    ]


def test_looking_again_queues_nothing_twice(alert_app):
    client = alert_app.test_client()
    sign_in(client, "eng-l", "dev-1")
    last_sync(alert_app, "dev-1", "2026-06-09T10:00:00+08:00")
    engine = alert_app.extensions["dutybook.engine"]
    with alert_app.app_context():
        raw = current_bundle().raw
    queued = []
    for _ in range(3):
        rows = delivery.rows_for(found(alert_app), raw, utcnow())
        with transaction(engine) as conn:
            queued.append(outbox.enqueue(conn, rows))
    # two missed slots, to the WeCom and the DingTalk robot each, and the night shift's digest
    # (it ended at 08:00) to WeCom
    assert queued == [5, 0, 0]
    with engine.connect() as conn:
        assert outbox.counts(conn) == {"pending": 5, "sent": 0, "failed": 0, "retried": 0}

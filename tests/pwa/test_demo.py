"""`dutybook demo`: the week before a frozen now written into a fresh install through the app's
own record path, on both stores: every page shows it truly, the alert rules find what to say,
every record passes the sync's checks again, and a database with real records is refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from generator.cli import main
from pwa.api.definitions import current_bundle
from pwa.api.schemas import FIELDS
from pwa.api.sync import Checker
from pwa.ops import alerts
from pwa.store import accounts
from tests.pwa.scenario import dashboard_client, read_csv, summary
from tests.pwa.support import PASSWORD, bearer, record, store_unchecked

NOW = dt.datetime.fromisoformat("2026-06-09T10:30:00+08:00")
YESTERDAY = "2026-06-08"


def run_demo(app, *args):
    return app.test_cli_runner().invoke(main, ["demo", "--now", NOW.isoformat(), *args])


def words(response) -> str:
    """A page's text as a person reads it: tags dropped, spaces squeezed."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def rows_by_id(response) -> dict[str, list[dict[str, str]]]:
    header, *rows = read_csv(response)
    found: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        found.setdefault(row[0], []).append(dict(zip(header, row, strict=True)))
    return found


def add_boss(app) -> None:
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(
            conn, accounts.hasher(1024, 1), "boss", PASSWORD, ["admin"], ["lanyuan", "jinxiu"]
        )


@pytest.fixture
def demo_week(demo_app):
    result = run_demo(demo_app)
    assert result.exit_code == 0, result.output
    add_boss(demo_app)
    return demo_app, result.output


def test_demo_writes_the_week_through_the_syncs_checks(demo_week):
    app, output = demo_week
    assert "writing the demo week, 2026-06-02T10:30+08:00 to 2026-06-09T10:30+08:00" in output
    assert "  2026-06-05: " in output  # progress, day by day
    assert "added demo account demo-guard2 (guard)" in output
    written = re.search(r"demo week written: (\d+) records \((.*)\)", output)
    assert written and int(written.group(1)) > 300
    for kind in ("checklist_run", "patrol_round", "exception", "drill", "handover",
                 "handover_ack", "ticket_event"):  # fmt: skip
        assert f" {kind}" in written.group(2)
    # run again: the week is there, nothing added
    again = run_demo(app)
    assert again.exit_code == 0, again.output
    assert "the demo week is already there; nothing added" in again.output
    assert "demo week written" not in again.output
    # every record it wrote reads back through the records API and passes the sync's checks
    client = app.test_client()
    with app.extensions["dutybook.engine"].begin() as conn:
        token, _ = accounts.issue_token(conn, accounts.user_id_of(conn, "boss"), "desk", 1)
    read, since = [], None
    while True:
        query = "?limit=500" + (f"&since={since}" if since else "")
        page = client.get(f"/api/v1/records{query}", headers=bearer(token))
        assert page.status_code == 200
        body = page.get_json()
        read += body["records"]
        if not body["records"]:
            break
        since = body["next"]
    assert len(read) == int(re.search(r"demo week written: (\d+)", output).group(1))
    assert all(r["device_id"].startswith("demo-") for r in read)

    # a phone online syncs within minutes; what went up late the server flagged, as it would
    def lag(rec) -> dt.timedelta:
        return dt.datetime.fromisoformat(rec["received_at"]) - dt.datetime.fromisoformat(
            rec["recorded_at"]
        )

    late = [r for r in read if lag(r) > dt.timedelta(minutes=10)]
    assert late and {r["type"] for r in late} == {"checklist_run"}
    assert all(r["flags"] == ["clock"] for r in late)
    assert not [r for r in read if r["flags"] and r not in late]
    with app.test_request_context():
        bundle = current_bundle()
        with app.extensions["dutybook.engine"].connect() as conn:
            people = {u.username: u for u in accounts.list_users(conn)}
        checkers = {name: Checker(user, bundle) for name, user in people.items()}
        for rec in read:
            checker = checkers[rec["user"]]  # as its author pushed it
            row = checker.check({name: rec[name] for name in FIELDS})
            checker.judge(row)  # raises Rejected for anything the sync would refuse


def test_the_dashboard_shows_the_demo_week(demo_week):
    app, _ = demo_week
    client, _ = dashboard_client(app, "boss")
    # yesterday's day round at jinxiu: one started late, one missed (every guard phone synced)
    patrols = rows_by_id(
        client.get(f"/dashboard/jinxiu/?date={YESTERDAY}&format=csv&table=patrols")
    )
    day_round = patrols["PTL-JX-OUT-DAY"][0]
    assert (day_round["done"], day_round["missed"], day_round["late_rounds"]) == ("2", "1", "1")
    # each run counts in the period it was made for: no shift or day done more than it asks
    for site in ("lanyuan", "jinxiu"):
        for table in ("patrols", "checklists"):
            query = f"/dashboard/{site}/?date={YESTERDAY}&format=csv&table={table}"
            for row in sum(rows_by_id(client.get(query)).values(), []):
                assert int(row["done"]) <= int(row["required"]), row
    page = words(client.get(f"/dashboard/jinxiu/?date={YESTERDAY}"))
    assert "开始过晚" in page and "demo-guard2 + " in page  # the night round's second guard
    # the garage cleaner's phone has not synced since yesterday afternoon: its work is pending
    devices = rows_by_id(client.get("/dashboard/jinxiu/?format=csv&table=devices"))
    assert devices["demo-cleaner-jinxiu"][0]["last_sync"].startswith("2026-06-08 17:")
    assert devices["demo-guard-jinxiu"][0]["last_sync"].startswith("2026-06-09 10:2")
    today = client.get("/dashboard/jinxiu/").get_data(as_text=True)
    assert int(summary(today)["pending"]) >= 1
    checklists = rows_by_id(client.get("/dashboard/jinxiu/?format=csv&table=checklists"))
    assert checklists["CHK-JX-GARAGE"][0]["done"] == "0"
    # exceptions: one open past its deadline, one verified
    listed = words(client.get("/dashboard/jinxiu/exceptions"))
    assert "B2 集水坑水位偏高" in listed and "秋千链条松脱" in listed
    overdue = words(client.get("/dashboard/jinxiu/exceptions?overdue=1"))
    assert "B2 集水坑水位偏高" in overdue and "秋千链条松脱" not in overdue
    # the drill is a drill: on the drills page, never among the exceptions and incidents
    drills = words(client.get("/dashboard/lanyuan/drills"))
    assert "模拟 3 栋电梯停在 5、6 层之间" in drills
    assert "模拟 3 栋电梯" not in words(client.get("/dashboard/lanyuan/exceptions?days=all"))
    # handovers: acknowledged, one late, one never
    handovers = words(client.get("/dashboard/lanyuan/handovers"))
    assert "30 分钟内未确认 2" in handovers and "⚠ 未确认" in handovers
    assert "（47 分钟） ⚠ 确认超过 30 分钟" in handovers
    # the desk: one not yet dispatched and late to respond, one on site
    desk = words(client.get("/dashboard/lanyuan/desk"))
    assert "想问一下下个月电梯维保停梯的时间 待派单 响应 ⚠ 超时" in desk
    assert "阳台推拉门滑轮坏了，推不动 处理中 → demo-engineer" in desk
    # closed ones: rated and called back; the urgent one reached late
    rated = words(client.get("/dashboard/lanyuan/desk/LY-20260606-001"))
    assert "满意" in rated and "已办结" in rated
    urgent = words(client.get("/dashboard/lanyuan/desk/LY-20260607-001"))
    assert "紧急维修" in urgent and "超时" in urgent
    month = words(client.get("/dashboard/lanyuan/desk/month?month=2026-06"))
    assert "LY-20260606-001" in month or "回访" in month
    assert client.get("/dashboard/admin/alerts").status_code == 200


def test_the_alert_rules_find_the_demo_weeks_trouble(demo_week):
    app, _ = demo_week
    with app.app_context():
        raw = current_bundle().raw
    kinds = ["missed", "not_synced", "ticket_late", "exception_late", "out_of_range", "digest"]
    routed = {
        **raw,
        "site": {
            **raw["site"],
            "properties": [
                {**p, "alerts": [{"channel": "wecom", "url_env": "X", "kinds": kinds}]}
                for p in raw["site"]["properties"]
            ],
        },
    }
    with app.extensions["dutybook.engine"].connect() as conn:
        found = alerts.due_alerts(conn, routed, NOW, alerts.Rules())
    said = {(a.kind, a.site) for a in found}
    assert ("missed", "jinxiu") in said
    assert ("not_synced", "jinxiu") in said  # the garage cleaner's phone
    assert ("ticket_late", "lanyuan") in said  # the enquiry nobody has answered
    assert ("exception_late", "jinxiu") in said  # the garage sump, open two days


def test_demo_refuses_a_database_with_real_records(demo_app):
    add_boss(demo_app)
    store_unchecked(demo_app, "boss", [record(device_id="phone-of-li")])
    result = run_demo(demo_app)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        "Error: refusing to write the demo week: this database holds 1 records from real "
        "devices. The demo is for a fresh install; point DUTYBOOK_DATABASE_URL at an empty "
        "database."
    )

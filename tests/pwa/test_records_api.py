"""Reading records through the API: the cursor-paged read while phones push, an admin's export
in JSON lines and CSV, and the site's day a phone pulls."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import threading
import time

import orjson
import pytest

from pwa.store import accounts
from tests.pwa.support import (
    PASSWORD,
    add_people,
    app_data,
    assert_error,
    bearer,
    now_iso,
    record,
    settled,
    sign_in,
    store_unchecked,
)

SHA = "ab" * 32


def _push(client, token: str, recs: list[dict]) -> list[str]:
    response = client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["status"] for r in response.get_json()["results"]]


def _page(client, headers: dict, since: str | None, limit: int, site: str = "lanyuan") -> dict:
    query = f"/api/v1/records?site={site}&limit={limit}" + (f"&since={since}" if since else "")
    settled(client.application)
    response = client.get(query, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _read_on(client, headers: dict, since: str | None, limit: int = 7) -> tuple[list, str | None]:
    """Page from `since` until a page comes back short: the records and the last `next`."""
    got = []
    while True:
        body = _page(client, headers, since, limit)
        got += body["records"]
        since = body["next"]
        if len(body["records"]) < limit:
            return got, since


def test_pages_through_everything_with_next(app, client, engineer):
    pushed = [record(seq=n) for n in range(5)]
    assert (
        _push(client, engineer, pushed[:3]) + _push(client, engineer, pushed[3:]) == ["created"] * 5
    )
    sup = bearer(sign_in(client, "sup-l"))
    first = _page(client, sup, None, 2)
    assert [r["id"] for r in first["records"]] == sorted(r["id"] for r in pushed[:3])[:2]
    got, last = _read_on(client, sup, first["next"], 2)
    order = sorted(r["id"] for r in pushed[:3]) + sorted(r["id"] for r in pushed[3:])
    assert [r["id"] for r in first["records"] + got] == order
    assert got[-1]["user"] == "eng-l" and got[-1]["data"] == pushed[4]["data"]
    # caught up: the same cursor reads nothing now, and what is pushed later next time
    assert _page(client, sup, last, 2) == {"records": [], "next": last}
    later = record(seq=9)
    _push(client, engineer, [later])
    assert [r["id"] for r in _page(client, sup, last, 2)["records"]] == [later["id"]]
    assert _page(client, bearer(sign_in(client, "admin")), None, 10, "jinxiu")["records"] == []


@pytest.mark.parametrize(
    "since", ["x", "12", "12.", ".abc", "1.abc;drop", "1" * 19 + ".a", "1." + "a" * 37]
)
def test_a_cursor_not_given_by_the_server_is_refused(app, client, engineer, since):
    sup = bearer(sign_in(client, "sup-l"))
    assert_error(
        client.get("/api/v1/records", query_string={"since": since}, headers=sup),
        400,
        "since must be the `next` of an earlier page.",
        [{"loc": ["query", "since"], "msg": "not a cursor"}],
    )


def test_no_record_skipped_or_repeated_while_phones_push(app, engineer):
    """Four phones push batches through the API while a supervisor pages, seven at a time."""
    phones, batches = 4, 8
    pushed: list[str] = []
    lock = threading.Lock()
    done = threading.Event()
    failures: list[BaseException] = []

    def phone(n: int) -> None:
        try:
            client = app.test_client()
            token = sign_in(client, "eng-l", f"phone-{n}")
            for b in range(batches):
                recs = [record(device_id=f"phone-{n}", seq=b * 10 + i) for i in range(1 + b % 4)]
                assert set(_push(client, token, recs)) == {"created"}
                with lock:
                    pushed.extend(r["id"] for r in recs)
        except BaseException as exc:  # the main thread reports it
            failures.append(exc)

    reader = app.test_client()
    sup = bearer(sign_in(reader, "sup-l", "desk"))
    threads = [threading.Thread(target=phone, args=(n,)) for n in range(phones)]
    for thread in threads:
        thread.start()
    seen, since = [], None

    def wait_for_phones() -> None:
        for thread in threads:
            thread.join()
        done.set()

    waiter = threading.Thread(target=wait_for_phones)
    waiter.start()
    while not done.is_set():
        more, since = _read_on(reader, sup, since)
        seen += more
    waiter.join()
    assert failures == []
    deadline = time.monotonic() + 10
    while len(seen) < len(pushed) and time.monotonic() < deadline:
        more, since = _read_on(reader, sup, since)
        seen += more
    ids = [r["id"] for r in seen]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(pushed)


def _export(client, headers, query: str):
    settled(client.application)
    response = client.get(f"/api/v1/records/export?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.is_streamed
    return response


def test_an_admin_exports_every_record_streamed_with_photo_links(app, client, engineer):
    exc = {**app_data("exception"), "note": "=cmd|' /C calc'!A0", "photos": [SHA]}
    recs = [record(type="exception", def_id="ENG-REPAIR", def_version="1.1", data=exc),
            record(seq=2)]  # fmt: skip
    assert _push(client, engineer, recs) == ["created", "created"]
    _push(client, sign_in(client, "guard-j"),
          [record(type="patrol_round", def_id="PTL-JX-OUT-NIGHT", site="jinxiu")])  # fmt: skip
    admin = bearer(sign_in(client, "admin"))
    response = _export(client, admin, "format=jsonl&site=lanyuan")
    assert response.mimetype == "application/x-ndjson"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="records-')
    lines = [orjson.loads(line) for line in response.get_data().splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(r["id"] for r in recs)
    by_id = {line["id"]: line for line in lines}
    assert by_id[recs[0]["id"]]["photos"] == [f"/api/v1/blobs/{SHA}"]
    assert by_id[recs[0]["id"]]["data"] == exc
    assert by_id[recs[1]["id"]]["photos"] == []
    assert len(_export(client, admin, "").get_data().splitlines()) == 3

    text = _export(client, admin, "format=csv&site=lanyuan").get_data().decode()
    assert text.startswith("\ufeffid,type,def_id,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    row = next(r for r in rows if r["id"] == recs[0]["id"])
    assert (row["user"], row["photos"], row["site"]) == ("eng-l", f"/api/v1/blobs/{SHA}", "lanyuan")
    # user text never becomes a spreadsheet formula; the JSON cell is the data as sent
    assert json.loads(row["data"])["note"] == exc["note"]
    assert not row["data"].startswith("=")
    assert len(rows) == 2


def test_export_is_for_admins_and_says_its_formats(app, client, engineer):
    assert_error(
        client.get("/api/v1/records/export", headers=bearer(sign_in(client, "sup-l"))),
        403,
        "This needs one of the roles: admin.",
        [],
    )
    assert_error(
        client.get("/api/v1/records/export?format=xml", headers=bearer(sign_in(client, "admin"))),
        400,
        "format must be jsonl or csv.",
        [{"loc": ["query", "format"], "msg": "one of: jsonl, csv"}],
    )


# --- the site's day ------------------------------------------------------------------------------


def _day(client, token: str, site: str) -> dict:
    response = client.get(f"/api/v1/site-day?site={site}", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _second_engineer(app) -> None:
    with app.extensions["dutybook.engine"].begin() as conn:
        ph = accounts.hasher(1024, 1)
        accounts.add_user(conn, ph, "eng-l2", PASSWORD, ["engineer"], ["lanyuan"])


def test_the_site_day_is_the_current_periods_runs_by_everyone(app, client, engineer, fixed_clock):
    """10:30 in Shanghai: a daily checklist's period began at midnight, a patrol's at 08:00."""
    _second_engineer(app)
    today = record()
    ack = record(type="ack", def_id="ENG-REPAIR", def_version="1.1", seq=2)
    assert _push(client, engineer, [today, ack]) == ["created", "created"]
    yesterday = record(recorded_at=now_iso(delta=dt.timedelta(days=-1)), seq=3)
    store_unchecked(app, "eng-l", [yesterday])
    colleague = sign_in(client, "eng-l2")
    day = _day(client, colleague, "lanyuan")
    assert day["from"] == {"CHK-PUMP-ROOM": "2026-06-08T16:00:00Z"}
    run = {"id": today["id"], "type": "checklist_run", "def_id": "CHK-PUMP-ROOM", "user": "eng-l"}
    assert [{k: r[k] for k in run} for r in day["runs"]] == [run]
    assert day["runs"][0]["recorded_at"].startswith("2026-06-09T02:3")
    # a guard sees no engineer's checklist; a supervisor sees every document of the site
    assert _day(client, sign_in(client, "guard-l"), "lanyuan")["runs"] == []
    assert len(_day(client, sign_in(client, "sup-l"), "lanyuan")["runs"]) == 1

    # the night shift's phone still sees the day's checklist done: its period is the day
    fixed_clock.move_to(dt.datetime.fromisoformat("2026-06-09T21:00:00+08:00"))
    night = sign_in(client, "eng-l2", "night-phone")
    assert [r["id"] for r in _day(client, night, "lanyuan")["runs"]] == [today["id"]]
    fixed_clock.move_to(dt.datetime.fromisoformat("2026-06-10T00:20:00+08:00"))
    after_midnight = sign_in(client, "eng-l2", "night-phone")
    assert _day(client, after_midnight, "lanyuan")["runs"] == []


def test_a_patrol_round_counts_for_its_shift_only(app, client, fixed_clock):
    add_people(app)
    guard = sign_in(client, "guard-j")
    data = {**app_data("patrol_round"), "missed": ["JX-CP-02", "JX-CP-03"], "shift": "day"}
    walked = record(type="patrol_round", def_id="PTL-JX-NIGHT", site="jinxiu", data=data)
    assert _push(client, guard, [walked]) == ["created"]
    day = _day(client, guard, "jinxiu")
    assert day["from"] == {"PTL-JX-NIGHT": "2026-06-09T00:00:00Z"}
    assert [r["user"] for r in day["runs"]] == ["guard-j"]
    fixed_clock.move_to(dt.datetime.fromisoformat("2026-06-09T20:30:00+08:00"))
    night = _day(client, sign_in(client, "guard-j", "night-phone"), "jinxiu")
    assert night["from"]["PTL-JX-NIGHT"] == "2026-06-09T12:00:00Z"
    assert night["runs"] == []


def test_who_may_read_a_site_day(app, client, engineer):
    assert_error(
        client.get("/api/v1/site-day?site=jinxiu", headers=bearer(engineer)),
        403,
        "You are not assigned to site 'jinxiu'.",
        [],
    )
    assert_error(
        client.get("/api/v1/site-day", headers=bearer(engineer)),
        400,
        "site is required.",
        [{"loc": ["query", "site"], "msg": "missing"}],
    )
    admin = sign_in(client, "admin")
    assert _day(client, admin, "jinxiu")["runs"] == []
    assert_error(
        client.get("/api/v1/site-day?site=nowhere", headers=bearer(admin)),
        404,
        "No site 'nowhere'.",
        [],
    )
    assert_error(client.get("/api/v1/site-day?site=lanyuan"), 401,
                 "Sign in first: send 'Authorization: Bearer <token>'.", [])  # fmt: skip

"""A record stored past the API with an integer beyond 64 bits in its `data` (the sync refuses
one at push; an older row, or one another tool wrote, may hold it): every reader still answers,
the cursor read, the admin's export in JSON lines and CSV, and the dashboard's pages."""

from __future__ import annotations

import csv
import io
import json

from tests.pwa.scenario import dashboard_client
from tests.pwa.support import (
    add_people,
    app_data,
    bearer,
    record,
    settled,
    sign_in,
    store_unchecked,
)

HUGE = 2**70  # 1180591620717411303424: orjson refuses it, JSON has no limit


def _huge_record() -> dict:
    data = app_data("checklist_run")
    data["items"]["inlet-pressure"] = {"value": HUGE}
    data["note_count"] = -HUGE
    return record(data=data)


def test_a_stored_huge_integer_reads_back_everywhere(app, client):
    add_people(app)
    rec = _huge_record()
    other = record(seq=2)
    store_unchecked(app, "eng-l", [rec, other], stdlib_json=True)
    admin = sign_in(client, "admin")
    settled(app)

    # the cursor read: both records, the huge one with its number whole
    page = client.get("/api/v1/records?site=lanyuan", headers=bearer(admin))
    assert page.status_code == 200, page.get_data(as_text=True)
    body = json.loads(page.get_data(as_text=True))
    found = {r["id"]: r for r in body["records"]}
    assert set(found) == {rec["id"], other["id"]}
    assert found[rec["id"]]["data"]["items"]["inlet-pressure"]["value"] == HUGE
    assert found[rec["id"]]["data"]["note_count"] == -HUGE
    assert found[other["id"]]["data"] == other["data"]
    assert body["next"]

    # the export in JSON lines: one line per record, each whole
    lines = client.get("/api/v1/records/export?format=jsonl", headers=bearer(admin))
    assert lines.status_code == 200
    exported = [json.loads(line) for line in lines.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in exported] == [r["id"] for r in body["records"]]
    by_id = {r["id"]: r for r in exported}
    assert by_id[rec["id"]]["data"]["items"]["inlet-pressure"]["value"] == HUGE

    # and in CSV: the data cell holds the number as written
    table = client.get("/api/v1/records/export?format=csv", headers=bearer(admin))
    assert table.status_code == 200
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    cells = {row["id"]: row["data"] for row in rows}
    assert str(HUGE) in cells[rec["id"]] and json.loads(cells[rec["id"]])["note_count"] == -HUGE

    # the dashboard: the day page, its CSV of problems, the exceptions
    browser, _ = dashboard_client(app, "sup-l")
    day = browser.get("/dashboard/lanyuan/")
    assert day.status_code == 200
    assert browser.get("/dashboard/lanyuan/?format=csv&table=problems").status_code == 200
    assert browser.get("/dashboard/lanyuan/?format=csv&table=checklists").status_code == 200
    assert browser.get("/dashboard/lanyuan/report").status_code == 200
    assert browser.get("/dashboard/lanyuan/range").status_code == 200

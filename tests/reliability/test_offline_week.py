"""A phone offline for a week: thousands of records across app reloads and a handbook update."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import uuid
from collections import Counter

import pytest

from tests.pwa.support import SOP, add_people, bearer, sign_in
from tests.reliability import summary
from tests.reliability.server import RUN, stored

TZ = dt.timezone(dt.timedelta(hours=8))


def _week(
    device: str, count: int, version: str, start_seq: int, first: dt.datetime, days: int
) -> list:
    step = dt.timedelta(days=days) / count
    return [
        {
            "id": str(uuid.uuid4()),
            "type": "checklist_run",
            "def_id": "CHK-PUMP-ROOM",
            "def_version": version,
            "site": "lanyuan",
            "device_id": device,
            "seq": start_seq + i,
            "recorded_at": (first + step * i).replace(microsecond=0).isoformat(),
            "data": {
                **RUN,
                "items": {
                    "inlet-pressure": {"value": 0.3 + i % 5 / 100},
                    "leaks": {"value": i % 97 == 0},
                },
            },
        }
        for i in range(count)
    ]


def offline_week(app, tmp_path, total: int, batch: int) -> dict:
    sop = tmp_path / "sop"
    shutil.copytree(SOP, sop)
    app.config["SOP_DIR"] = str(sop)
    add_people(app, ("eng-l",))
    client = app.test_client()
    token = sign_in(client, "eng-l", "phone")
    # the outbox lives in storage that survives an app reload: here, a file
    outbox_file = tmp_path / "outbox.json"
    week_ago = dt.datetime.now(TZ) - dt.timedelta(days=7, hours=1)
    old = _week("phone", total * 2 // 3, "1.0", 0, week_ago, 5)
    outbox_file.write_text(json.dumps(old))
    statuses: Counter = Counter()
    reloads = 0

    def push(records: list) -> list:
        response = client.post("/api/v1/records", json={"records": records}, headers=bearer(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        results = response.get_json()["results"]
        statuses.update(r["status"] for r in results)
        return results

    # back online: the first batch goes through but the reply is lost in a tunnel
    push(json.loads(outbox_file.read_text())[:batch])
    # meanwhile the handbook was updated to 1.1; the phone learns it on its next sync
    page = sop / "checklists" / "chk-pump-room.yaml"
    page.write_text(page.read_text().replace('version: "1.0"', 'version: "1.1"', 1))
    versions = client.get("/api/v1/definitions", headers=bearer(token)).get_json()
    assert versions["documents"]["CHK-PUMP-ROOM"]["version"] == "1.1"
    newer = _week("phone", total - len(old), "1.1", len(old), week_ago + dt.timedelta(days=5), 2)
    outbox_file.write_text(json.dumps(json.loads(outbox_file.read_text()) + newer))
    while True:
        reloads += 1  # the app is closed and opened again between batches
        outbox = json.loads(outbox_file.read_text())
        if not outbox:
            break
        results = push(outbox[:batch])
        done = {r["id"] for r in results if r["status"] in ("created", "duplicate")}
        assert len(done) == len(results), [r for r in results if r["id"] not in done][:3]
        outbox_file.write_text(json.dumps([r for r in outbox if r["id"] not in done]))
    rows = stored(app.config["DATABASE_URL"])
    made = {r["id"]: r for r in old + newer}
    assert len(rows) == len({r[0] for r in rows}) == total
    assert {r[0] for r in rows} == set(made)
    assert statuses == {"created": total, "duplicate": batch}
    return {
        "records_made": total,
        "records_found": len(rows),
        "batches": sum(statuses.values()) // batch,
        "app_reloads": reloads,
        "statuses": dict(statuses),
        "made_against_older_version": len(old),
    }


def _flags_and_versions(app) -> tuple[Counter, Counter]:
    from sqlalchemy import select

    from pwa.store.models import records

    with app.extensions["dutybook.engine"].connect() as conn:
        rows = conn.execute(select(records.c.def_version, records.c.flags)).all()
    return Counter(r.def_version for r in rows), Counter(r.flags for r in rows)


def test_a_week_offline_arrives_exactly_once(app, tmp_path):
    counts = offline_week(app, tmp_path, total=3000, batch=500)
    versions, flags = _flags_and_versions(app)
    assert versions == {"1.0": 2000, "1.1": 1000}
    # every record is more than ten minutes older than the server clock: kept, flagged
    assert flags == {"clock": 3000}
    assert counts["batches"] == 7
    summary.record("offline_week", app.config["DATABASE_URL"].split(":")[0].split("+")[0], counts)


@pytest.mark.soak
def test_a_month_offline_soak(app, tmp_path):
    counts = offline_week(app, tmp_path, total=30000, batch=1000)
    versions, _ = _flags_and_versions(app)
    assert versions == {"1.0": 20000, "1.1": 10000}
    summary.record("offline_soak", app.config["DATABASE_URL"].split(":")[0].split("+")[0], counts)

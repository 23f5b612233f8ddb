"""A day at lanyuan told through the real API: the fixture the dashboard tests read.

Day D is Tuesday 2026-06-09 (site time, +08:00). The clock is fixed per step so the sync
times, and with them "missed" versus "not yet synced", are exact.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import uuid
from pathlib import Path

from pwa.store import accounts
from tests.conftest import make_app
from tests.pwa.support import PASSWORD, SOP, bearer

TZ = dt.timezone(dt.timedelta(hours=8))
DAY = dt.date(2026, 6, 9)
XSS_NOTE = '<script>alert("x")</script> 水管漏水'
XSS_NAME = "<img src=x onerror=alert(1)>"

EXTRA_SOP = {
    "patrols/ptl-ly-day.yaml": """
kind: patrol
id: PTL-LY-DAY
title: 兰苑白班园区巡逻
version: "1.0"
owner: supervisor
roles: [guard]
effective: 2026-01-01
review_by: 2027-06-30
site: lanyuan
schedule:
  - {every: shift, times: 3, shifts: [day], people: 1}
order: free
time_allowed: 40m
checkpoints:
  - {code: LY-CP-01}
  - {code: LY-CP-02}
  - {code: LY-CP-03}
""",
    "patrols/ptl-ly-night.yaml": """
kind: patrol
id: PTL-LY-NIGHT
title: 兰苑夜间园区巡逻
version: "2.0"
owner: supervisor
roles: [guard]
effective: 2026-01-01
review_by: 2027-06-30
site: lanyuan
schedule:
  - {every: shift, times: 4, shifts: [night], people: 2}
order: strict
time_allowed: 45m
checkpoints:
  - {code: LY-CP-01}
  - {code: LY-CP-12}
  - {code: LY-CP-13}
""",
    "checklists/chk-lobby.yaml": """
kind: checklist
id: CHK-LOBBY
title: 单元门厅日常保洁
version: "1.0"
owner: supervisor
sites: [lanyuan]
roles: [cleaner]
effective: 2026-01-01
review_by: 2027-06-30
areas: [lobby]
schedule: daily
items:
  - {id: floor, text: 地面干净无水渍}
  - {id: glass, text: 玻璃门无手印}
""",
    "checklists/chk-roof.yaml": """
kind: checklist
id: CHK-ROOF
title: 天台检查
version: "1.0"
owner: supervisor
sites: [lanyuan]
roles: [cleaner]
effective: 2026-01-01
review_by: 2027-06-30
areas: [roof]
schedule: weekly
items:
  - {id: door, text: 天台门锁闭}
""",
}

# username: (roles, sites)
PEOPLE = {
    "guard-a": (["guard"], ["lanyuan"]),
    "guard-b": (["guard"], ["lanyuan"]),
    "eng-l": (["engineer"], ["lanyuan"]),
    "cleaner-l": (["cleaner"], ["lanyuan"]),
    "sup-l": (["supervisor"], ["lanyuan"]),
    "sup-j": (["supervisor"], ["jinxiu"]),
    "guard-j": (["guard"], ["jinxiu"]),
    "admin": (["admin"], []),
    XSS_NAME: (["guard"], ["lanyuan"]),
}

# the smallest valid PNG: a 1×1 transparent pixel
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


# what the scenario changes in the test handbook: the pump room is checked at set times, so
# the day page counts its 09:00 slot due by 10:00
EDITS = {
    "checklists/chk-pump-room.yaml": (
        "schedule: {every: day, times: 2}\n",
        'schedule: {every: day, times: 2, at: ["09:00", "21:00"]}\n',
    ),
}


def make_sop(tmp_path: Path) -> Path:
    """The test handbook with the scenario's edits and its lanyuan routes and checklists."""
    target = tmp_path / "sop"
    shutil.copytree(SOP, target)
    for name, (old, new) in EDITS.items():
        text = (target / name).read_text(encoding="utf-8")
        assert old in text, f"{name} no longer says {old!r}"
        (target / name).write_text(text.replace(old, new), encoding="utf-8")
    for name, text in EXTRA_SOP.items():
        (target / name).write_text(text.lstrip(), encoding="utf-8")
    return target


class Clock:
    """One fake 'now' for the server: received_at, token use, workflow events, the dashboard."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 6, 9, 8, 0, tzinfo=TZ)

    def set(self, day: dt.date, clock: str) -> None:
        hours, minutes = (int(x) for x in clock.split(":"))
        self.moment = dt.datetime.combine(day, dt.time(hours, minutes), TZ)

    def aware(self) -> dt.datetime:
        return self.moment.astimezone(dt.UTC)


def install_clock(monkeypatch) -> Clock:
    """Stand the app's one clock (`pwa.clock.now`) at the scenario's moment."""
    clock = Clock()
    monkeypatch.setattr("pwa.clock.now", clock.aware)
    return clock


def add_people(app) -> None:
    ph = accounts.hasher(1024, 1)
    with app.extensions["dutybook.engine"].begin() as conn:
        for name, (roles, sites) in PEOPLE.items():
            accounts.add_user(conn, ph, name, PASSWORD, roles, sites)


def at(day: dt.date, clock: str) -> str:
    hours, minutes = (int(x) for x in clock.split(":"))
    return dt.datetime.combine(day, dt.time(hours, minutes), TZ).isoformat()


class Phone:
    """A device signed in as one person, numbering its records like the app does."""

    def __init__(self, client, username: str, device: str) -> None:
        response = client.post(
            "/api/v1/session",
            json={"username": username, "password": PASSWORD, "device_id": device},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        self.client, self.device, self.username = client, device, username
        self.headers = bearer(response.get_json()["token"])
        self.seq = 0
        self.outbox: list[dict] = []

    def make(
        self, type_: str, def_id: str, version: str, recorded: str, data: dict, site="lanyuan"
    ):
        self.seq += 1
        rec = {
            "id": str(uuid.uuid4()),
            "type": type_,
            "def_id": def_id,
            "def_version": version,
            "site": site,
            "device_id": self.device,
            "seq": self.seq,
            "recorded_at": recorded,
            "data": data,
        }
        self.outbox.append(rec)
        return rec

    def sync(self) -> list[dict]:
        if not self.outbox:
            # a device with nothing to send still calls in: the token's use is its sync
            assert self.client.get("/api/v1/definitions", headers=self.headers).status_code == 200
            return []
        response = self.client.post(
            "/api/v1/records", json={"records": self.outbox}, headers=self.headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        results = response.get_json()["results"]
        assert {r["status"] for r in results} == {"created"}, results
        self.outbox = []
        return results

    def photo(self, data: bytes = PNG) -> str:
        sha = hashlib.sha256(data).hexdigest()
        response = self.client.put(
            f"/api/v1/blobs/{sha}", data=data, headers={**self.headers, "Content-Type": "image/png"}
        )
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return sha


# the stops of each route as the scenario's rounds name them (cp1, cp2, cp3), and the code the
# guard scans there: the night route's gate still carries its old poster, LY-CP-11, which the
# app records as LY-CP-01 (its site checkpoint replaces it)
DAY_STOPS = {"cp1": ("LY-CP-01", "LY-CP-01"), "cp2": ("LY-CP-02",) * 2, "cp3": ("LY-CP-03",) * 2}
NIGHT_STOPS = {"cp1": ("LY-CP-01", "LY-CP-11"), "cp2": ("LY-CP-12",) * 2, "cp3": ("LY-CP-13",) * 2}


def _scans(stops: dict, scans: list[tuple[str, str]], when) -> dict:
    return {
        "scans": [
            {"code": stops[cp][1], "at": when(c), "checkpoint": stops[cp][0], "flag": None}
            for cp, c in scans
        ],
        "missed": [code for cp, (code, _) in stops.items() if cp not in {s for s, _ in scans}],
    }


def night_round(day: dt.date, start: str, scans: list[tuple[str, str]], second: str | None) -> dict:
    """A night round: started at `start` (day or the next morning), scans (checkpoint, clock)."""

    def when(clock: str) -> str:
        return at(day if clock >= "12:00" else day + dt.timedelta(days=1), clock)

    return {
        "started_at": when(start),
        "finished_at": when(scans[-1][1]),
        "elapsed_s": 2400,
        "order": "strict",
        "people": 2,
        "second_person": second,
        **_scans(NIGHT_STOPS, scans, when),
        "complete": len(scans) == 3,
        "shift": "night",
    }


def day_round(day: dt.date, start: str, scans: list[tuple[str, str]]) -> dict:
    return {
        "started_at": at(day, start),
        "finished_at": at(day, scans[-1][1]),
        "elapsed_s": 1800,
        "order": "free",
        "people": 1,
        "second_person": None,
        **_scans(DAY_STOPS, scans, lambda clock: at(day, clock)),
        "complete": len(scans) == 3,
        "shift": "day",
    }


def pump_run(day: dt.date, clock: str, inlet: float, leaks: bool) -> dict:
    return {
        "started_at": at(day, clock),
        "finished_at": at(day, clock),
        "shift": "day",
        "items": {
            "inlet-pressure": {"value": inlet},
            "outlet-pressure": {"value": 0.5},
            "leaks": {"value": leaks},
            "pump-mode": {"value": "自动"},
        },
        "out_of_range": [],
        "failed": [],
    }


class Scenario:
    """Phones and the records they made; `first_sync` then `late_batch` as the tests need."""

    def __init__(self, client, clock: Clock) -> None:
        self.client, self.clock = client, clock
        # its phones sign in once and sync over several days of the scenario's clock
        client.application.config["TOKEN_HOURS"] = 24 * 14
        clock.set(DAY, "07:50")
        self.day_phone = Phone(client, "guard-a", "ph-day")
        self.night_phone = Phone(client, "guard-b", "ph-night")
        self.eng_phone = Phone(client, "eng-l", "ph-eng")
        self.clean_phone = Phone(client, "cleaner-l", "ph-clean")
        self.jx_phone = Phone(client, "guard-j", "ph-jx")
        self.ids: dict[str, str] = {}

    def first_sync(self) -> None:
        d, c = DAY, self.clock
        p = self.day_phone
        p.make(
            "patrol_round",
            "PTL-LY-DAY",
            "1.0",
            at(d, "09:10"),
            day_round(d, "08:30", [("cp1", "08:35"), ("cp2", "08:50"), ("cp3", "09:05")]),
        )
        p.make("patrol_round", "PTL-LY-DAY", "1.0", at(d, "13:20"),
               day_round(d, "12:40", [("cp1", "12:45"), ("cp2", "13:15")]))  # fmt: skip
        n = self.night_phone
        n.make("patrol_round", "PTL-LY-NIGHT", "2.0", at(d, "20:50"),
               night_round(d, "20:05", [("cp1", "20:10"), ("cp2", "20:25"), ("cp3", "20:45")],
                           "李四"))  # fmt: skip
        e = self.eng_phone
        e.make(
            "checklist_run",
            "CHK-PUMP-ROOM",
            "1.0",
            at(d, "09:10"),
            pump_run(d, "09:10", 0.52, False),
        )
        sha = e.photo()
        self.photo = sha
        rec = e.make("exception", "ENG-REPAIR", "1.1", at(d, "14:00"),
                     {"category": "water", "note": XSS_NOTE, "photos": [sha], "item": None,
                      "emergency": None, "started_at": at(d, "13:58")})  # fmt: skip
        self.ids["repair"] = rec["id"]
        rec = e.make("exception", "CHK-PUMP-ROOM", "1.0", at(d, "09:12"),
                     {"category": "damage", "note": "进水压力偏高", "photos": [],
                      "item": "inlet-pressure", "emergency": None,
                      "started_at": at(d, "09:11")})  # fmt: skip
        self.ids["pump"] = rec["id"]
        cl = self.clean_phone
        cl.make("checklist_run", "CHK-LOBBY", "1.0", at(d, "10:00"),
                {"started_at": at(d, "09:50"), "finished_at": at(d, "10:00"), "shift": "day",
                 "items": {"floor": {"value": True}, "glass": {"value": True}},
                 "failed": [], "out_of_range": []})  # fmt: skip
        j = self.jx_phone
        rec = j.make("exception", "PTL-JX-OUT-NIGHT", "1.0", at(d, "21:00"),
                     {"category": "person", "note": "JINXIU-SECRET", "photos": [], "item": None,
                      "emergency": None, "started_at": at(d, "20:59")},
                     site="jinxiu")  # fmt: skip
        self.ids["jinxiu"] = rec["id"]
        c.set(d, "22:00")
        for phone in (p, n, e, cl, j):
            phone.sync()
        # the next morning every phone but the night guard's calls in
        nxt = d + dt.timedelta(days=1)
        c.set(nxt, "08:30")
        rec = p.make("incident", "EMG-ELEVATOR-TRAP", "1.0", at(d, "16:00"),
                     {"started_at": at(d, "15:40"), "ended_at": at(d, "16:00"), "severity": "一般",
                      "actions": [], "calls": [], "fields": {"people": "2"}})  # fmt: skip
        self.ids["incident"] = rec["id"]
        p.make("ack", "PTL-LY-DAY", "1.0", at(nxt, "08:29"),
               {"major": 1, "acknowledged_at": at(nxt, "08:29")})  # fmt: skip
        p.sync()
        c.set(nxt, "08:40")
        e.make("ack", "ENG-REPAIR", "1.0", at(nxt, "08:39"),
               {"major": 1, "acknowledged_at": at(nxt, "08:39")})  # fmt: skip
        e.make(
            "quiz",
            "TRN-EMERGENCY-BASICS",
            "1.0",
            at(nxt, "08:39"),
            {
                "answers": {"trapped-first": [1], "arrive": [1]},
                "score": 50,
                "passed": False,
                "pass_mark": 80,
            },
        )
        e.sync()  # fmt: skip
        c.set(nxt, "08:45")
        cl.make(
            "quiz",
            "TRN-EMERGENCY-BASICS",
            "1.0",
            at(nxt, "08:44"),
            {
                "answers": {"trapped-first": [2], "arrive": [1]},
                "score": 100,
                "passed": True,
                "pass_mark": 80,
            },
        )
        cl.sync()  # fmt: skip

    def late_batch(self) -> None:
        """The night guard's phone comes back online at 10:00 with three more rounds."""
        d, n = DAY, self.night_phone
        nxt = d + dt.timedelta(days=1)
        n.make(
            "patrol_round",
            "PTL-LY-NIGHT",
            "2.0",
            at(d, "23:50"),
            night_round(d, "23:05", [("cp1", "23:10"), ("cp2", "23:25"), ("cp3", "23:45")], "李四"),
        )
        n.make(
            "patrol_round",
            "PTL-LY-NIGHT",
            "2.0",
            at(nxt, "02:55"),
            night_round(d, "02:10", [("cp1", "02:15"), ("cp2", "02:30"), ("cp3", "02:50")], None),
        )
        n.make(
            "patrol_round",
            "PTL-LY-NIGHT",
            "2.0",
            at(nxt, "05:52"),
            night_round(d, "05:00", [("cp1", "05:10"), ("cp2", "05:30"), ("cp3", "05:50")], "李四"),
        )
        n.make("ack", "PTL-LY-NIGHT", "1.0", at(nxt, "06:00"),
               {"major": 1, "acknowledged_at": at(nxt, "06:00")})  # fmt: skip
        self.clock.set(nxt, "10:00")
        n.sync()  # fmt: skip


def dashboard_app(database, site_dir, tmp_path):
    return make_app(database, site_dir, tmp_path, make_sop(tmp_path))


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def dashboard_client(app, username: str):
    """A browser-like client signed in to the dashboard; (client, its CSRF token)."""
    client = app.test_client()
    token = csrf_of(client.get("/dashboard/login").get_data(as_text=True))
    response = client.post(
        "/dashboard/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # signing in starts a new session with a new token; every page carries it
    page = client.get("/dashboard/admin/users" if username == "admin" else "/dashboard/lanyuan/")
    return client, csrf_of(page.get_data(as_text=True))


def read_csv(response) -> list[list[str]]:
    import csv
    import io

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def start_world(app, monkeypatch) -> Scenario:
    """The scenario at the dashboard tests' start: its clock, its people, the first sync."""
    clock = install_clock(monkeypatch)
    add_people(app)
    scenario = Scenario(app.test_client(), clock)
    scenario.first_sync()
    return scenario


def summary(html: str) -> dict[str, str]:
    """The day page's summary figures by name."""
    return dict(re.findall(r'<dd id="sum-([a-z]+)">([^<]*)</dd>', html))

"""handbook.json says once per document what every consumer needs: sites, URL, slot inputs."""

from __future__ import annotations

from pathlib import Path

from generator.bundle import bundle
from generator.loader import load_tree

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "site" / "basic" / "sop"


def test_sites_are_one_list_or_null_for_every_site() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    # a patrol names one site; everything else lists sites or applies everywhere
    assert documents["PTL-JX-NIGHT"]["sites"] == ["jinxiu"]
    assert documents["SEC-GATE"]["sites"] is None
    assert documents["ORG-DEMO"]["sites"] is None
    real = bundle(load_tree(ROOT / "sop"))["documents"]
    for entry in real.values():
        doc = entry["doc"]
        expected = [doc["site"]] if doc.get("site") else doc.get("sites")
        if entry["kind"] == "site":
            expected = None
        assert entry["sites"] == expected


def test_url_without_a_build_is_the_default_directory_url() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    assert documents["CHK-WATER-TANK"]["url"] == "checklists/chk-water-tank/"
    assert documents["EMG-ELEVATOR-TRAP"]["url"] == "emergencies/emg-elevator-trap/"
    assert documents["ORG-DEMO"]["url"] is None
    built = bundle(load_tree(FIXTURE), {"SEC-GATE": "procedures/sec-gate.html"})["documents"]
    assert built["SEC-GATE"]["url"] == "procedures/sec-gate.html"


def test_slots_inputs_for_checklists_and_patrols_only() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    assert documents["CHK-WATER-TANK"]["slots"] == {
        "schedules": [
            {"every": "day", "times": 2, "shifts": ["day"], "at": ["09:00", "15:00"], "people": 1}
        ],
        "time_allowed_minutes": 30,
    }
    assert documents["PTL-JX-NIGHT"]["slots"] == {
        "schedules": [
            {"every": "shift", "times": 4, "shifts": ["night"], "at": [], "people": 2},
            {"every": "shift", "times": 3, "shifts": ["day"], "at": [], "people": 1},
        ],
        "time_allowed_minutes": 45,
    }
    for doc_id in ("EMG-ELEVATOR-TRAP", "SEC-GATE", "TRN-GUARD", "ORG-DEMO"):
        assert documents[doc_id]["slots"] is None


def test_existing_keys_stay() -> None:
    entry = bundle(load_tree(FIXTURE))["documents"]["CHK-WATER-TANK"]
    assert sorted(entry) == [
        "checkpoints",
        "derived",
        "derived_en",
        "doc",
        "hash",
        "kind",
        "sites",
        "slots",
        "title",
        "url",
        "version",
    ]


def test_desk_categories_carry_each_limit_as_written_and_counted() -> None:
    data = bundle(load_tree(FIXTURE))
    desk = data["desk"]
    assert sorted(desk) == ["callback", "categories", "id", "satisfaction_target", "version"]
    assert (desk["id"], desk["version"], desk["satisfaction_target"]) == ("SVC-DESK", "1.0", 90)
    assert desk["callback"] == {
        "share": 50,
        "within": {"duration": "1wd", "minutes": None, "working_days": 1},
    }
    urgent, complaint, praise = desk["categories"]
    assert urgent == {
        "id": "repair-urgent",
        "group": "repair",
        "name": "紧急维修",
        "name_en": "Urgent repair",
        "description": "家里正在漏水，或者突然停电、停水。",
        "dispatch_to": "engineer",
        "respond": {"duration": "5m", "minutes": 5, "working_days": None},
        "on_site": {"duration": "10m", "minutes": 10, "working_days": None},
        "close": {"duration": "24h", "minutes": 1440, "working_days": None},
        "pause_while_waiting": False,
        "resident": True,
        "expect": "维修人员 10 分钟内上门。",
    }
    # working days are counted by the site's calendar, so they are not turned into minutes
    assert complaint["respond"] == {"duration": "48h", "minutes": 2880, "working_days": None}
    assert complaint["close"] == {"duration": "2wd", "minutes": None, "working_days": 2}
    assert complaint["on_site"] is None
    assert complaint["pause_while_waiting"] is True
    assert (praise["respond"], praise["resident"], praise["expect"]) == (None, False, None)


def test_desk_document_entry_has_the_limits_in_words() -> None:
    entry = bundle(load_tree(FIXTURE))["documents"]["SVC-DESK"]
    assert entry["kind"] == "desk"
    assert entry["url"] == "desk/svc-desk/"
    assert entry["sites"] is None and entry["slots"] is None
    assert entry["doc"]["categories"][0]["on_site"] == "10m"
    assert entry["derived"]["categories"]["repair-urgent"] == {
        "respond": "5分钟",
        "on_site": "10分钟",
        "close": "24小时",
    }
    assert entry["derived"]["categories"]["complaint"]["close"] == "2个工作日"
    assert entry["derived_en"]["categories"]["praise"] == {
        "respond": None,
        "on_site": None,
        "close": "5 working days",
    }
    assert entry["derived"]["callback_within"] == "1个工作日"


def test_no_desk_document_gives_a_null_desk(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_bytes((FIXTURE / "site.yaml").read_bytes())
    assert bundle(load_tree(tmp_path))["desk"] is None


def test_site_carries_the_calendar_and_each_property_code() -> None:
    site = bundle(load_tree(FIXTURE))["site"]
    assert [(p["id"], p["code"]) for p in site["properties"]] == [
        ("lanyuan", "LY"),
        ("jinxiu", "JX"),
    ]
    assert site["calendar"] == {
        "working_days": ["mon", "tue", "wed", "thu", "fri"],
        "holidays": ["2026-10-01", "2026-10-02", "2026-10-05"],
        "make_up_days": ["2026-10-10"],
    }
    real = bundle(load_tree(ROOT / "sop"))
    calendar = real["site"]["calendar"]
    assert "2026-02-17" in calendar["holidays"] and "2026-02-14" in calendar["make_up_days"]
    assert len(calendar["make_up_days"]) == 6
    assert real["documents"]["ORG-DEMO"]["doc"]["calendar"] == calendar
    assert {c["id"] for c in real["desk"]["categories"]} >= {
        "repair-urgent",
        "repair-general",
        "repair-simple",
        "complaint-urgent",
        "complaint-general",
        "enquiry",
        "praise",
    }


def test_patrols_carry_their_stops_joined_to_the_site_checkpoints() -> None:
    documents = bundle(load_tree(FIXTURE))["documents"]
    assert documents["PTL-JX-NIGHT"]["checkpoints"][1] == {
        "code": "JX-CP-02",
        "name": "3 栋消防通道",
        "area": "fire-lane",
        "note": None,
        "codes": ["JX-CP-02"],
        "tasks": ["通道无堵塞"],
        "sop": "SEC-GATE#3",
    }
    for doc_id in ("CHK-WATER-TANK", "SEC-GATE", "ORG-DEMO"):
        assert documents[doc_id]["checkpoints"] is None


def test_day_and_night_routes_share_the_power_room_and_its_old_night_code() -> None:
    """sop/: one 配电房 at lanyuan, LY-OD-05; the night route's old poster LY-ON-07 is its."""
    real = bundle(load_tree(ROOT / "sop"))["documents"]

    def power_room(route: str) -> dict:
        return next(c for c in real[route]["checkpoints"] if c["area"] == "power-room")

    day, night = power_room("PTL-LY-OUT-DAY"), power_room("PTL-LY-OUT-NIGHT")
    assert (day["code"], day["name"], day["codes"]) == (
        "LY-OD-05",
        "配电房",
        ["LY-OD-05", "LY-ON-07"],
    )
    assert (night["code"], night["codes"]) == (day["code"], day["codes"])
    # what to check there stays the route's own
    assert "警示标志完好" in day["tasks"] and "室内照明未开启" in night["tasks"]
    assert real["PTL-LY-OUT-NIGHT"]["doc"]["checkpoints"][6] == {
        "code": "LY-OD-05",
        "tasks": ["门窗锁闭", "无异响异味", "室内照明未开启"],
        "sop": "SEC-PATROL#checkpoint",
    }

"""`GET /api/v1/handovers`: what a phone lists at a handover, kept for offline: the sites' recent
handovers with their acknowledgements, unresolved exceptions and open tickets."""

from __future__ import annotations

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk, exceptions_flow
from pwa.store import db
from tests.pwa.duty_support import HANDOVER, ack_data, handover_data
from tests.pwa.support import app_data, bearer, record, sign_in


def _push(client, token: str, recs: list[dict]) -> None:
    body = client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))
    assert {r["status"] for r in body.get_json()["results"]} == {"created"}, body.get_json()


def _sheet(client, token: str) -> dict:
    response = client.get("/api/v1/handovers", headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_the_incoming_guard_sees_the_handover_and_what_is_open_at_the_site(duty):
    client = duty.test_client()
    wang, li, jx = (sign_in(client, n, f"dev-{n}") for n in ("guard-l", "guard-l2", "guard-j"))
    engineer = sign_in(client, "eng-l", "dev-eng")
    handover = record(type="handover", def_id=HANDOVER, data=handover_data(), device_id="booth")
    leak = record(type="exception", def_id="ENG-REPAIR", def_version="1.1",
                  data={**app_data("exception"), "note": "B1 水管渗水"})  # fmt: skip
    fixed = record(type="exception", def_id="ENG-REPAIR", def_version="1.1", seq=2,
                   data={**app_data("exception"), "note": "灯不亮"})  # fmt: skip
    _push(client, wang, [handover])
    _push(client, engineer, [leak, fixed])
    with duty.app_context(), db.writing() as conn:
        exceptions_flow.change(conn, fixed["id"], 1, "open", "resolved", None, "换了灯泡", set())
        call = desk.Report("lanyuan", "repair-normal", "3-1-502", "张先生", "13800138000", "漏水",
                           "phone")  # fmt: skip
        desk.report(conn, current_bundle().desk, call, actor="m", user_id=None, now=utcnow())

    sheet = _sheet(client, li)
    [seen] = sheet["handovers"]
    assert (seen["id"], seen["user"], seen["def_id"], seen["site"]) == (
        handover["id"], "guard-l", HANDOVER, "lanyuan",
    )  # fmt: skip
    assert seen["data"]["items"][0]["text"] == "3 号楼天台钥匙借给维修"
    assert seen["acks"] == []
    lanyuan = sheet["open"]["lanyuan"]
    # the resolved one is no longer open
    assert [(e["id"], e["note"], e["status"]) for e in lanyuan["exceptions"]] == [
        (leak["id"], "B1 水管渗水", "open")
    ]
    [ticket] = lanyuan["tickets"]
    # what the gate needs of a ticket, never the resident's name or number
    assert set(ticket) == {"number", "category_name", "room", "status", "assignee", "created_at"}
    assert (ticket["number"], ticket["room"]) == ("LY-20260609-001", "3-1-502")

    ack = record(type="handover_ack", def_id=HANDOVER, data=ack_data(handover["id"]),
                 device_id="booth", seq=2)  # fmt: skip
    _push(client, li, [ack])
    [seen] = _sheet(client, wang)["handovers"]
    assert [a["user"] for a in seen["acks"]] == ["guard-l2"]
    # another site's guard sees none of it
    assert _sheet(client, jx)["handovers"] == []
    assert set(_sheet(client, jx)["open"]) == {"jinxiu"}

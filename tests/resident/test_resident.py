"""The resident's pages over HTTP, on both databases: report without an account, follow the
private status link, confirm or reopen, rate; abuse refused with a clear page."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from pwa.store.models import blobs, ticket_events, ticket_photos, tickets

FORM = {
    "category": "repair-normal",
    "room": "3-1-502",
    "name": "张女士",
    "phone": "138 0013 8000",
    "description": "厨房水管漏水<script>alert(1)</script>",
}


def jpeg(colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return out.getvalue()


def report(client, site="lanyuan", photos=(), **values):
    form = {**FORM, "report_id": values.pop("report_id", str(uuid.uuid4())), **values}
    data = {**form, "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]}
    return client.post(f"/r/{site}/", data=data, content_type="multipart/form-data")


def status_link(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"].split("?")[0]


def count(app, table) -> int:
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_the_form_lists_what_residents_may_choose_and_what_to_expect(client):
    page = client.get("/r/lanyuan/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "一般维修" in html and "工程维修30分钟内到场，24小时内处理完毕" in html
    assert "员工发现" not in html  # a desk-only category
    assert "<script" not in html  # no script at all: works in any in-app browser
    assert client.get("/r/nowhere/").status_code == 404
    english = client.get("/r/lanyuan/?lang=en").get_data(as_text=True)
    assert "Engineer on site within 30 min" in english


def test_a_report_with_a_photo_gives_a_number_and_a_private_link(app, client):
    photo = jpeg()
    link = status_link(report(client, photos=[photo]))
    assert re.fullmatch(r"/r/t/[0-9a-f]{32}", link)
    page = client.get(link + "?new=1").get_data(as_text=True)
    assert re.search(r"LY-\d{8}-001", page)
    assert "已受理" in page and "&lt;script&gt;" not in page  # the status page shows no description
    sha = hashlib.sha256(photo).hexdigest()
    assert client.get(f"{link}/photos/{sha}").data == photo
    assert client.get(f"{link}/photos/{'0' * 64}").status_code == 404
    with app.extensions["dutybook.engine"].connect() as conn:
        row = conn.execute(select(tickets)).one()
        assert row.phone == "13800138000" and row.source == "resident"
        assert row.description == FORM["description"]  # kept as text; pages escape it
        assert conn.execute(select(ticket_photos.c.sha256)).scalar_one() == sha
        assert conn.execute(select(blobs.c.user_id)).scalar_one() is None


def test_the_same_form_sent_twice_is_one_ticket(app, client):
    report_id = str(uuid.uuid4())
    first = status_link(report(client, report_id=report_id))
    again = status_link(report(client, report_id=report_id))
    assert first == again and count(app, tickets) == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"category": "staff-found"}, "category"),
        ({"category": "nope"}, "category"),
        ({"phone": "call me"}, "phone"),
        ({"room": ""}, "room"),
        ({"description": "x" * 2001}, "description"),
    ],
)
def test_a_bad_report_is_shown_again_with_what_is_wrong(app, client, values, field):
    page = report(client, **values)
    assert page.status_code == 400 and 'role="alert"' in page.get_data(as_text=True)
    assert count(app, tickets) == 0


def test_lying_and_too_many_photos_are_refused(app, client):
    fake = b"MZ\x90\x00" + b"\x00" * 100  # an .exe called p0.jpg
    assert report(client, photos=[fake]).status_code == 400
    assert (
        report(client, photos=[jpeg(c) for c in ("red", "blue", "green", "white")]).status_code
        == 400
    )
    assert count(app, tickets) == 0 and count(app, blobs) == 0


def test_an_oversized_body_is_refused_before_it_is_read(app, client):
    app.config["MAX_BLOB_BYTES"] = 1000
    one_too_big = b"\xff\xd8\xff" + b"\x00" * 5000
    assert report(client, photos=[one_too_big]).status_code == 413
    # the whole body past three photos' worth: refused while the form is read
    body_too_big = b"\xff\xd8\xff" + b"\x00" * 80_000
    refused = report(client, photos=[body_too_big])
    assert refused.status_code == 413 and "照片太大" in refused.get_data(as_text=True)
    assert count(app, tickets) == 0


def test_rate_limits_per_phone_and_per_address(app, client):
    app.config["RESIDENT_MAX_PER_PHONE"] = 2
    for _ in range(2):
        status_link(report(client))
    limited = report(client)
    assert limited.status_code == 429 and "这个手机号" in limited.get_data(as_text=True)
    app.config["RESIDENT_MAX_PER_ADDRESS"] = 3
    status_link(report(client, phone="13900000001"))
    assert report(client, phone="13900000002").status_code == 429
    assert count(app, tickets) == 3


def test_the_status_link_cannot_read_another_ticket(client):
    links = {status_link(report(client, phone=f"1390000{n:04d}")) for n in range(3)}
    assert len(links) == 3
    for _ in range(1000):
        guess = secrets.token_hex(16)
        assert f"/r/t/{guess}" in links or client.get(f"/r/t/{guess}").status_code == 404
    for bad in ("short", "x" * 32, "../../etc/passwd", "0" * 31 + "'"):
        assert client.get(f"/r/t/{bad}").status_code == 404


def test_confirm_and_rate_are_idempotent_events(app, client):
    link = status_link(report(client))
    # the desk and the engineer's phone do their part (here straight through the rules)
    from pwa.api.definitions import current_bundle
    from pwa.clock import utcnow
    from pwa.ops import desk as rules
    from pwa.store import db

    with app.app_context(), db.writing() as conn:
        tid = conn.execute(select(tickets.c.id)).scalar_one()
        now = utcnow()
        d = current_bundle().desk
        for kind, actor, data in [
            ("assigned", "desk", {"to": "eng-l"}),
            ("accepted", "eng-l", {}),
            ("arrived", "eng-l", {}),
            ("finished", "eng-l", {"text": "换了角阀"}),
        ]:
            rules.add(
                conn, d, tid, [rules.NewEvent(str(uuid.uuid4()), kind, now, actor, data)], now
            )
    page = client.get(link).get_data(as_text=True)
    assert "问题解决了吗" in page and "eng-l" not in page  # no staff names
    event_id = re.search(
        r'action="/r/t/[0-9a-f]+/confirm">\s*<input type="hidden" name="event_id" value="([^"]+)"',
        page,
    ).group(1)
    for _ in range(2):  # a double tap
        assert client.post(f"{link}/confirm", data={"event_id": event_id}).status_code == 303
    rate_id = str(uuid.uuid4())
    assert (
        client.post(f"{link}/rate", data={"event_id": rate_id, "rating": "superb"}).status_code
        == 303
    )
    assert (
        client.post(
            f"{link}/rate", data={"event_id": rate_id, "rating": "satisfied", "comment": "很快"}
        ).status_code
        == 303
    )
    page = client.get(link).get_data(as_text=True)
    assert "您已确认解决" in page and "满意" in page
    with app.extensions["dutybook.engine"].connect() as conn:
        kinds = [r.kind for r in conn.execute(select(ticket_events.c.kind))]
        row = conn.execute(select(tickets)).one()
    assert kinds.count("confirmed") == 1 and kinds.count("rated") == 1
    assert row.status == "confirmed" and row.rating == "satisfied"


def test_the_poster_carries_the_report_address(client):
    page = client.get("/r/lanyuan/poster").get_data(as_text=True)
    assert "<svg" in page and "http://localhost/r/lanyuan/" in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [("zh", "请检查：</strong>请先选择满意、基本满意或不满意"), ("en", "Choose Satisfied, Fair")],
)
def test_a_refused_form_says_why_on_the_status_page(client, lang, words):
    link = status_link(report(client))
    query = "?lang=en" if lang == "en" else ""
    for form, data in [("rate", {"rating": "superb"}), ("reopen", {"reason": "漏" * 501})]:
        refused = client.post(f"{link}/{form}{query}", data={"event_id": str(uuid.uuid4()), **data})
        assert refused.status_code == 303 and f"error={form}" in refused.headers["Location"]
        page = client.get(refused.headers["Location"]).get_data(as_text=True)
        assert page.count('role="alert"') == 1, page
        if form == "rate":
            assert words in page
    # the alert comes only from the server's own redirect, never from what a link carries
    for planted in ("<script>", "limited_size", "rated"):
        page = client.get(f"{link}?error={planted}").get_data(as_text=True)
        assert 'role="alert"' not in page and "<script>" not in page
    assert client.get(link).get_data(as_text=True).count('role="alert"') == 0

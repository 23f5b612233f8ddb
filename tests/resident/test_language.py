"""A resident who chose English stays in English: every form and link of the flow, and every
redirect after it, keeps the language, from the report to the rating."""

from __future__ import annotations

import html
import re
import uuid

from sqlalchemy import select

from pwa.store.models import tickets

FORM = {
    "category": "repair-normal",
    "room": "3-1-502",
    "name": "Ms Zhang",
    "phone": "138 0013 8000",
    "description": "The kitchen tap leaks",
}


def english(page) -> str:
    """The page's html after asserting that it is the English page."""
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body
    assert '<html lang="en">' in body, body
    assert not re.search(r"已受理|进度|问题解决了吗|请为这次服务评价|报事报修", body), body
    return body


def action(body: str, ends: str) -> str:
    found = re.search(rf'<form method="post" action="([^"]*{ends}[^"]*)"', body)
    assert found, body
    return html.unescape(found.group(1))


def event_id(body: str, ends: str) -> str:
    form = body[body.index(f'action="{action(body, ends)}"') :]
    return re.search(r'name="event_id" value="([^"]+)"', form).group(1)


def follow(client, response):
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.get(response.headers["Location"])


def desk_steps(app, kinds):
    from pwa.api.definitions import current_bundle
    from pwa.clock import utcnow
    from pwa.ops import desk as rules
    from pwa.store import db

    with app.app_context(), db.writing() as conn:
        tid = conn.execute(select(tickets.c.id)).scalar_one()
        now = utcnow()
        for kind, actor, data in kinds:
            event = rules.NewEvent(str(uuid.uuid4()), kind, now, actor, data)
            rules.add(conn, current_bundle().desk, tid, [event], now)


DONE = [
    ("assigned", "desk", {"to": "eng-l"}),
    ("accepted", "eng-l", {}),
    ("arrived", "eng-l", {}),
    ("finished", "eng-l", {"text": "new valve"}),
]


def test_the_whole_flow_stays_in_english(app, client):
    form_page = english(client.get("/r/lanyuan/?lang=en"))
    assert 'href="?lang=zh"' in form_page  # the switch back is on the page
    assert "What we promise: " in form_page and "：" not in form_page  # English punctuation
    sent = client.post(
        action(form_page, "/r/lanyuan/"),
        data={**FORM, "report_id": re.search(r'name="report_id" value="([^"]+)"', form_page)[1]},
        content_type="multipart/form-data",
    )
    received = english(follow(client, sent))
    assert "We have your report" in received and "Received; we are finding someone" in received
    assert ">中文</a>" in received

    desk_steps(app, DONE)
    status = english(client.get(sent.headers["Location"]))
    assert "Is it fixed?" in status
    reopen = action(status, "/reopen")
    answer = english(
        follow(
            client,
            client.post(reopen, data={"event_id": event_id(status, "/reopen"), "reason": "drips"}),
        )
    )
    assert "Reopened" in answer and "Is it fixed?" not in answer

    desk_steps(app, DONE[1:])
    status = english(client.get(sent.headers["Location"]))
    confirm = action(status, "/confirm")
    answer = english(
        follow(client, client.post(confirm, data={"event_id": event_id(status, "/confirm")}))
    )
    assert "You confirmed it is fixed" in answer and "How did we do?" in answer

    rate = action(answer, "/rate")
    rate_id = event_id(answer, "/rate")
    # a rating sent without a choice comes back to the same English page
    english(follow(client, client.post(rate, data={"event_id": rate_id, "rating": ""})))
    done = english(
        follow(client, client.post(rate, data={"event_id": rate_id, "rating": "satisfied"}))
    )
    assert "Your rating: Satisfied. Thank you" in done and "Thank you for rating us." in done


def test_the_same_report_sent_twice_finds_its_english_page(client):
    form_page = english(client.get("/r/lanyuan/?lang=en"))
    data = {**FORM, "report_id": str(uuid.uuid4())}
    url = action(form_page, "/r/lanyuan/")
    for _ in range(2):
        english(follow(client, client.post(url, data=data, content_type="multipart/form-data")))


def test_a_refused_report_answers_in_english_with_a_way_back(app, client):
    app.config["RESIDENT_MAX_PER_PHONE"] = 0
    url = action(english(client.get("/r/lanyuan/?lang=en")), "/r/lanyuan/")
    data = {**FORM, "report_id": str(uuid.uuid4())}
    limited = client.post(url, data=data, content_type="multipart/form-data")
    body = limited.get_data(as_text=True)
    assert limited.status_code == 429 and '<html lang="en">' in body
    assert '<a href="/r/lanyuan/?lang=en">Back</a>' in body
    assert 'href="/r/lanyuan/" hreflang="zh">中文</a>' in body


def test_chinese_stays_chinese(client):
    form_page = client.get("/r/lanyuan/").get_data(as_text=True)
    sent = client.post(
        action(form_page, "/r/lanyuan/"),
        data={**FORM, "report_id": str(uuid.uuid4())},
        content_type="multipart/form-data",
    )
    assert "lang=" not in sent.headers["Location"]
    assert "已收到您的报事" in follow(client, sent).get_data(as_text=True)

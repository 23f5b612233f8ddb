"""Why the server marked a phone's ticket events, on the phone: an accept from a phone whose
clock is an hour slow counts but its time is marked; an arrival after the desk put the ticket
back in the pool is kept but not applied. Each log line says so, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import json
import uuid

from pwa.ops import desk as rules
from pwa.store.db import make_engine, transaction
from tests.e2e.helpers import go, sign_in, wait_unsynced
from tests.e2e.test_accessibility import assert_accessible, audit
from tests.e2e.test_tickets import (  # noqa: F401  (handbook: the desk's handbook fixture)
    MINUTE,
    dispatch,
    fits,
    handbook,
    open_list,
    server_ticket,
    shot,
    wait_status,
)


def back_to_pool(server, tid: str, at: dt.datetime) -> None:
    """The desk takes the ticket off its engineer and gives it back to the engineers' pool."""
    desk = rules.Desk.from_bundle(json.loads((server.site / "handbook.json").read_bytes()))
    when = at.astimezone(dt.UTC).replace(tzinfo=None)
    engine = make_engine(f"sqlite:///{server.db_path}")
    try:
        with transaction(engine) as conn:
            event = rules.NewEvent(
                str(uuid.uuid4()), "assigned", when, "desk", {"role": "engineer"}
            )
            rules.add(conn, desk, tid, [event], when)
    finally:
        engine.dispose()


def reasons(page) -> dict[str, list[str]]:
    return page.locator(".ticket-log li").evaluate_all(
        "(els) => Object.fromEntries(els.map((li) => [li.dataset.kind,"
        " [...li.querySelectorAll('.why')].map((p) => p.textContent)]))"
    )


def test_the_phone_says_why_the_server_marked_its_events(server, context, page, instant):
    tid, number = dispatch(server, at=instant - 5 * MINUTE)
    sign_in(page, server.url)
    open_list(page, 1)
    go(page, f"#/ticket/{tid}")
    wait_status(page, "assigned")
    context.set_offline(True)
    page.clock.set_system_time(instant - 60 * MINUTE)  # the phone's clock is an hour slow
    page.click("#accept")
    wait_status(page, "accepted")
    page.clock.set_system_time(instant)
    page.click("#arrive")
    wait_status(page, "on_site")
    # meanwhile the desk gives the ticket back to the pool, a minute before the arrival
    back_to_pool(server, tid, instant - MINUTE)
    context.set_offline(False)
    wait_unsynced(page, 0, timeout=30_000)

    row, events = server_ticket(server, tid)
    assert (row["status"], row["assignee"], row["pool"], row["flagged"]) == (
        "assigned", None, "engineer", 1
    )  # fmt: skip
    assert [(e["kind"], e["flag"]) for e in events] == [
        ("created", None),
        ("assigned", None),
        ("accepted", None),
        ("assigned", None),
        ("arrived", "arrived while assigned"),
    ]
    # the list the phone takes after the push carries the reasons
    page.wait_for_selector('.ticket-log li[data-kind="arrived"] .why')
    wait_status(page, "assigned")
    assert reasons(page) == {
        "accepted": [
            "服务器收到这条操作时，离手机记下的时间已经很久（离线太久，或手机时间不准）："
            "操作有效，但时间被标记，主管会核对。"
        ],
        "arrived": ["服务器收下了这条操作，但没有计入：工单当时是“待接单”，不能“到场”。"],
    }
    assert page.locator('.ticket-log li[data-kind="arrived"]').get_attribute("data-flags") == (
        "while"
    )
    shot(page, "ticket-flagged")
    assert fits(page)
    assert_accessible(audit(page, "app-ticket-flagged"))
    go(page, "#/tickets")
    assert page.inner_text(f'a[data-ticket="{tid}"] .flagged') == "2 条操作被服务器标记"

    go(page, "#/account")
    page.get_by_label("语言").select_option("en")
    go(page, f"#/ticket/{tid}")
    page.wait_for_selector('.ticket-log li[data-kind="arrived"] .why')
    assert reasons(page) == {
        "accepted": [
            "The server got this long after the time the phone gave it (offline a long time, "
            "or the phone's clock is wrong): it counts, but its time is marked for a supervisor "
            "to check."
        ],
        "arrived": [
            'The server kept this but did not apply it: the ticket was "To accept" then, and '
            'cannot take "Arrived".'
        ],
    }
    shot(page, "ticket-flagged-en")
    assert fits(page)
    assert page.errors == []

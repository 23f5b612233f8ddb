"""Through the documented reverse proxy to two app servers on one PostgreSQL: the sync
protocol, the phone offline and back, the proxy's headers, and an app server killed mid-sync.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter

from sqlalchemy import select

from pwa.store.db import make_engine
from pwa.store.models import login_attempts
from tests.e2e.helpers import go, sign_in, unsynced, wait_unsynced
from tests.reliability.server import call, make_records, stored
from tests.reliability.server import sign_in as api_sign_in

PUSH = "/api/v1/records"


def test_the_sync_protocol_through_the_proxy(topology):
    port = topology.proxy.port
    token = api_sign_in(port, "eng-0", "phone-0")
    made = make_records("phone-0", 12)
    for start in range(0, 12, 3):
        status, body = call(port, "POST", PUSH, {"records": made[start : start + 3]}, token)
        assert status == 200, body
        assert [r["status"] for r in body["results"]] == ["created"] * 3
    # the same push again, as a phone that missed its answer sends it: nothing written
    status, body = call(port, "POST", PUSH, {"records": made[:6]}, token)
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 6
    # the definitions revalidate through the proxy: ETag, then 304
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/api/v1/definitions", headers={"Authorization": f"Bearer {token}"})
    first = conn.getresponse()
    first.read()
    conn.request(
        "GET",
        "/api/v1/definitions",
        headers={"Authorization": f"Bearer {token}", "If-None-Match": first.getheader("ETag")},
    )
    again = conn.getresponse()
    again.read()
    conn.close()
    assert (first.status, again.status) == (200, 304)
    # the pull (a supervisor's) pages through what both servers stored
    reader = api_sign_in(port, "zhou", "desk-1")
    pulled, query = [], "site=lanyuan"
    for _ in range(20):
        status, body = call(port, "GET", f"/api/v1/records?{query}", None, reader)
        assert status == 200, body
        pulled += [r["id"] for r in body["records"]]
        if not body["records"]:
            break
        query = f"site=lanyuan&since={body['next']}"
    assert sorted(pulled) == sorted(r["id"] for r in made)
    assert len(stored(topology.database)) == 12
    # the proxy spread the requests over both app servers
    used = {u for e in topology.proxy.log() for u in e["upstreams"]}
    assert used == {f"127.0.0.1:{s.port}" for s in topology.servers}


def test_the_proxys_headers_are_trusted_and_the_clients_are_not(topology):
    # a phone at 127.0.0.2 that claims another address and HTTPS in its own headers
    conn = http.client.HTTPConnection(
        "127.0.0.1", topology.proxy.port, timeout=10, source_address=("127.0.0.2", 0)
    )
    conn.request(
        "POST",
        "/api/v1/session",
        body=json.dumps({"username": "eng-1", "password": "wrong", "device_id": "p"}),
        headers={
            "Content-Type": "application/json",
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
        },
    )
    answer = conn.getresponse()
    answer.read()
    conn.close()
    assert answer.status == 401
    # nginx put the phone's own address and scheme in place of what it claimed
    assert answer.getheader("Strict-Transport-Security") is None
    engine = make_engine(topology.database)
    with engine.connect() as db:
        addresses = db.scalars(select(login_attempts.c.address)).all()
    engine.dispose()
    # the app server saw the proxy (127.0.0.1) connect; it counts the phone's address
    assert addresses == ["127.0.0.2"]


def test_offline_phone_syncs_through_the_proxy(topology, context, page):
    url = topology.proxy.url
    sign_in(page, url)
    context.set_offline(True)
    go(page, "#/course/TRN-EMERGENCY-BASICS")
    page.get_by_label("通过对讲安抚被困人员并通知维保单位").check()
    page.get_by_label("1 小时").check()
    page.click("#submit-quiz")
    page.wait_for_selector(".result:not(:empty)")
    assert unsynced(page) == 1
    context.set_offline(False)
    wait_unsynced(page, 0)
    rows = stored(topology.database)
    assert len(rows) == 1 and rows[0][3]["answers"] == {"trapped-first": [2], "arrive": [2]}
    assert page.errors == []


class Phone(threading.Thread):
    """Pushes its outbox three records at a time through the proxy, as the app does: a record
    leaves the outbox only on `created` or `duplicate`; anything else is sent again."""

    def __init__(self, port: int, name: str, count: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.token = api_sign_in(port, name, name)
        self.outbox = make_records(name, count)
        self.acked: list[str] = []
        self.failures: Counter = Counter()
        self.wrong: list = []

    def run(self) -> None:
        deadline = time.monotonic() + 40
        while self.outbox and time.monotonic() < deadline:
            batch = self.outbox[:3]
            try:
                status, body = call(self.port, "POST", PUSH, {"records": batch}, self.token)
            except (OSError, ValueError) as exc:  # no answer, or nginx's own 502 page
                self.failures[type(exc).__name__] += 1
                time.sleep(0.05)
                continue
            if status != 200:
                self.failures[status] += 1
                time.sleep(0.05)
                continue
            for _rec, result in zip(batch, body["results"], strict=True):
                if result["status"] not in ("created", "duplicate"):
                    self.wrong.append(result)
            self.acked += [r["id"] for r in batch]
            self.outbox = self.outbox[3:]
            time.sleep(0.02)


def test_killing_an_app_server_mid_sync_loses_nothing(topology):
    a, b = topology.servers
    phones = [Phone(topology.proxy.port, f"eng-{i}", 60) for i in range(4)]
    for phone in phones:
        phone.start()
    deadline = time.monotonic() + 20
    while sum(len(p.acked) for p in phones) < 60 and time.monotonic() < deadline:
        time.sleep(0.02)
    logged = len(topology.proxy.log())  # the test's clock is frozen; nginx logs real time
    a.kill()  # SIGKILL to its master and workers, requests cut mid-flight
    for phone in phones:
        phone.join(60)
    assert all(not p.outbox for p in phones), [len(p.outbox) for p in phones]
    assert [w for p in phones for w in p.wrong] == []
    acked = [i for p in phones for i in p.acked]
    rows = stored(topology.database)
    ids = Counter(r[0] for r in rows)
    # every acknowledged record stored, and each once; nothing stored that was not made
    assert sorted(ids) == sorted(acked) and set(ids.values()) == {1}
    assert len(acked) == 240
    # after the kill every push was answered by the server left standing (past the requests
    # in flight then, one per phone, which nginx may log just after)
    after = [e for e in topology.proxy.log()[logged + len(phones) :] if e["path"] == PUSH]
    assert after and {e["upstreams"][-1] for e in after if e["status"] == 200} == {
        f"127.0.0.1:{b.port}"
    }
    assert a.process.poll() is not None
    # the kill was felt: a push cut in flight (502 to the phone, which sent it again) or a
    # connection refused that nginx passed on to the other server
    dead = f"127.0.0.1:{a.port}"
    felt = [e for e in topology.proxy.log()[logged:] if dead in e["upstreams"]]
    assert felt and all(e["status"] == 502 or e["upstreams"][-1] != dead for e in felt)
    print(f"\nfailures seen by the phones: {sum((p.failures for p in phones), Counter())}")

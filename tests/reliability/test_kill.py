"""SIGKILL the real server during concurrent pushes: nothing acknowledged is lost, nothing twice.

Devices behave like the app: a record leaves the outbox only after `created` or `duplicate`;
anything else (refused connection, reply cut by the kill, 5xx) is retried as it was.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from tests.reliability import summary
from tests.reliability.server import Server, add_engineers, call, make_records, sign_in, stored


class Device(threading.Thread):
    def __init__(self, server: Server, name: str, count: int, batch: int) -> None:
        super().__init__(daemon=True)
        self.server, self.name, self.batch = server, name, batch
        self.token = sign_in(server.port, name, name)
        self.made = make_records(name, count)
        self.outbox = list(self.made)
        self.acked: set[str] = set()
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.failures: Counter = Counter()
        self.unexpected: list = []

    def run(self) -> None:
        deadline = time.monotonic() + 240
        while self.outbox and time.monotonic() < deadline:
            batch = self.outbox[: self.batch]
            try:
                status, body = call(self.server.port, "POST", "/api/v1/records",
                                    {"records": batch}, self.token)  # fmt: skip
            except OSError as exc:
                self.failures[type(exc).__name__] += 1
                time.sleep(0.05)
                continue
            if status != 200:
                self.failures[f"http {status}"] += 1
                time.sleep(0.05)
                continue
            done = set()
            for rec, result in zip(batch, body["results"], strict=True):
                assert result["id"] == rec["id"]
                self.statuses[result["status"]] += 1
                if result["status"] in ("created", "duplicate"):
                    done.add(rec["id"])
                else:
                    self.unexpected.append(result)
                    done.add(rec["id"])  # never acknowledged: must not loop forever
            with self.lock:
                self.acked |= {i for i in done if i not in {r["id"] for r in self.unexpected}}
            self.outbox = [r for r in self.outbox if r["id"] not in done]
            time.sleep(0.01)  # a phone does not push flat out; leaves room for the kills

    def acknowledged(self) -> set[str]:
        with self.lock:
            return set(self.acked)


def run_kills(database, tmp_path, site_dir, kills: int, devices: int, count: int, batch: int):
    names = [f"eng-{i}" for i in range(devices)]
    add_engineers(database, names)
    server = Server(database, tmp_path, site_dir)
    server.start()
    phones = [Device(server, name, count, batch) for name in names]
    rng = random.Random(8)
    checked = 0
    try:
        for phone in phones:
            phone.start()
        total = devices * count
        for k in range(kills):
            # spread the kills over the run: each one after another share is acknowledged
            while sum(len(p.acknowledged()) for p in phones) < (k + 1) * total // (kills + 1):
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.05))
            assert any(p.outbox for p in phones), "the devices finished before every kill"
            server.kill()
            before = set().union(*(p.acknowledged() for p in phones))
            time.sleep(rng.uniform(0.0, 0.3))
            server.start()
            # every record acknowledged before the kill is there after the restart
            present = {row[0] for row in stored(database)}
            assert before <= present, f"lost: {sorted(before - present)[:5]}"
            checked += len(before)
        for phone in phones:
            phone.join(timeout=240)
            assert not phone.is_alive()
    finally:
        server.stop()
    rows = stored(database)
    made = {r["id"]: r for p in phones for r in p.made}
    assert [p.unexpected for p in phones] == [[]] * devices
    assert [len(p.outbox) for p in phones] == [0] * devices
    # all there, once each, as sent
    assert len(rows) == len(made) == devices * count
    assert {row[0] for row in rows} == set(made)
    assert Counter((row[1], row[2]) for row in rows).most_common(1)[0][1] == 1
    assert all(row[3] == made[row[0]]["data"] for row in rows)
    statuses = sum((p.statuses for p in phones), Counter())
    failures = sum((p.failures for p in phones), Counter())
    # one acknowledgement per record: "created", or "duplicate" when the kill cut the reply
    # to a push that had committed, so the retry found it stored
    assert set(statuses) <= {"created", "duplicate"}
    assert statuses["created"] + statuses["duplicate"] == devices * count
    assert sum(failures.values()) > 0, "no request was cut: the kills hit nothing"
    assert "Booting worker" in server.log_text()
    return {
        "kills": kills,
        "restarts": server.starts - 1,
        "devices": devices,
        "records_made": len(made),
        "records_acknowledged": sum(len(p.acknowledged()) for p in phones),
        "records_found": len(rows),
        "found_twice": 0,
        "acknowledged_before_a_kill_rechecked_after_restart": checked,
        "statuses": dict(statuses),
        "failed_requests_retried": dict(failures),
    }


def test_sigkill_during_concurrent_pushes(database, tmp_path, site_dir):
    counts = run_kills(database, tmp_path, site_dir, kills=5, devices=4, count=400, batch=20)
    summary.record("sigkill", database.split(":")[0].split("+")[0], counts)


@pytest.mark.soak
def test_sigkill_soak(database, tmp_path, site_dir):
    counts = run_kills(database, tmp_path, site_dir, kills=25, devices=8, count=2500, batch=25)
    summary.record("sigkill_soak", database.split(":")[0].split("+")[0], counts)

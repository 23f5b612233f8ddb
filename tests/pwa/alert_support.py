"""Real receivers for the alert tests: a robot's webhook on loopback (http.server in a thread)
that records every call and fails the ones it is told to (500s, timeouts, errcodes), a local
SMTP server (aiosmtpd), and the test handbook with alert routes for lanyuan."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import shutil
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sqlalchemy import select, update

from pwa.api.definitions import current_bundle
from pwa.clock import utcnow
from pwa.ops import desk, senders
from pwa.store import db
from pwa.store.models import alert_outbox, tokens
from tests.conftest import make_app
from tests.pwa.support import SOP, sign_in

DING_SECRET = "SEC0123456789abcdef"
ROUTES = """    alerts:
      - {channel: wecom, url_env: T_LY_WECOM}
      - {channel: dingtalk, url_env: T_LY_DING, secret_env: T_LY_DING_SECRET, kinds: [missed, not_synced, ticket_late, exception_late, out_of_range]}
      - {channel: email, to: [lead@example.com, night@example.com], kinds: [digest], shifts: [day]}
"""


def alert_sop(tmp_path: Path, routes: str = ROUTES) -> Path:
    """A copy of the test handbook whose lanyuan sends alerts by `routes`."""
    sop = tmp_path / "sop-alerts"
    shutil.copytree(SOP, sop)
    site = sop / "site" / "company.yaml"
    text = site.read_text("utf-8")
    # lanyuan's last line: its last checkpoint, just before jinxiu begins
    anchor = "      - {code: LY-CP-13, name: 配电房, area: power-room}\n  - id: jinxiu"
    assert anchor in text
    site.write_text(text.replace(anchor, anchor.replace("\n  - id", "\n" + routes + "  - id")))
    return sop


@dataclass
class Call:
    path: str
    query: dict
    body: dict
    at: float


@dataclass
class Robot:
    """A webhook receiver: `plan` says how to answer each call in turn (then "ok")."""

    plan: list[str] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    delivered: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # longer than the senders' timeout in the tests (2 s), which is long enough that an
    # answer slowed by a loaded machine is not taken for a hung robot
    timeout_seconds: float = 2.5

    def next_answer(self) -> str:
        with self.lock:
            return self.plan.pop(0) if self.plan else "ok"

    def texts(self, path: str | None = None) -> list[str]:
        """What the delivered messages say, each as one string."""
        found = []
        for call in self.delivered:
            if path is None or call.path == path:
                body = call.body.get("markdown", {})
                found.append(body.get("content") or body.get("text") or "")
        return found


def _handler(robot: Robot):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            call = Call(parts.path, query, body, time.monotonic())
            with robot.lock:
                robot.calls.append(call)
            answer = robot.next_answer()
            if parts.path.startswith("/ding") and not _signed(query):
                answer = "errcode"  # DingTalk refuses a bad signature with errcode 310000
            if answer == "timeout":
                # a robot that hangs and then fails: the sender gave up waiting long ago (one
                # that hung and then posted the message would be a duplicate no sender can
                # prevent: the reason robots are asked for short answers)
                time.sleep(robot.timeout_seconds)
                answer = "500"
            if answer == "500":
                self._answer(500, b"busy")
                return
            code = 310000 if answer == "errcode" else 0
            if code == 0 and answer == "ok":
                with robot.lock:
                    robot.delivered.append(call)
            self._answer(
                200,
                json.dumps(
                    {"errcode": code, "errmsg": "ok" if code == 0 else "sign not match"}
                ).encode(),
            )

        def _answer(self, status: int, data: bytes) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *_args) -> None:
            pass

    return Handler


def _signed(query: dict) -> bool:
    stamp, sign = query.get("timestamp", ""), query.get("sign", "")
    digest = hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256)
    return bool(stamp) and sign == base64.b64encode(digest.digest()).decode()


class RobotServer:
    """The robot on a free loopback port, in a thread; a context manager."""

    def __init__(self, robot: Robot | None = None) -> None:
        self.robot = robot or Robot()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.robot))
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> RobotServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def robot_env(monkeypatch, base: str) -> None:
    """The variables the handbook's routes name, pointing at the local robot."""
    monkeypatch.setenv("T_LY_WECOM", f"{base}/wecom/send?key=wecom-key-123")
    monkeypatch.setenv("T_LY_DING", f"{base}/ding/send?access_token=ding-token-456")
    monkeypatch.setenv("T_LY_DING_SECRET", DING_SECRET)


class Mailbox:
    """An SMTP server on loopback (aiosmtpd) keeping every message it accepts."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
                from email import message_from_bytes, policy

                message = message_from_bytes(envelope.content, policy=policy.default)
                mailbox.messages.append((list(envelope.rcpt_tos), message))
                return "250 OK"

        with socket.socket() as sock:  # aiosmtpd checks it is up by connecting: no port 0
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.controller.stop()


# --- the app with alert routes and what makes alerts due -------------------------------------

FAST = {
    "ALERTS_LOOKBACK_HOURS": 24,
    "ALERTS_INTERVAL_SECONDS": 0.05,
    "ALERTS_LEASE_SECONDS": 5,
    "ALERTS_RETRY_SECONDS": 0.1,
    "ALERTS_RETRY_MAX_SECONDS": 0.4,
    "ALERTS_TIMEOUT_SECONDS": 2,
}


def alert_app_for(database, site_dir, tmp_path, **config):
    app = make_app(database, site_dir, tmp_path, alert_sop(tmp_path))
    app.config.update({**FAST, **config})
    return app


def engineer_synced(app, device: str = "dev-1") -> None:
    """An engineer's phone that synced just now: every slot past its deadline is missed."""
    sign_in(app.test_client(), "eng-l", device)
    with app.extensions["dutybook.engine"].begin() as conn:
        conn.execute(update(tokens).values(last_used_at=utcnow()))


def late_tickets(app, count: int) -> None:
    """Repairs reported 40 minutes ago: respond and on-site clocks both late."""
    with app.app_context(), db.writing() as conn:
        for n in range(count):
            call = desk.Report(
                "lanyuan", "repair-normal", f"1-1-{n:03d}", "张", "13800138000", "漏水", "phone"
            )
            desk.report(conn, current_bundle().desk, call, actor="m", user_id=None,
                        now=utcnow() - dt.timedelta(minutes=40))  # fmt: skip


def rows(app) -> list:
    with app.extensions["dutybook.engine"].connect() as conn:
        return list(conn.execute(select(alert_outbox).order_by(alert_outbox.c.id)))


def robot_text(row) -> str:
    if row.channel == "wecom":
        return senders.wecom_payload(row.title, row.body)["markdown"]["content"]
    return senders.dingtalk_payload(row.title, row.body)["markdown"]["text"]


def flaky_plan(seed: int, calls: int) -> list[str]:
    """A robot that fails about one call in three: 500s and errcodes, and hangs twice."""
    rng = random.Random(seed)
    plan = [rng.choice(["500", "errcode", "ok", "ok", "ok", "ok"]) for _ in range(calls)]
    plan[3] = plan[calls // 2] = "timeout"
    return plan

"""gunicorn serving the app factory; each worker builds its own app after the fork. Beside
it, the alert sender's loop: `dutybook alerts run`, or a thread in each worker when
`ALERTS_SENDER` is set (the lease in the database lets one of them send at a time)."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import socket
import threading
import uuid

from gunicorn.app.base import BaseApplication

log = logging.getLogger("dutybook.alerts")


class Server(BaseApplication):
    def __init__(self, options: dict) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from pwa import create_app

        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger = logging.getLogger("dutybook")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)

        # built per worker: a database engine must not cross a fork
        return create_app()


def sender_name() -> str:
    """Who holds the lease: host, process and thread, and a nonce for a restarted process."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:6]}"


def alert_loop(app, stop: threading.Event, once: bool = False, holder: str | None = None):
    """Look for alerts and send them every `ALERTS_INTERVAL_SECONDS` until `stop` is set (or
    once); each look in the app's context, so it reads the app's clock and current bundle.
    Answers the last look's `Tick`."""
    from pwa import clock
    from pwa.api.definitions import current_bundle
    from pwa.ops import delivery, senders
    from pwa.store import alerts
    from pwa.store.db import transaction

    settings = delivery.Settings.from_config(app.config)
    smtp = senders.Smtp.from_config(app.config)
    holder = holder or sender_name()
    engine = app.extensions["dutybook.engine"]
    result = None
    try:
        while True:
            with app.app_context():
                try:
                    raw = current_bundle().raw
                    result = delivery.tick(
                        engine, raw, settings, holder, clock.now, os.environ, smtp
                    )
                except Exception:  # a bad bundle or a database away: try again next time
                    log.exception("alert sender %s: the look failed", holder)
            if once or stop.wait(settings.interval):
                return result
    finally:
        # let another server take over at once rather than after the lease runs out
        with transaction(engine) as conn:
            alerts.release_lease(conn, holder)


def _start_sender(worker) -> None:
    """gunicorn's post_worker_init: the alert sender's thread, when the config asks for it."""
    app = worker.wsgi
    if app.config.get("ALERTS_SENDER"):
        threading.Thread(
            target=alert_loop, args=(app, threading.Event()), name="dutybook-alerts", daemon=True
        ).start()


# gunicorn's threaded worker, not its sync worker: a sync worker blocks in recv() on a
# connection that sends nothing (a browser's preconnect, a phone whose signal dropped), so two
# such connections held a two-worker server until its 60 s timeout. The threaded worker gives a
# silent connection back to its poller after 5 s and keeps serving on its other thread. Two
# threads, not more: the interpreter lock and SQLite's one writer let a third add no speed,
# only memory (four took the push benchmark's server from 178 MB to 241 MB).
# The benchmarks' baselines run with these same settings.
WORKER_CLASS = "gthread"
THREADS = 2
# glibc gives each thread a malloc arena of its own (up to 8 per core), each keeping what it
# freed. One arena per process: its threads take turns on the interpreter lock anyway, so they
# do not contend for it, and the push benchmark's server stays at 188 MB (two arenas: 198 MB)
M_ARENA_MAX, ARENAS = -8, 1


def fewer_malloc_arenas() -> None:
    """At most ARENAS malloc arenas in this process and the workers it forks (glibc only; an
    operator's own MALLOC_ARENA_MAX stands)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, ARENAS)


def serve(host: str, port: int, workers: int, control_socket: str | None, threads: int) -> None:
    """gunicorn on host:port; its control socket (for `gunicornc`) at `control_socket`, or
    none when None."""
    control = {"control_socket": control_socket} if control_socket else {}
    fewer_malloc_arenas()  # before the fork: the workers inherit it
    Server(
        {
            **control,
            "control_socket_disable": control_socket is None,
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": WORKER_CLASS,
            "threads": threads,
            "accesslog": None,  # the app logs each request itself, without secrets
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
            "proc_name": "dutybook",
            "post_worker_init": _start_sender,
        }
    ).run()

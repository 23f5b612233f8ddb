"""gunicorn serving the app factory; each worker builds its own app after the fork."""

from __future__ import annotations

import logging

from gunicorn.app.base import BaseApplication


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


def serve(host: str, port: int, workers: int, control_socket: str | None) -> None:
    """gunicorn on host:port; its control socket (for `gunicornc`) at `control_socket`, or
    none when None."""
    control = {"control_socket": control_socket} if control_socket else {}
    Server(
        {
            **control,
            "control_socket_disable": control_socket is None,
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "accesslog": None,  # the app logs each request itself, without secrets
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
            "proc_name": "dutybook",
        }
    ).run()

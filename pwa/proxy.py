"""Trust X-Forwarded-* only from the configured number of reverse proxies."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    count = int(app.config["PROXY_COUNT"])
    if count > 0:
        # without a proxy these headers come from the client and would let it pick its address
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

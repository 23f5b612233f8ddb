"""The Dutybook server: handbook, app shell, sync API and accounts on one origin."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from pwa.config import layered


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then DUTYBOOK_* variables."""
    app = Flask(__name__, instance_relative_config=True)
    layered(app.config)
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{os.path.join(app.instance_path, 'dutybook.db')}"
    app.config["MAX_CONTENT_LENGTH"] = max(
        app.config["MAX_RECORDS_BYTES"], app.config["MAX_BLOB_BYTES"]
    )

    from pwa import clock, errors, logs, proxy, security
    from pwa.store import db

    clock.init_app(app)
    proxy.init_app(app)
    db.init_app(app)
    errors.init_app(app)
    logs.init_app(app)
    security.init_app(app)

    from pwa import dashboard, handbook, health, resident, shell
    from pwa.api import (
        auth,
        blobs,
        definitions,
        handovers,
        openapi,
        publish,
        records,
        sync,
        tickets,
    )

    app.register_blueprint(auth.bp)
    app.register_blueprint(auth.api)
    app.register_blueprint(definitions.bp)
    app.register_blueprint(sync.bp)
    app.register_blueprint(records.bp)
    app.register_blueprint(blobs.bp)
    app.register_blueprint(tickets.bp)
    app.register_blueprint(handovers.bp)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(publish.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(shell.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(resident.bp)
    # last: its catch-all route must not shadow the others
    app.register_blueprint(handbook.bp)
    return app

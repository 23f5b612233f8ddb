"""Configuration defaults; an instance config file and DUTYBOOK_* variables override them."""

from __future__ import annotations

from flask import Config

DEV_SECRET_KEY = "dev"

DEFAULTS: dict[str, object] = {
    # "production" makes `dutybook run` refuse the development secret key
    "ENV": "development",
    "SECRET_KEY": DEV_SECRET_KEY,
    # empty: SQLite file dutybook.db in the instance folder
    "DATABASE_URL": "",
    "SITE_DIR": "site",
    "SOP_DIR": "sop",
    "CONTENT_DIR": "content",
    # published versions (`dutybook publish`): each server's copy of the live one's files
    # (empty: instance/site-cache), how often it asks the database which is live, and the
    # largest upload (the tar.gz), its files and their unpacked size
    "SITE_CACHE_DIR": "",
    "HANDBOOK_CHECK_SECONDS": 2,
    "PUBLISH_MAX_BYTES": 256 * 1024 * 1024,
    "PUBLISH_MAX_FILES": 50_000,
    "PUBLISH_MAX_UNPACKED_BYTES": 1024 * 1024 * 1024,
    # number of proxies in front whose X-Forwarded-* headers are trusted (0: none)
    "PROXY_COUNT": 0,
    # a device token lasts one shift: a booth phone passes between people, so a token left on
    # it must not act for its owner for a year (float: 0.5 is half an hour)
    "TOKEN_HOURS": 12,
    # argon2id cost; tests lower the memory to stay fast
    "PASSWORD_MEMORY_KIB": 65536,
    "PASSWORD_TIME_COST": 3,
    "LOGIN_WINDOW_SECONDS": 900,
    "LOGIN_MAX_PER_USER": 5,
    "LOGIN_MAX_PER_ADDRESS": 20,
    "MAX_BATCH": 1000,
    "MAX_RECORDS_BYTES": 4 * 1024 * 1024,
    "MAX_RECORD_BYTES": 64 * 1024,
    "MAX_BLOB_BYTES": 8 * 1024 * 1024,
    # recorded_at further than this from the server clock is kept but flagged
    "CLOCK_FLAG_SECONDS": 600,
    # ... and further in the future than this, or before CLOCK_MIN, is rejected as absurd
    "CLOCK_MAX_FUTURE_SECONDS": 86400,
    "CLOCK_MIN": "2020-01-01T00:00:00+00:00",
    # empty: the system clock; an ISO 8601 instant starts the server's clock there (tests, demos)
    "CLOCK_START": "",
    # a resident's reports without an account: at most this many per address an hour and per
    # phone number a day (a QR poster in a lobby is open to anyone passing)
    "RESIDENT_MAX_PER_ADDRESS": 10,
    "RESIDENT_MAX_PER_PHONE": 5,
    # alerts (docs/deployment.md): true starts the sender beside each server worker; or run
    # `dutybook alerts run`. Several may run: one sends at a time (a lease in the database)
    "ALERTS_SENDER": False,
    "ALERTS_INTERVAL_SECONDS": 30,
    "ALERTS_LEASE_SECONDS": 120,
    # a failed try waits this long, doubling each time up to the maximum, until it gives up
    "ALERTS_RETRY_SECONDS": 60,
    "ALERTS_RETRY_MAX_SECONDS": 3600,
    "ALERTS_MAX_ATTEMPTS": 48,
    "ALERTS_TIMEOUT_SECONDS": 10,
    # what fell due longer ago is not alerted (turning alerts on pages no old history)
    "ALERTS_LOOKBACK_HOURS": 48,
    # e-mail alerts: the mail server ("" for none); SMTP_SECURITY is "", "starttls" or "ssl"
    "SMTP_HOST": "",
    "SMTP_PORT": 25,
    "SMTP_USER": "",
    "SMTP_PASSWORD": "",
    "SMTP_FROM": "",
    "SMTP_SECURITY": "",
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_HTTPONLY": True,
    "JSON_SORT_KEYS": False,
}

STAFF_ROLES = ("guard", "cleaner", "greener", "engineer", "service")
ROLES = (*STAFF_ROLES, "supervisor", "admin")


def layered(config: Config) -> Config:
    """Defaults, then the instance folder's config.py, then DUTYBOOK_* variables."""
    config.from_mapping(DEFAULTS)
    config.from_pyfile("config.py", silent=True)
    config.from_prefixed_env("DUTYBOOK")
    # from_prefixed_env parses JSON, so a numeric secret would arrive as an int
    config["SECRET_KEY"] = str(config["SECRET_KEY"]) if config["SECRET_KEY"] else None
    return config

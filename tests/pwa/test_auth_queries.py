"""What authentication costs: one query per token-authenticated request, on SQLite and
PostgreSQL alike; the token's last use is written in the request's own write, or after the
answer has left, never as a second step of the read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import event, select

from pwa.store.models import tokens
from tests.pwa.support import bearer, record

AUTH_TABLES = re.compile(r"\b(tokens|users|user_roles|user_sites)\b")
# transaction control is not a query: SQLite's BEGIN is a statement of its own here
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Statements:
    """Every statement the app's engine runs while listening, with the connection it ran on."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["dutybook.engine"]
        self.seen: list[tuple[object, str]] = []

    def _note(self, conn, _cursor, statement, *_args) -> None:
        self.seen.append((conn, statement))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)

    @property
    def queries(self) -> list[str]:
        return [s for _, s in self.seen if not s.lstrip().upper().startswith(CONTROL)]

    @property
    def auth(self) -> list[str]:
        return [s for s in self.queries if AUTH_TABLES.search(s)]


def _last_used(app) -> dt.datetime | None:
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.scalar(select(tokens.c.last_used_at))


def _used_once(client, engineer) -> None:
    """The token's first use writes its last use: afterwards it is fresh for five minutes. And
    the process has looked up which handbook version is live, as it does once every
    HANDBOOK_CHECK_SECONDS, not per request (held long here, so a slow machine's next request
    does not fall on the next look)."""
    client.application.config["HANDBOOK_CHECK_SECONDS"] = 3600
    client.get("/api/v1/session", headers=bearer(engineer)).close()
    client.get("/api/v1/definitions", headers=bearer(engineer)).close()


def test_definitions_cost_one_query(app, client, engineer):
    _used_once(client, engineer)
    with Statements(app) as seen:
        response = client.get("/api/v1/definitions", headers=bearer(engineer))
        etag = response.headers["ETag"]
        response.close()
        assert response.status_code == 200
        again = client.get(
            "/api/v1/definitions", headers={**bearer(engineer), "If-None-Match": etag}
        )
        again.close()
        assert again.status_code == 304
    # the bundle is the server's memory: the one query of each request is who is asking
    assert len(seen.queries) == 2, seen.queries
    assert seen.auth == seen.queries


def test_a_push_authenticates_with_one_query(app, client, engineer):
    _used_once(client, engineer)
    with Statements(app) as seen:
        response = client.post(
            "/api/v1/records",
            json={"records": [record(seq=1), record(seq=2)]},
            headers=bearer(engineer),
        )
        response.close()
    assert [r["status"] for r in response.get_json()["results"]] == ["created", "created"]
    assert len(seen.auth) == 1, seen.auth
    assert seen.auth[0].lstrip().upper().startswith("SELECT")


def test_a_read_writes_the_tokens_last_use_after_the_answer(app, client, engineer, fixed_clock):
    _used_once(client, engineer)
    first = _last_used(app)
    assert first is not None
    fixed_clock.shift(dt.timedelta(minutes=6))
    with Statements(app) as seen:
        response = client.get("/api/v1/definitions", headers=bearer(engineer))
        assert response.status_code == 200
        # the answer is out and the request made its one query; the write has not happened
        answered = list(seen.queries)
        response.close()
    assert len(answered) == 1 and answered[0].lstrip().upper().startswith("SELECT"), answered
    assert [s for s in seen.queries if s.lstrip().upper().startswith("UPDATE TOKENS")]
    assert _last_used(app) - first >= dt.timedelta(minutes=6)


def test_a_push_writes_the_tokens_last_use_in_its_own_transaction(app, client, engineer):
    # never used: the token's last use is due at once
    assert _last_used(app) is None
    with Statements(app) as seen:
        response = client.post(
            "/api/v1/records", json={"records": [record()]}, headers=bearer(engineer)
        )
        response.close()
    assert response.get_json()["results"][0]["status"] == "created"
    assert len(seen.auth) == 2, seen.auth  # the lookup, and the last use in the push's write
    touch = [c for c, s in seen.seen if s.lstrip().upper().startswith("UPDATE TOKENS")]
    insert = [c for c, s in seen.seen if s.lstrip().upper().startswith("INSERT INTO RECORDS")]
    assert len(touch) == 1 and insert and touch[0] is insert[0]
    assert _last_used(app) is not None


@pytest.mark.parametrize("problem", ["revoked", "expired", "disabled"])
def test_a_refused_token_costs_one_query_too(app, client, engineer, problem, fixed_clock):
    from pwa.store import accounts
    from pwa.store.db import transaction

    engine = app.extensions["dutybook.engine"]
    with transaction(engine) as conn:
        if problem == "revoked":
            accounts.revoke_tokens(conn, accounts.user_id_of(conn, "eng-l"))
        elif problem == "disabled":
            accounts.set_disabled(conn, "eng-l")
    if problem == "expired":
        fixed_clock.shift(dt.timedelta(hours=13))
    with Statements(app) as seen:
        response = client.get("/api/v1/definitions", headers=bearer(engineer))
        response.close()
    assert response.status_code == 401
    assert len(seen.queries) == 1, seen.queries

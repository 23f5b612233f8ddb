"""`dutybook users|tokens|db|run` against the test database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from generator.cli import main
from pwa import create_app
from pwa.cli import secret_problem
from pwa.store.migrate import head
from tests.pwa.support import PASSWORD, add_people, sign_in


def test_users_add_list_and_errors(runner):
    result = runner.invoke(
        main,
        [
            "users",
            "add",
            "wang",
            "--role",
            "guard",
            "--site",
            "lanyuan",
            "--site",
            "jinxiu",
            "--password",
            PASSWORD,
        ],
    )
    assert (result.exit_code, result.output) == (0, "added wang\n")
    result = runner.invoke(main, ["users", "add", "li", "--role", "cleaner", "--site", "lanyuan"])
    assert result.output.startswith("added li password: ")
    assert runner.invoke(main, ["users", "list"]).output == (
        "li\tcleaner\tlanyuan\tactive\nwang\tguard\tjinxiu,lanyuan\tactive\n"
    )
    result = runner.invoke(main, ["users", "add", "wang", "--role", "guard", "--site", "lanyuan"])
    assert (result.exit_code, result.output) == (1, "Error: user 'wang' already exists\n")
    result = runner.invoke(main, ["users", "add", "x", "--role", "guard", "--site", "mars"])
    assert result.output == "Error: unknown site 'mars' (one of: jinxiu, lanyuan)\n"
    result = runner.invoke(main, ["users", "add", "x", "--role", "guard"])
    assert result.output == "Error: give at least one site\n"
    result = runner.invoke(main, ["users", "disable", "ghost"])
    assert result.output == "Error: no user named 'ghost'\n"


def test_users_demo_only_on_empty_database(app, runner, client):
    result = runner.invoke(main, ["users", "demo"])
    lines = result.output.splitlines()
    saved = Path(app.instance_path) / "demo-accounts.txt"
    assert lines[0] == f"demo accounts (sites: jinxiu, lanyuan; also saved in {saved}):"
    made = [line.split() for line in lines[1:]]
    assert [(u, r) for u, r, _ in made] == [
        ("demo-guard", "guard"),
        ("demo-cleaner", "cleaner"),
        ("demo-greener", "greener"),
        ("demo-engineer", "engineer"),
        ("demo-service", "service"),
        ("demo-supervisor", "supervisor"),
        ("demo-admin", "admin"),
    ]
    username, _, password = made[0]
    response = client.post(
        "/api/v1/session", json={"username": username, "password": password, "device_id": "d"}
    )
    assert response.status_code == 201
    # a second `make run` shows the same accounts again, from the owner-only file
    assert saved.stat().st_mode & 0o777 == 0o600
    again = runner.invoke(main, ["users", "demo"])
    assert again.output.splitlines() == [
        f"demo accounts (from {saved}; change them before real use):",
        *lines[1:],
    ]
    saved.unlink()
    third = runner.invoke(main, ["users", "demo"])
    assert third.output == ("accounts exist; no demo ones added (users list / reset-password)\n")


def test_tokens_list_and_revoke(app, client, runner):
    add_people(app, ("guard-l", "eng-l"))
    sign_in(client, "guard-l", "phone-a")
    sign_in(client, "eng-l", "phone-b")
    listed = runner.invoke(main, ["tokens", "list"]).output.splitlines()
    assert [line.split("\t")[:4] for line in listed] == [
        ["1", "guard-l", "phone-a", "live"],
        ["2", "eng-l", "phone-b", "live"],
    ]
    assert runner.invoke(main, ["tokens", "revoke", "1"]).output == "revoked 1 token(s)\n"
    assert runner.invoke(main, ["tokens", "revoke", "--user", "eng-l"]).output == (
        "revoked 1 token(s)\n"
    )
    listed = runner.invoke(main, ["tokens", "list", "--user", "guard-l"]).output
    assert listed.split("\t")[3] == "revoked"
    assert runner.invoke(main, ["tokens", "revoke", "9"]).output == "Error: no token 9\n"


def test_db_upgrade_and_backup_restore(app, runner, client, tmp_path):
    result = runner.invoke(main, ["db", "upgrade"])
    dialect = app.extensions["dutybook.engine"].dialect.name
    assert result.output == f"database at revision {head()} ({dialect})\n"
    add_people(app, ("guard-l",))
    target = tmp_path / "backup.db"
    result = runner.invoke(main, ["db", "backup", str(target)])
    if dialect != "sqlite":
        assert result.output == (
            "Error: db backup is for SQLite; for PostgreSQL use pg_dump (see docs/deployment.md)\n"
        )
        return
    assert result.exit_code == 0
    with sqlite3.connect(target) as restored:
        assert restored.execute("SELECT username FROM users").fetchall() == [("guard-l",)]
    restored.close()
    # restore: point a server at the copy and sign in
    other = create_app(
        {
            "DATABASE_URL": f"sqlite:///{target}",
            "PASSWORD_MEMORY_KIB": 1024,
            "SITE_DIR": app.config["SITE_DIR"],
        }
    )
    response = other.test_client().post(
        "/api/v1/session", json={"username": "guard-l", "password": PASSWORD, "device_id": "d"}
    )
    assert response.status_code == 201
    other.extensions["dutybook.engine"].dispose()
    assert runner.invoke(main, ["db", "backup", str(target)]).output == (
        f"Error: {target} exists; choose a new file\n"
    )


@pytest.mark.parametrize(
    ("env", "key", "problem"),
    [
        ("development", "dev", None),
        (
            "production",
            "dev",
            "refusing to start in production with a missing or default secret "
            "key; set DUTYBOOK_SECRET_KEY to a long random value",
        ),
        (
            "production",
            None,
            "refusing to start in production with a missing or default secret "
            "key; set DUTYBOOK_SECRET_KEY to a long random value",
        ),
        (
            "production",
            "short",
            "refusing to start in production: DUTYBOOK_SECRET_KEY is shorter than 16 characters",
        ),
        ("production", "a-long-random-secret-value", None),
    ],
)
def test_production_refuses_default_secret(tmp_path, env, key, problem):
    app = create_app(
        {"ENV": env, "SECRET_KEY": key, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )
    assert secret_problem(app.config) == problem

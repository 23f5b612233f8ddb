"""`dutybook publish` as an author (or CI) runs it: to a running server with an admin's token
from the environment, or straight into the database; two real app servers (gunicorn) on one
PostgreSQL serve the new version right after a publish to one of them; a tree with errors is
refused with the lines `dutybook check` prints, and nothing is published."""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.request

import pytest
from click.testing import CliRunner

from generator.cli import main
from pwa.store import accounts, versions
from pwa.store.db import make_engine, transaction
from tests.pwa.publish_support import DUTYBOOK, author_tree, edit_to_v2
from tests.reliability.server import Server, sign_in

PASSWORD = "correct horse battery"


def break_tree(tree) -> None:
    """Two errors `dutybook check` reports: a bad version and an unknown key."""
    pump = tree / "sop" / "checklists" / "chk-pump-room.yaml"
    text = re.sub(
        r'^version: "[0-9.]+"$', 'version: "one"', pump.read_text("utf-8"), count=1, flags=re.M
    )
    pump.write_text(text + "colour: blue\n", encoding="utf-8")


def publish(tree, *args: str, token: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DUTYBOOK_PUBLISH_TOKEN": token}
    return subprocess.run(
        [DUTYBOOK, "publish", "--sop", tree / "sop", "--config", tree / "mkdocs.yml", *args],
        cwd=tree, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def page(port: int, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
        return response.read()


def served_hash(port: int, token: str) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/definitions", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())["hash"]


def test_a_tree_with_errors_is_refused_with_the_lines_of_check(database, tmp_path):
    tree = author_tree(tmp_path / "tree")
    break_tree(tree)
    runner = CliRunner()
    checked = runner.invoke(main, ["check", "--strict", str(tree / "sop")])
    refused = runner.invoke(
        main,
        ["publish", "--sop", str(tree / "sop"), "--config", str(tree / "mkdocs.yml"),
         "--database-url", database],
    )  # fmt: skip
    assert checked.exit_code == refused.exit_code == 1
    lines = refused.stdout.splitlines()
    assert lines == checked.stdout.splitlines()
    assert len(lines) == 2 and all(": error: " in line for line in lines)
    assert lines[0].startswith(f"{tree / 'sop' / 'checklists' / 'chk-pump-room.yaml'}:")
    engine = make_engine(database)
    with engine.connect() as conn:
        assert versions.count(conn) == 0
    engine.dispose()


def test_publish_needs_one_target_and_a_token():
    runner = CliRunner()
    both = runner.invoke(main, ["publish", "--url", "https://x", "--database-url", "sqlite://"])
    assert both.exit_code == 2
    assert "give --url (a server) or --database-url, not both" in both.output
    no_token = runner.invoke(main, ["publish", "--url", "https://duty.example.com"], env={"DUTYBOOK_PUBLISH_TOKEN": ""})  # fmt: skip
    assert no_token.exit_code == 1
    assert no_token.output == (
        "Error: set DUTYBOOK_PUBLISH_TOKEN to an admin's token to publish to "
        "https://duty.example.com\n"
    )


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_app_servers_serve_what_was_published_to_one(database, site_dir, tmp_path):
    engine = make_engine(database)
    with transaction(engine) as conn:
        hasher = accounts.hasher(1024, 1)
        accounts.add_user(conn, hasher, "trainer", PASSWORD, ["admin"], [])
        accounts.add_user(conn, hasher, "eng", PASSWORD, ["engineer"], ["lanyuan"])
    servers = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        server = Server(database, tmp_path / name, site_dir)
        server.env["DUTYBOOK_HANDBOOK_CHECK_SECONDS"] = "0"
        servers.append(server)
    tree = author_tree(tmp_path / "tree")
    try:
        for server in servers:
            server.start()
        one, two = servers
        admin = sign_in(one.port, "trainer", "laptop")
        eng = sign_in(two.port, "eng", "phone")
        assert page(two.port, "/") == b"<h1>handbook</h1>"  # the plain site folder

        # CI's way: the admin's token in the environment, the server's URL
        done = publish(tree, "--url", f"http://127.0.0.1:{one.port}", "--note", "首次发布", token=admin)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("published version 1: 8 change(s), 0 MAJOR; 8 added")
        with engine.connect() as conn:
            first = versions.versions(conn)[0]
        assert (first.published_by, first.note) == ("trainer", "首次发布")
        assert served_hash(two.port, eng) == first.bundle_hash
        assert b"ENG-REPAIR" in page(two.port, "/procedures/eng-repair/")
        assert b"<h1>handbook</h1>" not in page(two.port, "/")

        # straight into the database, with no server asked
        edit_to_v2(tree)
        done = publish(tree, "--database-url", database, "--by", "ci")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(
            "published version 2: 4 change(s), 1 MAJOR; 1 added, 1 removed, 2 changed"
        )
        for server in servers:
            assert b"ENG-NIGHT" in page(server.port, "/procedures/eng-night/")
        v2 = served_hash(one.port, eng)
        assert served_hash(two.port, eng) == v2 != first.bundle_hash

        # a tree that fails the check never reaches the server: the lines and a non-zero exit
        break_tree(tree)
        refused = publish(tree, "--url", f"http://127.0.0.1:{one.port}", token=admin)
        assert refused.returncode == 1
        assert refused.stdout.count(": error: ") == 2
        assert served_hash(two.port, eng) == v2

        # a token without the admin role: the server's 403, and a non-zero exit
        edit_back = author_tree(tmp_path / "tree2")
        denied = publish(edit_back, "--url", f"http://127.0.0.1:{two.port}", token=eng)
        assert denied.returncode == 1
        assert "answered 403: This needs one of the roles: admin." in denied.stderr
    finally:
        for server in servers:
            server.stop()
        engine.dispose()


def test_a_token_for_ci(runner, app, client):
    """`dutybook tokens issue`: a machine's token, longer than a shift's, printed once."""
    from tests.pwa.support import add_people, bearer

    add_people(app, ("admin",))
    made = runner.invoke(main, ["tokens", "issue", "admin", "--hours", "2160"])
    assert made.exit_code == 0, made.output
    token, expires = made.output.splitlines()
    assert expires == "expires 2026-09-07T02:30Z"  # 90 days after the test's instant
    response = client.get("/api/v1/handbook/versions", headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json() == {"live": None, "versions": []}
    listed = runner.invoke(main, ["tokens", "list", "--user", "admin"]).output
    assert "\tadmin\tci\tlive\texpires 2026-09-07\t" in listed
    unknown = runner.invoke(main, ["tokens", "issue", "nobody"])
    assert unknown.exit_code == 1 and unknown.output == "Error: no user named 'nobody'\n"

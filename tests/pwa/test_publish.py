"""Publishing the built handbook into the database and through the upload endpoint, on both
stores: every server of the database serves the live version, the log keeps every version and
what changed, an admin goes back to an earlier one, a bad upload gets a clear 4xx."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from sqlalchemy import select

from pwa.ops import publishing
from pwa.store import accounts, versions
from pwa.store.db import make_engine
from pwa.store.models import handbook_documents, handbook_versions
from tests.conftest import make_app
from tests.pwa.publish_support import V2_CHANGES, summary_tuples, tar_gz
from tests.pwa.support import PASSWORD, add_people, assert_error, bearer, record, sign_in


def server_app(database: str, site_dir: Path, tmp_path: Path, name: str):
    """An app server of the database: its own instance folder (and cache), a live check per
    request."""
    app = make_app(database, site_dir, tmp_path / name)
    app.config["HANDBOOK_CHECK_SECONDS"] = 0
    return app


def served_hash(client, token: str) -> str:
    response = client.get("/api/v1/definitions", headers=bearer(token))
    assert response.status_code == 200
    return response.get_json()["hash"]


def test_publish_into_the_database_is_served_by_every_app_server(
    database, site_dir, tmp_path, sites
):
    one = server_app(database, site_dir, tmp_path, "one")
    two = server_app(database, site_dir, tmp_path, "two")
    add_people(one)
    c1, c2 = one.test_client(), two.test_client()
    t1, t2 = sign_in(c1, "eng-l"), sign_in(c2, "eng-l")
    # before any publish: the plain site folder, as before
    assert c2.get("/").get_data(as_text=True) == "<h1>handbook</h1>"

    first = publishing.into_database(database, sites.v1, "trainer", "首次发布")
    assert first["version"] == 1 and not first["unchanged"]
    assert len(first["changes"]["added"]) == first["changes"]["count"] == 8
    for client, token in ((c1, t1), (c2, t2)):
        assert client.get("/").get_data() == (sites.v1 / "index.html").read_bytes()
        assert served_hash(client, token) == sites.bundle_hash(sites.v1)
    assert (tmp_path / "two" / "instance" / "site-cache").is_dir()

    second = publishing.into_database(database, sites.v2, "trainer", "二版")
    assert second["version"] == 2
    assert summary_tuples(second["changes"]) == V2_CHANGES
    assert second["changes"]["count"] == 4 and second["changes"]["major"] == 1
    page = "procedures/eng-night/index.html"
    assert (
        c2.get("/" + page.removesuffix("index.html")).get_data() == (sites.v2 / page).read_bytes()
    )
    assert served_hash(c2, t2) == sites.bundle_hash(sites.v2)
    assert c1.get("/patrols/ptl-jx-out-night/").status_code == 404

    # the same content again (a rebuild differs only in handbook.json's build time): no version
    again = publishing.into_database(database, sites.v2, "trainer")
    assert again["unchanged"] and again["version"] == 2

    engine = make_engine(database)
    with engine.connect() as conn:
        rows = versions.versions(conn)
        assert [(r.id, r.published_by, r.note) for r in rows] == [
            (2, "trainer", "二版"),
            (1, "trainer", "首次发布"),
        ]
        assert rows[0].bundle_hash == sites.bundle_hash(sites.v2)
        # v2 stored only what differs from v1: far less than the whole site
        assert 0 < rows[0].stored < rows[1].stored / 2
        assert rows[0].size > rows[0].stored
    engine.dispose()
    one.extensions["dutybook.engine"].dispose()
    two.extensions["dutybook.engine"].dispose()


def test_upload_by_an_admin_then_go_back(database, site_dir, tmp_path, sites):
    app = server_app(database, site_dir, tmp_path, "one")
    add_people(app)
    client = app.test_client()
    admin, guard = sign_in(client, "admin"), sign_in(client, "guard-j")
    gz = {"Content-Type": "application/gzip"}

    def upload(site: Path, token: str = admin, note: str = ""):
        headers = {**bearer(token), **gz, "X-Dutybook-Note": note}
        return client.post(
            "/api/v1/handbook/versions", data=publishing.pack_folder(site), headers=headers
        )

    assert_error(upload(sites.v1, guard), 403, "This needs one of the roles: admin.")  # fmt: skip
    response = upload(sites.v1, note="%E9%A6%96%E5%8F%91")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 1
    assert upload(sites.v1).status_code == 200  # nothing new
    assert upload(sites.v2).get_json()["version"] == 2
    assert served_hash(client, guard) == sites.bundle_hash(sites.v2)

    # go back to version 1: a new version with its content
    response = client.post("/api/v1/handbook/versions/1/live", headers=bearer(admin))
    assert response.status_code == 201
    body = response.get_json()
    assert body["version"] == 3
    back = summary_tuples(body["changes"])
    assert back["added"] == [("PTL-JX-OUT-NIGHT", "1.0")]
    assert back["removed"] == [("ENG-NIGHT", "2.0")]
    assert back["changed"] == [
        ("CHK-PUMP-ROOM", "1.1", "1.0", "minor"),
        ("ENG-REPAIR", "2.0", "1.1", "major"),
    ]
    assert served_hash(client, guard) == sites.bundle_hash(sites.v1)
    assert client.get("/procedures/eng-night/").status_code == 404
    listing = client.get("/api/v1/handbook/versions", headers=bearer(admin)).get_json()
    assert listing["live"] == 3
    assert [(v["id"], v["rollback_of"], v["published_by"]) for v in listing["versions"]] == [
        (3, 1, "admin"),
        (2, None, "admin"),
        (1, None, "admin"),
    ]
    assert listing["versions"][2]["note"] == "首发"
    assert_error(
        client.post("/api/v1/handbook/versions/99/live", headers=bearer(admin)),
        404,
        "No handbook version 99.",
    )
    assert_error(client.get("/api/v1/handbook/versions", headers=bearer(guard)), 403, "This needs one of the roles: admin.")  # fmt: skip
    app.extensions["dutybook.engine"].dispose()


def test_a_bad_upload_is_refused_with_a_clear_4xx(sqlite_app, sites):
    sqlite_app.config["PUBLISH_MAX_BYTES"] = 64 * 1024 * 1024
    add_people(sqlite_app)
    client = sqlite_app.test_client()
    admin = bearer(sign_in(client, "admin"))

    def post(data: bytes, kind: str = "application/gzip"):
        return client.post(
            "/api/v1/handbook/versions", data=data, headers={**admin, "Content-Type": kind}
        )

    assert_error(post(b"{}", "application/json"), 415, "Send the site as a tar.gz (Content-Type: application/gzip).")  # fmt: skip
    body = post(b"not a tar")
    assert body.status_code == 400
    assert body.get_json()["message"].startswith("Not published: the body is not a tar.gz")
    assert_error(
        post(tar_gz({"../etc/passwd": b"x"})),
        400,
        "Not published: the archive holds '../etc/passwd', not a file of the site.",
    )
    assert_error(
        post(tar_gz({"index.html": b"<h1>x</h1>"})),
        400,
        "Not published: the site has no handbook.json: build it with `dutybook build`.",
    )
    assert_error(
        post(tar_gz({"handbook.json": b"[1, 2]"})),
        400,
        "Not published: handbook.json is not a handbook bundle.",
    )
    # a bundle whose documents fail their models: the lines say which and where
    bundle = json.loads((sites.v1 / "handbook.json").read_bytes())
    bundle["documents"]["CHK-PUMP-ROOM"]["doc"]["version"] = "one"
    found = assert_error(
        post(tar_gz({"handbook.json": json.dumps(bundle).encode()})),
        422,
        "Not published: handbook.json holds documents that do not pass their checks.",
    )
    assert [d["msg"] for d in found["details"]] == [
        "handbook.json: CHK-PUMP-ROOM: version: 'one' is not a version; "
        'expected "MAJOR.MINOR", e.g. "1.0"'
    ]
    sqlite_app.config["PUBLISH_MAX_BYTES"] = 100
    assert_error(post(b"x" * 101), 413, "The archive is 101 bytes; at most 100.")
    with sqlite_app.extensions["dutybook.engine"].connect() as conn:
        assert versions.count(conn) == 0


def test_a_phone_learns_what_changed_for_it(database, site_dir, tmp_path, sites):
    app = server_app(database, site_dir, tmp_path, "one")
    add_people(app)
    client = app.test_client()
    guard, engineer = sign_in(client, "guard-j"), sign_in(client, "eng-l")
    publishing.into_database(database, sites.v1, "trainer")
    publishing.into_database(database, sites.v2, "trainer")
    old = sites.bundle_hash(sites.v1)

    def seen(token: str) -> dict:
        response = client.get(f"/api/v1/handbook/changes?from={old}", headers=bearer(token))
        assert response.status_code == 200
        return response.get_json()

    for_engineer = seen(engineer)
    assert summary_tuples(for_engineer) == {
        "added": [("ENG-NIGHT", "2.0")],
        "removed": [],
        "changed": [("CHK-PUMP-ROOM", "1.0", "1.1", "minor"), ("ENG-REPAIR", "1.1", "2.0", "major")],
    }  # fmt: skip
    assert (for_engineer["count"], for_engineer["major"], for_engineer["version"]) == (3, 1, 2)
    assert for_engineer["changed"][1]["url"] == "procedures/eng-repair/"
    # a jinxiu guard: the patrol that went, nothing of the engineers'
    assert summary_tuples(seen(guard)) == {
        "added": [],
        "removed": [("PTL-JX-OUT-NIGHT", "1.0")],
        "changed": [],
    }
    assert_error(
        client.get("/api/v1/handbook/changes?from=abc", headers=bearer(guard)),
        404,
        "No published handbook version has the bundle 'abc'.",
    )
    app.extensions["dutybook.engine"].dispose()


def test_two_publishes_at_once_both_logged_one_live(database, sites):
    barrier = threading.Barrier(2)
    answers: dict[str, dict] = {}

    def run(name: str, site: Path) -> None:
        barrier.wait()
        answers[name] = publishing.into_database(database, site, name)

    threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("a", sites.v1), ("b", sites.v2))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a["version"] for a in answers.values()) == [1, 2]
    engine = make_engine(database)
    with engine.connect() as conn:
        rows = list(conn.execute(select(handbook_versions).order_by(handbook_versions.c.id)))
        live = versions.live(conn)
    engine.dispose()
    first, second = rows
    assert live.version_id == second.id and live.manifest_hash == second.manifest_hash
    # the second saw the first as the version before it
    assert second.changes["from"] == first.bundle_hash
    assert first.changes["from"] is None


def test_a_document_version_keeps_the_limits_it_was_published_with(database):
    noted = versions.Noted
    engine = make_engine(database)
    with engine.begin() as conn:
        # as migration 0008 leaves a row noted before: limits not known
        conn.execute(
            handbook_documents.insert().values(doc_id="CHK-A", version="1.0", kind="checklist")
        )
        versions.add_documents(
            conn,
            [noted("CHK-A", "1.0", "checklist", ["lanyuan"], ["cleaner"]),
             noted("PTL-B", "2.1", "patrol", None, ["guard"])],
        )  # fmt: skip
        # the same version published again with other limits: the first ones stand
        versions.add_documents(conn, [noted("PTL-B", "2.1", "patrol", ["jinxiu"], ["engineer"])])
    with engine.connect() as conn:
        found = [versions.published(conn, d, v) for d, v in [("CHK-A", "1.0"), ("PTL-B", "2.1")]]
        missing = versions.published(conn, "PTL-B", "2.2")
    engine.dispose()
    assert found == [
        noted("CHK-A", "1.0", "checklist", ["lanyuan"], ["cleaner"]),
        noted("PTL-B", "2.1", "patrol", None, ["guard"]),
    ]
    assert missing is None


def test_a_version_past_the_column_is_not_found(sqlite_app):
    add_people(sqlite_app)
    client = sqlite_app.test_client()
    admin = bearer(sign_in(client, "admin"))
    for number in (2**31, 2**63, 0):
        answer = client.post(f"/api/v1/handbook/versions/{number}/live", headers=admin)
        assert_error(answer, 404, f"No handbook version {number}.")


def test_records_keep_naming_a_version_the_handbook_had(database, site_dir, tmp_path, sites):
    app = server_app(database, site_dir, tmp_path, "one")
    add_people(app)
    client = app.test_client()
    eng, guard, admin = (sign_in(client, name) for name in ("eng-l", "guard-j", "admin"))
    publishing.into_database(database, sites.v1, "trainer")
    publishing.into_database(database, sites.v2, "trainer")

    def push(token: str, **fields) -> dict:
        body = {"records": [record(**fields)]}
        response = client.post("/api/v1/records", json=body, headers=bearer(token))
        return response.get_json()["results"][0]

    patrol = {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT", "site": "jinxiu"}
    # v2 took the patrol out; a round begun before that still lands, against its version
    assert push(guard, **patrol, device_id="g")["status"] == "created"
    # and only where and by whom that version allowed: the patrol was jinxiu's and guards'
    with app.extensions["dutybook.engine"].begin() as conn:
        accounts.add_user(conn, accounts.hasher(1024, 1), "eng-j", PASSWORD, ["engineer"],
                          ["jinxiu"])  # fmt: skip
    elsewhere = push(sign_in(client, "guard-l"), **{**patrol, "site": "lanyuan"}, device_id="l")
    assert elsewhere["status"] == "rejected"
    assert "'PTL-JX-OUT-NIGHT' does not apply to site 'lanyuan'" in str(elsewhere)
    other_role = push(sign_in(client, "eng-j"), **patrol, device_id="e")
    assert other_role["status"] == "rejected"
    assert "'PTL-JX-OUT-NIGHT' is not for your roles" in str(other_role)
    # a version no handbook ever had is still refused
    never = push(guard, **patrol, def_version="1.5", device_id="g", seq=2)
    assert never["status"] == "rejected"
    assert "unknown definition 'PTL-JX-OUT-NIGHT'" in str(never)
    # back to v1: the pump room's 1.1 (of v2) is newer than the live 1.0, but was published
    client.post("/api/v1/handbook/versions/1/live", headers=bearer(admin))
    assert push(eng, def_version="1.1")["status"] == "created"
    newer = push(eng, def_version="1.7", seq=2)
    assert newer["status"] == "rejected"
    assert "1.7 is newer than the current version 1.0" in str(newer)
    app.extensions["dutybook.engine"].dispose()


def test_a_new_server_starts_with_the_live_version(database, site_dir, tmp_path, sites):
    publishing.into_database(database, sites.v1, "trainer")
    publishing.into_database(database, sites.v2, "trainer")
    # started after both publishes, with an empty instance folder: v2 at its first request
    app = server_app(database, site_dir, tmp_path, "new")
    page = "procedures/eng-night/index.html"
    got = app.test_client().get("/" + page.removesuffix("index.html")).get_data()
    assert got == (sites.v2 / page).read_bytes()
    app.extensions["dutybook.engine"].dispose()

"""`/api/v1/definitions`: filtered by role and site, ETag and 304, a rebuild seen at once."""

from __future__ import annotations

import json

from generator.bundle import bundle
from generator.loader import load_tree
from tests.pwa.support import SOP, add_people, assert_error, bearer, sign_in


def _ids(response) -> list[str]:
    return sorted(response.get_json()["documents"])


def test_filtered_to_roles_and_sites(app, client):
    add_people(app)
    seen = {}
    for name in ("guard-l", "guard-j", "eng-l", "sup-l", "admin"):
        response = client.get("/api/v1/definitions", headers=bearer(sign_in(client, name)))
        assert response.status_code == 200
        seen[name] = _ids(response)
    everything = [
        "CHK-PUMP-ROOM",
        "EMG-ELEVATOR-TRAP",
        "ENG-REPAIR",
        "ORG-DEMO",
        "PTL-JX-OUT-NIGHT",
        "SVC-DESK",
        "TRN-EMERGENCY-BASICS",
    ]
    assert seen == {
        # the jinxiu patrol is not for a lanyuan guard; the pump room is for engineers
        "guard-l": ["EMG-ELEVATOR-TRAP", "ORG-DEMO", "TRN-EMERGENCY-BASICS"],
        "guard-j": ["EMG-ELEVATOR-TRAP", "ORG-DEMO", "PTL-JX-OUT-NIGHT", "TRN-EMERGENCY-BASICS"],
        # the desk document (its categories and limits) is for engineers, 客服 and supervisors
        "eng-l": [
            "CHK-PUMP-ROOM",
            "EMG-ELEVATOR-TRAP",
            "ENG-REPAIR",
            "ORG-DEMO",
            "SVC-DESK",
            "TRN-EMERGENCY-BASICS",
        ],
        # a supervisor sees every role's documents of their sites
        "sup-l": [
            "CHK-PUMP-ROOM",
            "EMG-ELEVATOR-TRAP",
            "ENG-REPAIR",
            "ORG-DEMO",
            "SVC-DESK",
            "TRN-EMERGENCY-BASICS",
        ],
        "admin": everything,
    }


def test_site_lists_only_own_properties(app, client):
    add_people(app, ("guard-j", "admin"))
    body = client.get("/api/v1/definitions", headers=bearer(sign_in(client, "guard-j"))).get_json()
    assert [p["id"] for p in body["site"]["properties"]] == ["jinxiu"]
    assert [p["id"] for p in body["documents"]["ORG-DEMO"]["doc"]["properties"]] == ["jinxiu"]
    assert body["format"] == 1
    body = client.get("/api/v1/definitions", headers=bearer(sign_in(client, "admin"))).get_json()
    assert [p["id"] for p in body["site"]["properties"]] == ["lanyuan", "jinxiu"]


def test_etag_and_304(app, client):
    add_people(app, ("guard-l", "guard-j"))
    token = sign_in(client, "guard-l")
    first = client.get("/api/v1/definitions", headers=bearer(token))
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache, private"
    again = client.get("/api/v1/definitions", headers={**bearer(token), "If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    other = client.get("/api/v1/definitions", headers=bearer(sign_in(client, "guard-j")))
    assert other.headers["ETag"] != etag  # another filter, another tag


def test_rebuilt_bundle_is_served_without_restart(app, client, site_dir, tmp_path):
    add_people(app, ("admin",))
    token = sign_in(client, "admin")
    before = client.get("/api/v1/definitions", headers=bearer(token))
    tree = load_tree(SOP)
    built = bundle(tree)
    # the build writes a new folder and renames it into place
    staging = tmp_path / "site.new"
    staging.mkdir()
    (staging / "handbook.json").write_text(json.dumps(built), encoding="utf-8")
    (staging / "index.html").write_text("<h1>new handbook</h1>", encoding="utf-8")
    old = tmp_path / "site.old"
    site_dir.rename(old)
    staging.rename(site_dir)
    after = client.get("/api/v1/definitions", headers=bearer(token))
    assert after.get_json()["hash"] == built["hash"]
    with client.get("/") as page:
        assert page.get_data(as_text=True) == "<h1>new handbook</h1>"
    # a changed document changes the bundle hash and the ETag
    built["documents"]["ENG-REPAIR"]["hash"] = "0" * 64
    built["hash"] = "f" * 64
    (site_dir / "handbook.json").write_text(json.dumps(built), encoding="utf-8")
    newer = client.get(
        "/api/v1/definitions", headers={**bearer(token), "If-None-Match": after.headers["ETag"]}
    )
    assert newer.status_code == 200
    assert newer.get_json()["hash"] == "f" * 64
    # the same documents give the same hash whether built or read from the YAML
    assert before.headers["ETag"] == after.headers["ETag"]
    assert newer.headers["ETag"] != after.headers["ETag"]


def test_unreadable_bundle_is_503(app, client, site_dir):
    add_people(app, ("admin",))
    token = sign_in(client, "admin")
    # not JSON, then JSON of the wrong shape (each a new file: the cache keys on the file)
    for text in ("{not json", '{"documents": {"X": {"doc": {}}}}', "[]"):
        (site_dir / "handbook.json").write_text(text, encoding="utf-8")
        response = client.get("/api/v1/definitions", headers=bearer(token))
        assert_error(response, 503, "The handbook bundle cannot be read; rebuild it.", [])


def test_anonymous_401(client):
    assert_error(
        client.get("/api/v1/definitions"),
        401,
        "Sign in first: send 'Authorization: Bearer <token>'.",
        [],
    )

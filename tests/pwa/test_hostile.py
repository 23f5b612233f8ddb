"""Records and bodies a hostile client sends: each is refused by field or by status, never a 500,
and the rest of the batch is stored as if it had not been there."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest

from pwa.ops import payloads
from tests.pwa.support import add_people, app_data, assert_error, bearer, record, sign_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _push(client, token, recs):
    return client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))


def _nested(depth: int) -> dict:
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("fields", "loc", "msg"),
    [
        # the offset moves these past what a datetime holds: OverflowError, then a 500
        (
            {"recorded_at": "9999-12-31T23:00:00-05:00"},
            ["recorded_at"],
            "is more than a day ahead of the server clock",
        ),
        (
            {"recorded_at": "0001-01-01T00:00:00+23:59"},
            ["recorded_at"],
            "is before 2020-01-01; check the clock",
        ),
        # orjson gives up past 255 levels, the check for lone surrogates then recursed: a 500
        ({"data": _nested(900)}, ["data"], "is nested more than 16 levels deep"),
        ({"data": _nested(17)}, ["data"], "is nested more than 16 levels deep"),
    ],
    ids=["year-9999", "year-1", "nested-900", "nested-17"],
)
def test_one_hostile_record_is_rejected_and_the_rest_stored(client, engineer, fields, loc, msg):
    before, bad, after = record(seq=1), record(seq=2, **fields), record(seq=3)
    response = _push(client, engineer, [before, bad, after])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["results"] == [
        {"id": before["id"], "status": "created"},
        {"id": bad["id"], "status": "rejected", "error": {"loc": loc, "msg": msg}},
        {"id": after["id"], "status": "created"},
    ]


@pytest.mark.parametrize(
    ("number", "msg"),
    [
        ("NaN", "NaN is not JSON; send a number or null"),
        ("Infinity", "Infinity is not JSON; send a number or null"),
        ("-Infinity", "-Infinity is not JSON; send a number or null"),
        ("1e400", "1e400 is too large for a JSON number (it overflows to infinity)"),
        ("-1e400", "-1e400 is too large for a JSON number (it overflows to infinity)"),
    ],
)
def test_numbers_json_has_not_are_400(client, engineer, number, msg):
    # the standard parser accepts them; stored, they came back as null
    text = json.dumps({"records": [record()]})
    body = text.replace('"records": [', f'"n": {number}, "records": [', 1)
    assert f'"n": {number}' in body
    response = client.post(
        "/api/v1/records", data=body, content_type="application/json", headers=bearer(engineer)
    )
    assert_error(response, 400, "The body is not valid JSON.", [{"loc": ["body"], "msg": msg}])
    inside = f'{{"records": [{{"id": "x", "data": {{"reading": {number}}}}}]}}'
    response = client.post(
        "/api/v1/records", data=inside, content_type="application/json", headers=bearer(engineer)
    )
    assert_error(response, 400, "The body is not valid JSON.", [{"loc": ["body"], "msg": msg}])


def _chunked(client, path: str, body: bytes, token: str, content_type: str):
    # what a WSGI server hands the app for Transfer-Encoding: chunked (gunicorn does the same)
    return client.open(
        path,
        method="POST" if path.endswith("records") else "PUT",
        input_stream=io.BytesIO(body),
        headers={**bearer(token), "Content-Type": content_type},
        environ_overrides={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(app, client, engineer):
    app.config["MAX_RECORDS_BYTES"] = 1000
    body = b'{"records": [' + b",".join(b'{"id": "%d"}' % i for i in range(200)) + b"]}"
    response = _chunked(client, "/api/v1/records", body, engineer, "application/json")
    assert response.request.content_length is None
    assert_error(response, 413, "The body is more than 1000 bytes; at most 1000.", [])
    # exactly at the limit is read whole
    exact = b'{"records": [] }'.ljust(1000, b" ")
    response = _chunked(client, "/api/v1/records", exact, engineer, "application/json")
    assert_error(response, 422, "The request body is not valid.")

    app.config["MAX_BLOB_BYTES"] = 100
    big = PNG + b"\0" * 200
    path = f"/api/v1/blobs/{hashlib.sha256(big).hexdigest()}"
    response = _chunked(client, path, big, engineer, "image/png")
    assert_error(response, 413, "The photo is more than 100 bytes; at most 100.", [])
    small = PNG + b"\0" * (100 - len(PNG))
    path = f"/api/v1/blobs/{hashlib.sha256(small).hexdigest()}"
    assert _chunked(client, path, small, engineer, "image/png").status_code == 201


def _with(kind: str, **changes) -> dict:
    return {**app_data(kind), **changes}


RUN = app_data("checklist_run")
# (who, record fields, loc, msg): each type's data checked by its model and then by the
# definition version it names
REFUSED = [
    ("eng-l", {"data": {**RUN, "items": []}}, ["data", "items"], "Input should be a valid dictionary"),
    ("eng-l", {"data": {**RUN, "items": "x"}}, ["data", "items"], "Input should be a valid dictionary"),
    ("eng-l", {"data": {**RUN, "extra": 1}}, ["data", "extra"], "unknown field"),
    ("eng-l", {"data": {k: v for k, v in RUN.items() if k != "failed"}}, ["data", "failed"],
     "field required"),
    ("eng-l", {"data": {**RUN, "started_at": "yesterday"}}, ["data", "started_at"],
     "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"),
    ("eng-l", {"data": {**RUN, "started_at": "9999-12-31T23:00:00-05:00"}}, ["data", "started_at"],
     "is not a time in the years 1970 to 2999"),
    ("eng-l", {"data": {**RUN, "items": {"nope": {"value": True}}}}, ["data", "items", "nope"],
     "no item 'nope' in this version"),
    ("eng-l", {"data": {**RUN, "items": {"leaks": {"value": 1}}}},
     ["data", "items", "leaks", "value"], "a check item's value is true or false"),
    ("eng-l", {"data": {**RUN, "items": {"inlet-pressure": {"value": True}}}},
     ["data", "items", "inlet-pressure", "value"], "a number item's value is a number"),
    ("eng-l", {"data": {**RUN, "items": {"inlet-pressure": {"value": "0.3"}}}},
     ["data", "items", "inlet-pressure", "value"], "a number item's value is a number"),
    ("eng-l", {"data": {**RUN, "items": {"pump-mode": {"value": "坏了"}}}},
     ["data", "items", "pump-mode", "value"], "'坏了' is not one of the options"),
    ("eng-l", {"data": {**RUN, "items": {"room": {"value": ["a"]}}}},
     ["data", "items", "room", "value"], "a text item's value is text"),
    ("eng-l", {"data": {**RUN, "items": {"photo": {"value": ["x"]}}}},
     ["data", "items", "photo", "value"], "a photo item's value is up to 3 photo sha256s"),
    ("eng-l", {"data": {**RUN, "failed": ["nope"]}}, ["data", "failed", 0],
     "no item 'nope' in this version"),
    ("eng-l", {"type": "exception", "data": _with("exception", photos=5)}, ["data", "photos"],
     "Input should be a valid list"),
    ("eng-l", {"type": "exception", "data": _with("exception", photos=["a" * 63])},
     ["data", "photos", 0], "String should match pattern '^[0-9a-f]{64}$'"),
    ("eng-l", {"type": "exception", "data": _with("exception", category="leak")},
     ["data", "category"],
     "Input should be 'damage', 'safety', 'hygiene', 'water', 'person' or 'other'"),
    ("eng-l", {"type": "exception", "data": _with("exception", item="nope")}, ["data", "item"],
     "no item or checkpoint 'nope' in this version"),
    ("eng-l", {"type": "exception", "data": _with("exception", emergency="CHK-PUMP-ROOM")},
     ["data", "emergency"], "no emergency plan 'CHK-PUMP-ROOM'"),
    ("guard-j", {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT", "site": "jinxiu",
                 "data": _with("patrol_round", missed=["gate-south"])}, ["data", "missed", 0],
     "no checkpoint 'gate-south' in this version"),
    ("guard-j", {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT", "site": "jinxiu",
                 "data": _with("patrol_round", scans=[{"code": "X", "at": "2026-06-09T09:00:00+08:00",
                                                      "checkpoint": "roof", "flag": None}])},
     ["data", "scans", 0, "checkpoint"], "no checkpoint 'roof'"),
    ("guard-l", {"type": "incident", "def_id": "EMG-ELEVATOR-TRAP",
                 "data": _with("incident", severity="灾难")}, ["data", "severity"],
     "'灾难' is not a severity of this plan"),
    ("guard-l", {"type": "incident", "def_id": "EMG-ELEVATOR-TRAP",
                 "data": _with("incident", fields={"floor": "3"})}, ["data", "fields", "floor"],
     "no record field 'floor' in this version"),
    ("guard-l", {"type": "incident", "def_id": "EMG-ELEVATOR-TRAP",
                 "data": _with("incident", actions=[{"index": 9, "text": "x", "done_at": None,
                                                     "done_by": None}])},
     ["data", "actions", 0, "index"], "the plan has 4 first actions"),
    ("guard-l", {"type": "ack", "def_id": "EMG-ELEVATOR-TRAP", "data": _with("ack", major=2)},
     ["data", "major"], "is not the major version of 1.0"),
    ("guard-l", {"type": "quiz", "def_id": "TRN-EMERGENCY-BASICS",
                 "data": _with("quiz", answers={"arrive": [4]})}, ["data", "answers", "arrive", 0],
     "the question has 3 options"),
    ("guard-l", {"type": "quiz", "def_id": "TRN-EMERGENCY-BASICS",
                 "data": _with("quiz", answers={"who": [1]})}, ["data", "answers", "who"],
     "no question 'who' in this version"),
]  # fmt: skip


@pytest.mark.parametrize(("who", "fields", "loc", "msg"), REFUSED,
                         ids=[f"{r[1].get('type', 'checklist_run')}-{i}" for i, r in enumerate(REFUSED)])  # fmt: skip
def test_data_that_does_not_fit_its_type_or_definition_is_rejected(
    app, client, who, fields, loc, msg
):
    add_people(app)
    token = sign_in(client, who)
    bad = record(**fields)
    good = record(**{k: v for k, v in fields.items() if k != "data"}, seq=2)
    response = _push(client, token, [bad, good])
    assert response.get_json()["results"] == [
        {"id": bad["id"], "status": "rejected", "error": {"loc": loc, "msg": msg}},
        {"id": good["id"], "status": "created"},
    ]


def test_an_older_version_is_judged_by_its_model_only(app, client, engineer):
    # the bundle holds the current version: an item since removed is no reason to refuse
    data = {**RUN, "items": {"removed-since": {"value": True}}}
    rec = record(type="exception", def_id="ENG-REPAIR", def_version="1.0",
                 data=_with("exception", item="gone"))  # fmt: skip
    run = record(def_version="0.9", data=data, seq=2)
    results = _push(client, engineer, [rec, run]).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]


def test_the_categories_are_the_apps():
    js = (Path(__file__).parents[2] / "pwa/static/app/i18n.js").read_text(encoding="utf-8")
    block = re.search(r"categories: \{(.*?)\}", js, re.S).group(1)
    assert tuple(re.findall(r"(\w+):", block)) == payloads.CATEGORIES


def test_a_replay_of_a_stored_record_is_a_duplicate_whatever_todays_checks_say(
    client, engineer, monkeypatch
):
    # stored before the data check existed (the server then took any object), its answer lost
    old_shape = record(data={"items": "x"})
    with monkeypatch.context() as before:
        before.setattr("pwa.api.sync.Checker.judge", lambda self, row: None)
        assert _push(client, engineer, [old_shape]).get_json()["results"][0]["status"] == "created"
    # the phone sends it again: it is stored, so it is acknowledged, never refused
    again = _push(client, engineer, [old_shape, record(data={"items": "x"})]).get_json()
    assert [r["status"] for r in again["results"]] == ["duplicate", "rejected"]
    # and an id stored with other content is a conflict, not a rejection of the new content
    other = {**old_shape, "data": {"items": []}}
    answer = _push(client, engineer, [other]).get_json()["results"][0]
    assert answer["status"] == "conflict"

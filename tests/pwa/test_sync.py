"""`POST /api/v1/records`: every type, replays, conflicts, rejections naming the field, limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import uuid

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import event, func, insert, select

from pwa.api.schemas import FIELDS, RecordIn, plainly_valid
from pwa.store import accounts
from pwa.store.models import records
from tests.pwa.support import add_people, app_data, assert_error, bearer, now_iso, record, sign_in


def _push(client, token, recs):
    return client.post("/api/v1/records", json={"records": recs}, headers=bearer(token))


def _count(app) -> int:
    with app.extensions["dutybook.engine"].connect() as conn:
        return conn.scalar(select(func.count()).select_from(records))


# one valid record of each type, with the person allowed to make it
EACH_TYPE = [
    ("eng-l", {"type": "checklist_run"}),
    ("guard-j", {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT", "site": "jinxiu"}),
    ("eng-l", {"type": "exception", "def_id": "ENG-REPAIR", "def_version": "1.1"}),
    ("guard-l", {"type": "incident", "def_id": "EMG-ELEVATOR-TRAP"}),
    ("guard-l", {"type": "ack", "def_id": "EMG-ELEVATOR-TRAP"}),
    ("guard-l", {"type": "quiz", "def_id": "TRN-EMERGENCY-BASICS"}),
]


@pytest.mark.parametrize(("who", "fields"), EACH_TYPE, ids=[f["type"] for _, f in EACH_TYPE])
def test_each_type_is_created_and_stored(app, client, who, fields):
    add_people(app)
    token = sign_in(client, who)
    rec = record(**fields)
    response = _push(client, token, [rec])
    assert response.status_code == 200
    assert response.get_json() == {"results": [{"id": rec["id"], "status": "created"}]}
    with app.extensions["dutybook.engine"].connect() as conn:
        row = conn.execute(select(records)).one()
    assert (row.id, row.type, row.def_id, row.site, row.seq, row.flags) == (
        rec["id"],
        rec["type"],
        rec["def_id"],
        rec["site"],
        1,
        None,
    )
    assert row.data == rec["data"]


def test_replay_writes_nothing_and_says_duplicate(app, client, engineer):
    batch = [record(seq=i) for i in range(3)]
    first = _push(client, engineer, batch).get_json()["results"]
    assert [r["status"] for r in first] == ["created"] * 3
    again = _push(client, engineer, batch).get_json()["results"]
    assert again == [{"id": r["id"], "status": "duplicate"} for r in batch]
    assert _count(app) == 3


def test_same_id_other_content_is_conflict_and_keeps_the_first(app, client, engineer):
    rec = record()
    _push(client, engineer, [rec])
    changed = {**rec, "data": {**rec["data"], "items": {"inlet-pressure": {"value": 0.9}}}}
    results = _push(client, engineer, [changed]).get_json()["results"]
    assert results == [
        {
            "id": rec["id"],
            "status": "conflict",
            "error": {"loc": ["id"], "msg": "a different record with this id is stored"},
        }
    ]
    with app.extensions["dutybook.engine"].connect() as conn:
        assert conn.execute(select(records.c.data)).scalar() == rec["data"]


def test_same_record_from_another_user_is_conflict(app, client, engineer):
    rec = record(type="ack", def_id="EMG-ELEVATOR-TRAP")
    _push(client, engineer, [rec])
    guard = sign_in(client, "guard-l")
    assert _push(client, guard, [rec]).get_json()["results"][0]["status"] == "conflict"


def test_repeated_id_within_one_batch(app, client, engineer):
    rec = record()
    other = {**rec, "seq": 9}
    results = _push(client, engineer, [rec, rec, other]).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate", "conflict"]
    assert _count(app) == 1


def test_mixed_batch_commits_valid_records_only(app, client, engineer):
    good, bad = record(), record(def_id="NOPE")
    results = _push(client, engineer, [good, bad]).get_json()["results"]
    assert results == [
        {"id": good["id"], "status": "created"},
        {
            "id": bad["id"],
            "status": "rejected",
            "error": {"loc": ["def_id"], "msg": "unknown definition 'NOPE'"},
        },
    ]
    assert _count(app) == 1


def test_older_definition_version_is_kept_against_it(app, client, engineer):
    rec = record(type="exception", def_id="ENG-REPAIR", def_version="1.0")
    assert _push(client, engineer, [rec]).get_json()["results"][0]["status"] == "created"
    with app.extensions["dutybook.engine"].connect() as conn:
        assert conn.execute(select(records.c.def_version)).scalar() == "1.0"


def test_far_clock_is_kept_and_flagged(app, client, engineer):
    old = record(recorded_at=now_iso(delta=-dt.timedelta(days=20)))
    ahead = record(recorded_at=now_iso(offset_hours=0, delta=dt.timedelta(hours=3)))
    results = _push(client, engineer, [old, ahead]).get_json()["results"]
    assert results == [
        {"id": old["id"], "status": "created", "flags": ["clock"]},
        {"id": ahead["id"], "status": "created", "flags": ["clock"]},
    ]
    with app.extensions["dutybook.engine"].connect() as conn:
        assert conn.execute(select(records.c.flags)).scalars().all() == ["clock", "clock"]


def test_recorded_at_is_stored_in_utc(app, client, engineer):
    rec = record(recorded_at=now_iso(offset_hours=8))
    _push(client, engineer, [rec])
    with app.extensions["dutybook.engine"].connect() as conn:
        stored = conn.execute(select(records.c.recorded_at)).scalar()
    expected = dt.datetime.fromisoformat(rec["recorded_at"]).astimezone(dt.UTC)
    assert stored == expected.replace(tzinfo=None)


REJECTIONS = [
    (
        {"id": "not-a-uuid"},
        ["id"],
        "String should match pattern "
        "'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'",
    ),
    (
        {"type": "diary"},
        ["type"],
        "Input should be 'checklist_run', 'patrol_round', 'exception', 'incident', 'ack', "
        "'quiz', 'ticket_event', 'drill', 'handover' or 'handover_ack'",
    ),
    ({"seq": "7"}, ["seq"], "Input should be a valid integer"),
    ({"seq": -1}, ["seq"], "Input should be greater than or equal to 0"),
    ({"data": [1]}, ["data"], "Input should be a valid dictionary"),
    ({"user": "someone-else"}, ["user"], "unknown field"),
    ({"device_id": ""}, ["device_id"], "String should have at least 1 character"),
    ({"def_version": "v1"}, ["def_version"], "String should match pattern '^\\d{1,4}\\.\\d{1,4}$'"),
    ({"def_version": "2.0"}, ["def_version"], "2.0 is newer than the current version 1.0"),
    ({"def_id": "NOPE"}, ["def_id"], "unknown definition 'NOPE'"),
    ({"def_id": "ORG-DEMO"}, ["def_id"], "unknown definition 'ORG-DEMO'"),
    (
        {"def_id": "ENG-REPAIR", "def_version": "1.1"},
        ["def_id"],
        "'ENG-REPAIR' is a procedure; a checklist_run needs a checklist",
    ),
    (
        {"type": "quiz", "def_id": "CHK-PUMP-ROOM"},
        ["def_id"],
        "'CHK-PUMP-ROOM' is a checklist; a quiz needs a course",
    ),
    ({"site": "mars"}, ["site"], "unknown site 'mars'"),
    ({"site": "jinxiu"}, ["site"], "you are not assigned to site 'jinxiu'"),
    (
        {"type": "patrol_round", "def_id": "PTL-JX-OUT-NIGHT"},
        ["site"],
        "'PTL-JX-OUT-NIGHT' does not apply to site 'lanyuan'",
    ),
    (
        {"recorded_at": "yesterday"},
        ["recorded_at"],
        "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00",
    ),
    (
        {"recorded_at": "2026-05-01T08:00:00"},
        ["recorded_at"],
        "needs a UTC offset, e.g. 2026-05-01T08:00:00+08:00",
    ),
    (
        {"recorded_at": now_iso(delta=dt.timedelta(days=3))},
        ["recorded_at"],
        "is more than a day ahead of the server clock",
    ),
    (
        {"recorded_at": "1970-01-01T00:00:00+00:00"},
        ["recorded_at"],
        "is before 2020-01-01; check the clock",
    ),
    ({"data": {"text": "x" * 70000}}, [], "the record is 70219 bytes; at most 65536"),
    ({"data": {"n": 2**70}}, ["data"], "holds a number too large to store"),
    # PostgreSQL cannot store NUL in text or jsonb: refused alike on both databases
    (
        {"data": {"text": "a\x00b"}},
        ["data"],
        "holds a NUL character (\\u0000), which cannot be stored",
    ),
    ({"data": {"note": "\ud800"}}, ["data"], "holds a lone UTF-16 surrogate, not text"),
    (
        {"device_id": "phone\x00"},
        ["device_id"],
        "holds a NUL character (\\u0000), which cannot be stored",
    ),
]


@pytest.mark.parametrize(
    ("fields", "loc", "msg"),
    REJECTIONS,
    ids=[f"{(r[1] or ['record'])[0]}-{i}" for i, r in enumerate(REJECTIONS)],
)
def test_rejections_name_the_field(app, client, engineer, fields, loc, msg):
    rec = record(**fields)
    if "user" in fields:
        assert rec["user"] == "someone-else"
    results = _push(client, engineer, [rec]).get_json()["results"]
    assert results == [{"id": rec["id"], "status": "rejected", "error": {"loc": loc, "msg": msg}}]
    assert _count(app) == 0


def test_staff_push_only_their_roles_documents(app, client, engineer):
    guard = sign_in(client, "guard-l")
    rec = record(device_id="guard-phone")
    results = _push(client, guard, [rec]).get_json()["results"]
    assert results == [
        {
            "id": rec["id"],
            "status": "rejected",
            "error": {"loc": ["def_id"], "msg": "'CHK-PUMP-ROOM' is not for your roles"},
        }
    ]
    # a supervisor of the site may record against any role's document there
    sup = sign_in(client, "sup-l")
    assert _push(client, sup, [rec]).get_json()["results"][0]["status"] == "created"


def test_missing_field_and_non_object_record(app, client, engineer):
    rec = record()
    del rec["site"]
    results = _push(client, engineer, [rec, 5]).get_json()["results"]
    assert results == [
        {
            "id": rec["id"],
            "status": "rejected",
            "error": {"loc": ["site"], "msg": "field required"},
        },
        {"id": None, "status": "rejected", "error": {"loc": [], "msg": "expected a record object"}},
    ]


def test_envelope_errors(app, client, engineer):
    headers = bearer(engineer)
    response = client.post(
        "/api/v1/records", data="{oops", headers=headers, content_type="application/json"
    )
    assert_error(
        response,
        400,
        "The body is not valid JSON.",
        [
            {
                "loc": ["body"],
                "msg": "line 1 column 2: Expecting property name enclosed in double quotes",
            }
        ],
    )
    response = client.post("/api/v1/records", data="x", headers=headers, content_type="text/plain")
    assert_error(
        response,
        415,
        "Expected a JSON body (Content-Type: application/json).",
        [{"loc": ["header", "Content-Type"], "msg": "got 'text/plain'"}],
    )
    response = client.post("/api/v1/records", json=[], headers=headers)
    assert_error(
        response,
        422,
        "The request body is not valid.",
        [{"loc": ["body"], "msg": "Input should be a valid dictionary or instance of RecordsIn"}],
    )
    response = client.post("/api/v1/records", json={"records": [], "more": 1}, headers=headers)
    assert_error(
        response,
        422,
        "The request body is not valid.",
        [
            {
                "loc": ["body", "records"],
                "msg": "List should have at least 1 item after validation, not 0",
            },
            {"loc": ["body", "more"], "msg": "unknown field"},
        ],
    )


def test_batch_and_body_limits_413(app, client, engineer):
    app.config["MAX_BATCH"] = 3
    response = _push(client, engineer, [record(seq=i) for i in range(4)])
    assert_error(
        response,
        413,
        "The batch has 4 records; at most 3 per request.",
        [{"loc": ["body", "records"], "msg": "at most 3 items"}],
    )
    app.config["MAX_RECORDS_BYTES"] = 1000
    response = _push(client, engineer, [record(seq=i) for i in range(10)])
    size = response.request.content_length
    assert size > 1000
    assert_error(response, 413, f"The body is {size} bytes; at most 1000.", [])
    assert _count(app) == 0


def test_anonymous_push_is_401_and_writes_nothing(app, client):
    response = client.post("/api/v1/records", json={"records": [record()]})
    assert_error(response, 401, "Sign in first: send 'Authorization: Bearer <token>'.", [])
    assert _count(app) == 0


def test_read_records_by_role_and_site(app, client, engineer):
    mine = record()
    _push(client, engineer, [mine])
    jinxiu = record(type="patrol_round", def_id="PTL-JX-OUT-NIGHT", site="jinxiu")
    _push(client, sign_in(client, "guard-j"), [jinxiu])
    sup = bearer(sign_in(client, "sup-l"))
    listed = client.get("/api/v1/records", headers=sup).get_json()["records"]
    assert [(r["id"], r["user"], r["site"]) for r in listed] == [(mine["id"], "eng-l", "lanyuan")]
    assert listed[0]["data"] == mine["data"]
    assert_error(
        client.get("/api/v1/records?site=jinxiu", headers=sup),
        403,
        "You are not assigned to site 'jinxiu'.",
        [],
    )
    admin = bearer(sign_in(client, "admin"))
    listed = client.get("/api/v1/records?site=jinxiu", headers=admin).get_json()["records"]
    assert [r["id"] for r in listed] == [jinxiu["id"]]
    assert_error(
        client.get("/api/v1/records?limit=x", headers=admin),
        400,
        "limit must be a number.",
        [{"loc": ["query", "limit"], "msg": "not a number"}],
    )
    assert_error(
        client.get("/api/v1/records", headers=bearer(engineer)),
        403,
        "This needs one of the roles: supervisor.",
        [],
    )


def test_uppercase_uuid_is_the_same_record(app, client, engineer):
    rec = record(id=str(uuid.uuid4()).upper())
    assert _push(client, engineer, [rec]).get_json()["results"][0] == {
        "id": rec["id"].lower(),
        "status": "created",
    }
    assert _push(client, engineer, [rec]).get_json()["results"][0]["status"] == "duplicate"


def test_backslash_u0000_text_is_not_a_nul(app, client, engineer):
    data = app_data("checklist_run")
    rec = record(data={**data, "items": {"room": {"value": "\\u0000"}}})
    assert _push(client, engineer, [rec]).get_json()["results"][0]["status"] == "created"


def test_long_integers_take_the_standard_parser(app, client, engineer):
    # orjson would read 2**64 as a float ("not a valid integer"); the push sees the integer
    text = orjson.dumps(record()).decode().replace('"seq":1', '"seq":18446744073709551616')
    body = '{"records": [' + text + "]}"
    response = client.post(
        "/api/v1/records", data=body, headers=bearer(engineer), content_type="application/json"
    )
    result = response.get_json()["results"][0]
    assert result["error"] == {
        "loc": ["seq"],
        "msg": "Input should be less than or equal to 2147483647",
    }


def test_lone_surrogate_is_rejected_and_echoed(app, client, engineer):
    # orjson refuses "\\ud800"; the standard parser takes it and it comes back escaped
    rec, bad = record(), record(id="\ud800")
    response = _push(client, engineer, [rec, bad])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected"]
    assert (results[1]["id"], results[1]["error"]["loc"]) == ("\ud800", ["id"])


def _stored_row(user_id: int, rec: dict) -> dict:
    whole = orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
    return {
        **{k: rec[k] for k in ("id", "type", "def_id", "def_version", "site", "device_id")},
        "seq": rec["seq"],
        "data": rec["data"],
        "recorded_at": dt.datetime(2026, 5, 1),
        "received_at": dt.datetime(2026, 5, 1),
        "user_id": user_id,
        "content_hash": hashlib.sha256(b"%d:%s" % (user_id, whole)).hexdigest(),
    }


def test_records_stored_by_a_concurrent_writer_are_not_created(app, client, engineer):
    """Another transaction stores two of the ids and commits while the push waits for it:
    the push must report what it finds committed, never `created` for someone else's row."""
    same, changed, fresh = record(seq=1), record(seq=2), record(seq=3)
    engine = app.extensions["dutybook.engine"]
    with engine.connect() as conn:
        user_id = accounts.user_id_of(conn, "eng-l")
    postgresql = engine.dialect.name == "postgresql"
    writing = engine if postgresql else engine.execution_options(sqlite_begin="IMMEDIATE")
    holding, pushing = threading.Event(), threading.Event()
    reads: list[str] = []

    def count_reads(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("SELECT id, content_hash FROM records"):
            reads.append(statement)
            pushing.set()

    def other_writer() -> None:
        with writing.begin() as conn:
            rows = [_stored_row(user_id, same), _stored_row(user_id, {**changed, "seq": 9})]
            conn.execute(insert(records), rows)
            holding.set()
            pushing.wait(10)  # commit once the push has looked the ids up: it cannot see these

    # the token's first use writes its last_used_at (SQLite would wait on the writer)
    assert client.get("/api/v1/session", headers=bearer(engineer)).status_code == 200
    # after, not before: the lookup has run and missed the rows when the writer commits
    event.listen(engine, "after_cursor_execute", count_reads)
    writer = threading.Thread(target=other_writer)
    writer.start()
    try:
        assert holding.wait(10)
        results = _push(client, engineer, [same, changed, fresh]).get_json()["results"]
    finally:
        event.remove(engine, "after_cursor_execute", count_reads)
    writer.join()
    assert [r["status"] for r in results] == ["duplicate", "conflict", "created"]
    assert _count(app) == 3
    # the push looked the ids up before the other writer committed, so it had to read the
    # two back: PostgreSQL after its insert skipped them, SQLite once it held the write lock
    assert len(reads) == 2


def test_plainly_valid_accepts_the_everyday_record():
    rec = record()
    assert plainly_valid(rec)
    assert plainly_valid({**rec, "id": rec["id"].upper(), "seq": 2**31 - 1, "def_id": "x" * 64})


EDGE_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**32), max_value=2**32),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 1.0, 0.0, [], [1], {}, {"a": 1}]),
    st.sampled_from(
        [
            "",
            "x" * 64,
            "x" * 65,
            "x" * 40,
            "x" * 41,
            "1.0",
            "1.0\n",
            "\u0661.\u0660",
            "12345.1",
            "1.12345",
            "00000000-0000-0000-0000-000000000000",
            "00000000-0000-0000-0000-000000000000\n",
            "0000000-00000-0000-0000-000000000000",
            "checklist_run",
            "Checklist_run",
            "quiz ",
            "2026-05-01T08:00:00+08:00",
        ]
    ),
    st.text(max_size=70),
    st.from_regex(r"[0-9a-fA-F\-]{34,38}", fullmatch=True),
    st.from_regex(r"[0-9\.]{1,11}", fullmatch=True),
)


def _model_accepts(raw: dict) -> bool:
    try:
        RecordIn.model_validate(raw)
    except ValidationError:
        return False
    return True


@settings(max_examples=400, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from([*FIELDS, "user"]), EDGE_VALUES, max_size=3),
    drop=st.sets(st.sampled_from(FIELDS), max_size=1),
)
def test_plainly_valid_never_passes_what_the_model_refuses(changes, drop):
    rec = {k: v for k, v in record(**changes).items() if k not in drop}
    if plainly_valid(rec):
        assert _model_accepts(rec), rec

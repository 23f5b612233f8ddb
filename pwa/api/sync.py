"""`POST /api/v1/records`: the idempotent push of records made offline (reading them is
`pwa/api/records.py`).

The batch's ids are looked up first (one query). Records are append-only, so an id found
stored is settled without any write: its content hash equals the record's, a `duplicate` (a
replay), or not, a `conflict`. The rest are inserted together in one transaction (one
statement): PostgreSQL's `INSERT … ON CONFLICT DO NOTHING RETURNING id` reads back any id
another request stored in between; SQLite looks them up again once it holds the write lock.
The transaction commits before the answer is built, so each status describes what is stored.

This is the hot path of every phone's sync: a record is checked by hand-written code over the
parsed dict, and only a record that code refuses meets the pydantic model, which words the
rejection. Outcomes that depend only on the clock text or on the definition are worked out
once per batch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
import threading
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, g
from pydantic import ValidationError

from pwa.api import tickets
from pwa.api.auth import require_user
from pwa.api.definitions import Bundle, Definition, current_bundle, parse_version, visible
from pwa.api.schemas import (
    FIELDS,
    HANDOVER_TYPES,
    TYPE_KINDS,
    RecordIn,
    RecordsIn,
    field_holding,
    has_nul,
    has_surrogate,
    json_bytes,
    message,
    parse,
    parse_json,
    plainly_valid,
    too_deep,
)
from pwa.errors import ApiError, detail
from pwa.ops import payloads
from pwa.ops.documents import applies
from pwa.store import db, records, versions
from pwa.store.accounts import User
from pwa.store.models import utcnow
from pwa.store.records import DATA, FLAGS, HASH, RECEIVED

bp = Blueprint("sync", __name__, url_prefix="/api/v1")

# the app's deepest data is 4 levels (data.items.<id>.value is a list); room to grow, not 900
MAX_DEPTH = 16
_fields = operator.itemgetter(*FIELDS)


def _payload_message(err: dict) -> str:
    # a validator's own sentence, without pydantic's "Value error, " before it
    if err["type"] == "value_error":
        return str(err["ctx"]["error"])
    return message(err)


class Rejected(Exception):
    def __init__(self, loc: list, msg: str) -> None:
        super().__init__(msg)
        self.loc, self.msg = loc, msg


class Checker:
    """Validates one record at a time against the bundle, the caller and the clock."""

    def __init__(self, user: User, bundle: Bundle) -> None:
        config = current_app.config
        self.user, self.bundle = user, bundle
        self.now = utcnow()
        self.flag_after = dt.timedelta(seconds=int(config["CLOCK_FLAG_SECONDS"]))
        self.latest = self.now + dt.timedelta(seconds=int(config["CLOCK_MAX_FUTURE_SECONDS"]))
        earliest = dt.datetime.fromisoformat(config["CLOCK_MIN"])
        self.earliest = earliest.astimezone(dt.UTC).replace(tzinfo=None)
        self.max_size = int(config["MAX_RECORD_BYTES"])
        self.site_ids = bundle.site_ids
        # a batch repeats a few clock texts and definitions many times: judge each once
        self.clocks: dict[str, tuple[dt.datetime, str | None] | Rejected] = {}
        self.definitions: dict[tuple[str, str, str, str], Rejected | None] = {}

    def check(self, raw: Any) -> tuple:
        """The record's row (in COLUMNS order), or Rejected naming the field."""
        if not isinstance(raw, dict):
            raise Rejected([], "expected a record object")
        if not plainly_valid(raw):
            try:
                RecordIn.model_validate(raw)
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                raise Rejected(list(err["loc"]), message(err)) from None
        # strict and unchanged by the model: the raw values are the validated ones
        rid, kind, def_id, version, site, device, seq, at, data = _fields(raw)
        if too_deep(data, MAX_DEPTH):
            # before anything recursive (orjson, the checks below) walks it
            raise Rejected(["data"], f"is nested more than {MAX_DEPTH} levels deep")
        recorded_at, flags = self.clock(at)
        try:
            # the canonical form: its hash tells a replay from a conflict
            whole = orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            name = field_holding(raw, has_surrogate)
            if name:
                raise Rejected([name], "holds a lone UTF-16 surrogate, not text") from None
            raise Rejected(["data"], "holds a number too large to store") from None
        if len(whole) > self.max_size:
            raise Rejected([], f"the record is {len(whole)} bytes; at most {self.max_size}")
        # PostgreSQL stores no NUL in text or jsonb: refuse it on every database alike
        if b"\\u0000" in whole and (name := field_holding(raw, has_nul)):
            raise Rejected([name], "holds a NUL character (\\u0000), which cannot be stored")
        return (
            rid.lower(),
            kind,
            def_id,
            version,
            site,
            device,
            seq,
            recorded_at,
            self.now,
            self.user.id,
            data,
            hashlib.sha256(b"%d:%s" % (self.user.id, whole)).hexdigest(),
            flags,
        )

    def judge(self, row: tuple) -> None:
        """A new record's definition and `data` fit what it names (Rejected if not).

        Only for ids not stored yet: a replay of a stored record is a duplicate whatever the
        handbook or this check says today, so a phone that missed its answer never sees an
        acknowledged record refused.
        """
        _, kind, def_id, version, site = row[:5]
        self.definition(kind, def_id, version, site)
        self.payload(kind, def_id, version, row[DATA])
        if kind == "ticket_event":
            try:
                tickets.judge(db.connection(), self.user, site, row[DATA])
            except tickets.TicketRejected as exc:
                raise Rejected(["data", "ticket"], str(exc)) from None

    def clock(self, text: str) -> tuple[dt.datetime, str | None]:
        found = self.clocks.get(text)
        if found is None:
            try:
                found = self._clock(text)
            except Rejected as exc:
                found = exc
            self.clocks[text] = found
        if isinstance(found, Rejected):
            raise Rejected(found.loc, found.msg)
        return found

    def _clock(self, text: str) -> tuple[dt.datetime, str | None]:
        try:
            when = dt.datetime.fromisoformat(text)
        except ValueError:
            raise Rejected(
                ["recorded_at"], "is not an ISO 8601 time like 2026-05-01T08:00:00+08:00"
            ) from None
        if when.tzinfo is None:
            raise Rejected(["recorded_at"], "needs a UTC offset, e.g. 2026-05-01T08:00:00+08:00")
        ahead = Rejected(["recorded_at"], "is more than a day ahead of the server clock")
        before = Rejected(["recorded_at"], f"is before {self.earliest.date()}; check the clock")
        try:
            utc = when.astimezone(dt.UTC).replace(tzinfo=None)
        except OverflowError:
            # the offset moves 9999-12-31 or 0001-01-01 out of what a datetime can hold
            raise (ahead if when.year > self.now.year else before) from None
        if utc > self.latest:
            raise ahead
        if utc < self.earliest:
            raise before
        # far from the server clock (a phone offline for days, a wrong clock): keep, flag
        return utc, "clock" if abs(utc - self.now) > self.flag_after else None

    def definition(self, kind: str, def_id: str, version: str, site: str) -> None:
        key = (kind, def_id, version, site)
        if key not in self.definitions:
            try:
                self._definition(kind, def_id, version, site)
            except Rejected as exc:
                self.definitions[key] = exc
            else:
                self.definitions[key] = None
        found = self.definitions[key]
        if found is not None:
            raise Rejected(found.loc, found.msg)

    def _live_definition(self, kind: str, def_id: str, version: str, found) -> None:
        if found is None or found.kind == "site":
            raise Rejected(["def_id"], f"unknown definition {def_id!r}")
        kinds = TYPE_KINDS[kind]
        if found.kind not in kinds:
            raise Rejected(
                ["def_id"],
                f"{def_id!r} is a {found.kind}; a {kind} needs a {' or '.join(kinds)}",
            )
        if kind in HANDOVER_TYPES and not self.bundle.raw["documents"][def_id]["doc"].get(
            "handover"
        ):
            raise Rejected(["def_id"], f"{def_id!r} is not a handover checklist (handover: true)")
        # an older version is fine: the record is kept against the version it was made with
        if found.version is not None and parse_version(version) > found.version:
            current = ".".join(map(str, found.version))
            raise Rejected(
                ["def_version"], f"{version} is newer than the current version {current}"
            )

    def _published_before(
        self, kind: str, def_id: str, version: str, found: Definition | None
    ) -> versions.Noted | None:
        """The version the record names if the live bundle lacks it but a published one had
        it (a document since taken out, or a newer version since rolled back), of a fitting
        kind; else None."""
        live = found.version if found is not None else None
        if found is not None and (live is None or parse_version(version) <= live):
            return None
        published = versions.published(db.connection(), def_id, version)
        return published if published and published.kind in TYPE_KINDS[kind] else None

    def payload(self, kind: str, def_id: str, version: str, data: dict) -> None:
        """`data` fits its type's model and, made with the current version, that document."""
        try:
            checked = payloads.MODELS[kind].model_validate(data)
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            raise Rejected(["data", *err["loc"]], _payload_message(err)) from None
        entry = self.bundle.raw["documents"].get(def_id)
        # the bundle holds the current version only: another one is judged by its model
        if entry is not None and entry.get("version") == version:
            try:
                payloads.against_definition(kind, checked, entry["doc"], self.bundle.raw, version)
            except payloads.Mismatch as exc:
                raise Rejected(["data", *exc.loc], exc.msg) from None

    def _definition(self, kind: str, def_id: str, version: str, site: str) -> None:
        user = self.user
        found = self.bundle.index.get(def_id)
        # a version the handbook had but has no longer (rolled back, or the document taken out)
        before = self._published_before(kind, def_id, version, found)
        if before is None:
            self._live_definition(kind, def_id, version, found)
        if site not in self.site_ids:
            raise Rejected(["site"], f"unknown site {site!r}")
        if not user.is_admin and site not in user.sites:
            raise Rejected(["site"], f"you are not assigned to site {site!r}")
        if found is None:  # taken out of the handbook: held to the sites and roles it had
            if before.roles is None:  # noted before those were kept
                return
            found = Definition(
                before.kind,
                parse_version(version),
                frozenset(before.sites) if before.sites is not None else None,
                frozenset(before.roles),
            )
        if not applies(found.sites, site):
            raise Rejected(["site"], f"{def_id!r} does not apply to site {site!r}")
        if not visible(user, found):
            raise Rejected(["def_id"], f"{def_id!r} is not for your roles")


def store(rows: list[tuple], known: dict[str, str], user: User) -> tuple[set[str], dict[str, str]]:
    """Insert what is new in one committed transaction; (inserted ids, stored hash of each id).

    Records are append-only: an id found stored stays stored with that content, so the ids
    are first looked up outside any write transaction (`known`), and a replay writes (and
    waits for the write lock) not at all.
    """
    first: dict[str, tuple] = {}
    for row in rows:
        first.setdefault(row[0], row)
    found = dict(known)
    new = [row for rid, row in first.items() if rid not in found]
    if not new:
        return set(), found
    with db.writing() as conn:
        inserted, raced = records.store(conn, new)
        events = [row for row in new if row[0] in inserted and row[1] == "ticket_event"]
        if events:
            # the ticket's log takes the event in the transaction that acknowledges it
            tickets.apply(conn, user, events, new[0][RECEIVED])
    found.update(raced)
    found.update((row[0], row[HASH]) for row in new if row[0] in inserted)
    return inserted, found


def _batch(raw: bytes) -> list:
    """The request's records, or an ApiError saying what is wrong with the body."""
    body = parse_json(raw)
    if isinstance(body, dict) and isinstance(body.get("records"), list):
        most = int(current_app.config["MAX_BATCH"])
        if len(body["records"]) > most:
            raise ApiError(
                413,
                f"The batch has {len(body['records'])} records; at most {most} per request.",
                [detail(["body", "records"], f"at most {most} items")],
            )
        if body.keys() == {"records"} and body["records"]:
            return body["records"]
    # the model words whatever is wrong with the envelope
    return parse(RecordsIn, body).records


# One big batch at a time in each server process. The threads of a process share one
# interpreter lock, and SQLite one write lock: big batches checked side by side finish no
# sooner, but each holds its parsed records in memory meanwhile (four at once took the server
# from 178 MB to 241 MB in `make bench`). A phone's usual push of a few records goes straight
# on, beside a big one's fsync. The body is read before waiting: a slow upload holds up nobody.
PUSHING = threading.Lock()
BIG_PUSH = 64 * 1024  # bytes: about 150 records


@bp.post("/records")
def push() -> Response:
    user = require_user()
    raw = json_bytes(int(current_app.config["MAX_RECORDS_BYTES"]))
    if len(raw) < BIG_PUSH:
        return _push(user, raw)
    with PUSHING:
        return _push(user, raw)


def _push(user: User, raw: bytes) -> Response:
    batch = _batch(raw)
    checker = Checker(user, current_bundle())
    results: list[dict] = []
    rows: list[tuple[int, tuple]] = []
    for raw in batch:
        try:
            row = checker.check(raw)
        except Rejected as exc:
            rid = raw.get("id") if isinstance(raw, dict) else None
            results.append(
                {
                    "id": rid if isinstance(rid, str) else None,
                    "status": "rejected",
                    "error": detail(exc.loc, exc.msg),
                }
            )
            continue
        rows.append((len(results), row))
        results.append({"id": row[0], "status": None})
    known = records.stored(db.connection(), list({row[0] for _, row in rows})) if rows else {}
    judged = []
    for position, row in rows:
        if row[0] not in known:
            try:
                checker.judge(row)
            except Rejected as exc:
                results[position].update(status="rejected", error=detail(exc.loc, exc.msg))
                continue
        judged.append((position, row))
    rows = judged
    if rows:
        inserted, stored = store([row for _, row in rows], known, user)
        for position, row in rows:
            rid = row[0]
            result = results[position]
            if rid in inserted:
                inserted.discard(rid)  # a repeat of the id later in the batch is a replay
                result["status"] = "created"
            elif stored[rid] == row[HASH]:
                result["status"] = "duplicate"
            else:
                result["status"] = "conflict"
                result["error"] = detail(["id"], "a different record with this id is stored")
            if row[FLAGS]:
                result["flags"] = row[FLAGS].split(",")
    counts: dict[str, int] = {}
    for result in results:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    g.record_counts = counts
    try:
        answer = orjson.dumps({"results": results})
    except orjson.JSONEncodeError:
        # a lone surrogate (only the standard parser lets one in) echoed in an id or message
        answer = json.dumps({"results": results}).encode()
    return Response(answer, mimetype="application/json")

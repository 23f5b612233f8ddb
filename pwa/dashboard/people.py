"""Dashboard: who has acknowledged which document, course completion and quiz scores."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response
from sqlalchemy import Connection

from generator.models import Course
from generator.schedule import duration_minutes
from pwa.api.definitions import parse_version
from pwa.config import STAFF_ROLES
from pwa.dashboard import tables
from pwa.dashboard.context import VERSIONED, bundle, now, page, site_or_403
from pwa.ops import payloads
from pwa.ops.documents import applies
from pwa.store import db, records
from pwa.store import staff as people_store

bp = Blueprint("people", __name__)

# What the app lets a person acknowledge (pwa/static/app/learn.js ACK_KINDS; a test keeps the
# two equal). Checklists, patrols and courses are done, not acknowledged: a matrix cell for
# them could only ever read 未确认.
ACK_KINDS = ("procedure", "emergency")


def matrix(conn: Connection, site: str) -> dict:
    """Staff × documents: who acknowledged the current MAJOR version; courses and quiz scores."""
    handbook = bundle()
    raw, index, documents = handbook.raw, handbook.index, handbook.documents
    staff = people_store.site_staff(conn, site, STAFF_ROLES)
    versioned = [
        (doc_id, entry)
        for doc_id, entry in sorted(raw["documents"].items())
        if entry["kind"] in VERSIONED and applies(index[doc_id].sites, site)
    ]
    docs = [(doc_id, entry) for doc_id, entry in versioned if entry["kind"] in ACK_KINDS]
    ids = [s[0] for s in staff]
    acks: dict[tuple[int, str], tuple[int, int]] = {}
    quizzes: dict[tuple[int, str], list[dict]] = {}
    if ids:
        for row in records.acks_and_quizzes(conn, ids):
            version = parse_version(row.def_version) or (0, 0)
            key = (row.user_id, row.def_id)
            if row.type == "ack":
                acks[key] = max(acks.get(key, (0, 0)), version)
            else:
                data = payloads.stored(row.type, row.data)
                quizzes.setdefault(key, []).append({"version": version, "data": data})
    joined: dict[int, dt.datetime] = {}
    if ids:
        joined = people_store.joined(conn, ids)
    cells: dict[tuple[int, str], dict] = {}
    for user_id, _name, roles in staff:
        for doc_id, entry in versioned:
            if not (roles & index[doc_id].roles):
                cells[(user_id, doc_id)] = {"state": "na"}
                continue
            current = parse_version(entry["version"]) or (0, 0)
            have = acks.get((user_id, doc_id))
            if have is None:
                cells[(user_id, doc_id)] = {"state": "none"}
            elif have[0] >= current[0]:
                cells[(user_id, doc_id)] = {"state": "ok", "version": ".".join(map(str, have))}
            else:
                cells[(user_id, doc_id)] = {"state": "old", "version": ".".join(map(str, have))}
    courses = []
    moment = now().astimezone(dt.UTC).replace(tzinfo=None)
    for doc_id, entry in versioned:
        course = documents[doc_id]
        if not isinstance(course, Course):
            continue
        for user_id, name, roles in staff:
            if not (roles & index[doc_id].roles):
                continue
            tries = quizzes.get((user_id, doc_id), [])
            scores = [score_quiz(course, q["data"]) for q in tries]
            best = max(scores) if scores else None
            passed = best is not None and best >= course.pass_mark
            acked = cells.get((user_id, doc_id), {}).get("state") == "ok"
            complete = passed if course.quiz else acked
            due = _due(joined.get(user_id), course.due_within)
            courses.append(
                {
                    "course": doc_id,
                    "title": entry["title"],
                    "user": name,
                    "attempts": len(tries),
                    "best": best,
                    "pass_mark": course.pass_mark,
                    "passed": passed,
                    "complete": complete,
                    "due": due,
                    "overdue": bool(due and not complete and moment > due),
                }
            )
    return {"staff": staff, "docs": docs, "cells": cells, "courses": courses}


def _due(joined: dt.datetime | None, due_within: str) -> dt.datetime | None:
    """When a course falls due: `due_within` after the account was created (naive UTC)."""
    if joined is None:
        return None
    return joined + dt.timedelta(minutes=duration_minutes(due_within))


def score_quiz(course: Course, data: dict) -> int:
    """The score from the answers against the course's key; the device's own score otherwise."""
    answers = data.get("answers")
    quiz = course.quiz
    if isinstance(answers, dict) and quiz:
        right = 0
        for question in quiz:
            given = answers.get(question.id)
            if isinstance(given, list) and sorted(given) == sorted(question.answer):
                right += 1
        return round(100 * right / len(quiz))
    score = data.get("score")
    return int(score) if isinstance(score, int | float) else 0


ACK_STATES = {"ok": "acked", "old": "old_version", "none": "not_acked", "na": "not_applicable"}


@bp.get("/<site>/acks")
def acks_page(site: str) -> Response | str:
    prop = site_or_403(site)
    data = matrix(db.connection(), site)
    table = tables.wants_csv()
    if table is not None:
        if table == "acks":
            return tables.csv_response(
                f"{site}-acks",
                tables.ACK_HEADER,
                (
                    [name, doc_id, entry["kind"], entry["version"],
                     ACK_STATES[data["cells"][(uid, doc_id)]["state"]],
                     data["cells"][(uid, doc_id)].get("version")]
                    for uid, name, _ in data["staff"]
                    for doc_id, entry in data["docs"]
                ),
            )  # fmt: skip
        if table == "courses":
            return tables.csv_response(
                f"{site}-courses", tables.COURSE_HEADER, map(tables.course_row, data["courses"])
            )
        raise tables.unknown_table(table, ("acks", "courses"))
    return page("acks.html", site=prop, ack_states=ACK_STATES, **data)

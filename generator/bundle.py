"""`handbook.json`: every validated document as JSON, hashed, for the server and the app.

Shape (format 1)::

    {
      "format": 1,
      "hash": "<sha256 of the documents' hashes>",
      "generated": "2026-05-01T08:00:00+00:00",   # build time; not part of any hash
      "site": {...},                              # the site document (roles, shifts, contacts,
                                                  # each property's code, the calendar)
      "desk": {...},                              # the desk document's categories, typed; or null
      "documents": {
        "CHK-PUMP-ROOM": {
          "kind": "checklist", "version": "1.0", "title": "...",
          "url": "checklists/chk-pump-room/",     # page in the built handbook, from site root
          "hash": "<sha256 of this entry without the hash>",
          "doc": {...},                           # model_dump(mode="json"): the YAML, validated
          "derived": {...},                       # words the app shows: schedules, durations
          "sites": ["lanyuan"],                   # where it applies; null: every site
          "slots": {                              # what schedule slots are computed from
            "schedules": [{"every": "day", "times": 2, "shifts": [], "at": [], "people": 1}],
            "time_allowed_minutes": 30
          },
          "checkpoints": null                     # a patrol's stops, joined to the site's
        }
      }
    }

`derived` holds, by kind: checklist `schedule` (每日两次), `time_allowed` and `ranges` (item id
→ "≥ 1 台"); patrol `schedules` (one per entry) and `time_allowed`; emergency `drill` and
`first_actions` (their `within` in words); procedure `steps` (time limits in words); course
`due_within` and `due_minutes`. Those words are in Chinese; `derived_en` holds the same in
English, so the app speaks the handbook's words in either language.

`desk` is what the server counts tickets by, from the one desk document (null without
one): its `id` and `version`, `callback` {`share`, `within`}, `satisfaction_target`, and
`categories` as written, each limit (`respond`, `on_site`, `close`, and the callback's
`within`) a `{"duration": "15m", "minutes": 15, "working_days": null}`: `minutes` for a
length in m, h or d, `working_days` for one in wd (how long that is depends on the
site's `calendar`), the other null; a limit not given is null. The desk document's
`derived` holds the limits in words, per category id.

`sites`, `url` and `slots` say once, for every consumer, what each would otherwise derive
from `doc`: `sites` is a patrol's `site` as a one-item list, or the document's `sites`
(null: every site; null for the site document); `url` is the page's address (from the
build, else MkDocs' default directory URLs); `slots` is, for a checklist or patrol, its
schedules as a list (a checklist's one, a patrol's each, defaults filled in) and its
`time_allowed` in minutes, and null for other kinds. The same input always gives the same
hashes: JSON is dumped with sorted keys and no spacing.

`checkpoints` is, for a patrol, its stops in route order, each the site checkpoint it names
joined with what the route asks there: `code`, `name`, `area`, `note`, `codes` (every code
the place's posters may carry: its code, then the codes it `replaces`), `tasks` and `sop`;
null for other kinds. A scanned code, or a code an old record names, is the stop whose
`codes` hold it: the server's compliance and the phone read that one list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import orjson
from pydantic import BaseModel

from generator.addresses import page_uri, page_url
from generator.labels import duration_words, range_words, schedule_words
from generator.models import (
    Checklist,
    Course,
    Desk,
    Emergency,
    Patrol,
    Procedure,
    Site,
    checkpoint_index,
)
from generator.models.desk import CLOCKS
from generator.schedule import duration_minutes, duration_parts
from generator.tree import Tree

FORMAT = 1


def canonical(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sha256(data: object) -> str:
    return hashlib.sha256(canonical(data)).hexdigest()


def derived(doc: BaseModel, lang: str = "zh") -> dict[str, object]:
    """Words the app would otherwise have to compute the same way the pages do."""
    if isinstance(doc, Checklist):
        return {
            "schedule": schedule_words(doc.schedule.every, doc.schedule.times, lang),
            "time_allowed": duration_words(doc.time_allowed, lang) if doc.time_allowed else None,
            "ranges": {
                item.id: range_words(item.min, item.max, item.unit)
                for item in doc.items
                if item.min is not None or item.max is not None
            },
        }
    if isinstance(doc, Patrol):
        return {
            "schedules": [schedule_words(s.every, s.times, lang) for s in doc.schedule],
            "time_allowed": duration_words(doc.time_allowed, lang),
        }
    if isinstance(doc, Emergency):
        return {
            "drill": schedule_words(doc.drill.every, doc.drill.times, lang) if doc.drill else None,
            "first_actions": [
                duration_words(a.within, lang) if a.within else None for a in doc.first_actions
            ],
        }
    if isinstance(doc, Procedure):
        return {
            "steps": [
                duration_words(s.time_limit, lang) if s.time_limit else None for s in doc.steps
            ]
        }
    if isinstance(doc, Course):
        return {
            "due_within": duration_words(doc.due_within, lang),
            "due_minutes": duration_minutes(doc.due_within),
        }
    if isinstance(doc, Desk):
        return {
            "categories": {
                c.id: {
                    clock: duration_words(getattr(c, clock), lang) if getattr(c, clock) else None
                    for clock in CLOCKS
                }
                for c in doc.categories
            },
            "callback_within": duration_words(doc.callback.within, lang),
        }
    return {}


def limit(value: str | None) -> dict[str, object] | None:
    """A time limit for the server: as written, and in minutes or in working days."""
    if value is None:
        return None
    amount, unit = duration_parts(value)
    working = unit == "wd"
    return {
        "duration": value,
        "minutes": None if working else duration_minutes(value),
        "working_days": amount if working else None,
    }


def desk(doc: Desk) -> dict[str, object]:
    """The desk document as the server reads it: categories with typed limits."""
    categories = []
    for category in doc.categories:
        entry = category.model_dump(mode="json")
        for clock in CLOCKS:
            entry[clock] = limit(getattr(category, clock))
        categories.append(entry)
    return {
        "id": doc.id,
        "version": doc.version,
        "categories": categories,
        "callback": {"share": doc.callback.share, "within": limit(doc.callback.within)},
        "satisfaction_target": doc.satisfaction_target,
    }


def sites(doc: BaseModel) -> list[str] | None:
    """Where a document applies: a list of site (property) ids, or None for every site."""
    if isinstance(doc, Patrol):
        return [doc.site]
    listed = getattr(doc, "sites", None)
    return list(listed) if listed is not None else None


def slots(doc: BaseModel) -> dict[str, object] | None:
    """The inputs of a document's schedule slots (the server's compliance and the phone's
    today list both compute them); None for kinds without a schedule."""
    if isinstance(doc, Checklist):
        schedules = [{**doc.schedule.model_dump(mode="json"), "people": 1}]
    elif isinstance(doc, Patrol):
        schedules = [s.model_dump(mode="json") for s in doc.schedule]
    else:
        return None
    allowed = doc.time_allowed
    return {
        "schedules": schedules,
        "time_allowed_minutes": duration_minutes(allowed) if allowed else None,
    }


def checkpoints(doc: BaseModel, site: Site | None) -> list[dict[str, object]] | None:
    """A patrol's stops joined to the site's checkpoints; None for other kinds."""
    if not isinstance(doc, Patrol):
        return None
    index = checkpoint_index(site) if site else {}
    stops = []
    for stop in doc.checkpoints:
        _, place = index.get(stop.code, (None, None))
        stops.append(
            {
                # a code the site does not define (a tree `dutybook check` refuses) stays a stop
                "code": place.code if place else stop.code,
                "name": place.name if place else stop.code,
                "area": place.area if place else None,
                "note": place.note if place else None,
                "codes": [place.code, *place.replaces] if place else [stop.code],
                "tasks": list(stop.tasks),
                "sop": stop.sop,
            }
        )
    return stops


def bundle(
    tree: Tree,
    urls: dict[str, str] | None = None,
    generated: dt.datetime | None = None,
    kept: dict[str, tuple[object, ...]] | None = None,
) -> dict[str, object]:
    """The bundle as a dict; `urls` maps document ids to their page in the built site
    (without it, each page's address under MkDocs' default directory URLs).

    `kept` (the preview's, generator.live_site) holds each entry made, with the document,
    URL and site it was made from; an entry made from the same three is not made again.
    """
    if urls is None:
        urls = {
            doc.id: page_url(page_uri(doc)) for doc in tree.documents.values() if doc.kind != "site"
        }
    documents: dict[str, dict[str, object]] = {}
    site = tree.site
    for doc_id in sorted(tree.documents):
        doc = tree.documents[doc_id]
        url = urls.get(doc_id)
        made = kept.get(doc_id) if kept is not None else None
        if made is not None and made[0] is doc and made[1] == url and made[2] is site:
            documents[doc_id] = made[3]
            continue
        entry: dict[str, object] = {
            "kind": doc.kind,
            "version": getattr(doc, "version", None),
            "title": doc.title,
            "url": url,
            "doc": doc.model_dump(mode="json"),
            "derived": derived(doc),
            "derived_en": derived(doc, "en"),
            "sites": sites(doc),
            "slots": slots(doc),
            "checkpoints": checkpoints(doc, site),
        }
        entry["hash"] = sha256(entry)
        documents[doc_id] = entry
        if kept is not None:
            kept[doc_id] = (doc, url, site, entry)
    if kept is not None:
        for gone in kept.keys() - documents.keys():
            del kept[gone]
    desks = sorted((d for d in tree.documents.values() if isinstance(d, Desk)), key=lambda d: d.id)
    generated = generated or dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "format": FORMAT,
        "hash": sha256(
            {"format": FORMAT, "documents": {k: v["hash"] for k, v in documents.items()}}
        ),
        "generated": generated.isoformat(),
        "site": site.model_dump(mode="json") if site else None,
        "desk": desk(desks[0]) if desks else None,
        "documents": documents,
    }


def bundle_text(data: dict[str, object]) -> str:
    """handbook.json as written: indented, keys sorted (orjson: json.dumps with an indent
    falls back to its pure-Python encoder, half a second for 2000 documents)."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS).decode() + "\n"

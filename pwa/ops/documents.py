"""What a bundle entry says about its document, read one way by every module that asks.

The bundle (generator/bundle.py) says once where each document applies, in `entry["sites"]`
(a patrol's one site, a document's `sites`, or None for every site); nothing on the server
reads `site` or `sites` out of `doc` again. The roles a document is for are its `roles`; the
site document has role definitions there, not roles it is for, and is for no one.

A patrol's `doc` names its checkpoints by code alone; the entry's `checkpoints` are those
stops joined to the site's checkpoints (name, area, and `codes`: every code the place's
posters carry, old ones included). `route` is the document as the rules judge it.
"""

from __future__ import annotations

from collections.abc import Collection


def applies(sites: Collection[str] | None, site: str) -> bool:
    """Whether a document whose bundle entry lists `sites` (None: every site) applies at `site`."""
    return sites is None or site in sites


def roles_of(entry: dict) -> frozenset[str]:
    """The staff roles a bundle entry's document is for."""
    if entry["kind"] == "site":
        return frozenset()
    return frozenset(entry["doc"].get("roles") or ())


def route(entry: dict) -> dict:
    """A patrol entry's document with its checkpoints joined to the site's: each has `code`,
    `name`, `area`, `codes`, `tasks` and `sop`. Other kinds' documents as they are."""
    stops = entry.get("checkpoints")
    return entry["doc"] if stops is None else {**entry["doc"], "checkpoints": stops}


def checkpoint_codes(stops: list[dict]) -> dict[str, str]:
    """Every code a route's posters may carry, old or current, to the code of its checkpoint:
    what a scanned code, or a code an old record names, counts as."""
    return {code: stop["code"] for stop in stops for code in stop.get("codes") or [stop["code"]]}


def part_id(part: dict) -> str:
    """What a record calls a part of a document: a checklist's item by its id, a route's
    checkpoint by its code."""
    return part.get("id") or part["code"]

"""What a bundle entry says about its document, read one way by every module that asks.

The bundle (generator/bundle.py) says once where each document applies, in `entry["sites"]`
(a patrol's one site, a document's `sites`, or None for every site); nothing on the server
reads `site` or `sites` out of `doc` again. The roles a document is for are its `roles`; the
site document has role definitions there, not roles it is for, and is for no one.
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

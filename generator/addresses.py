"""Where each generated page lives under docs_dir, and the address MkDocs gives it.

The renderer, the navigation, the QR posters and the bundle (each document's URL) all
ask here, so a page and every link to it agree.
"""

from __future__ import annotations

from pydantic import BaseModel

from generator.models import Checklist

KIND_DIRS = {
    "procedure": "procedures",
    "checklist": "checklists",
    "patrol": "patrols",
    "emergency": "emergencies",
    "course": "courses",
    "desk": "desk",
}
# Kinds whose pages staff find among another kind's: the service desk's categories are
# how 客服 work, so its page is listed with the procedures (navigation, role and home pages).
SECTION = {"desk": "procedure"}
# the kinds that have a section of their own, in the order staff see them
KINDS = [kind for kind in KIND_DIRS if kind not in SECTION]


def section(kind: str) -> str:
    """The kind whose section lists pages of this kind."""
    return SECTION.get(kind, kind)


def staff_order(doc: BaseModel) -> tuple[int, str]:
    """How lists show documents to staff: emergency plans by rank (fire first), else by id."""
    return (getattr(doc, "rank", 0), doc.id)


def slug(doc: BaseModel) -> str:
    return doc.id.lower()


def page_uri(doc: BaseModel) -> str:
    """Where a document's page lives, relative to docs_dir: procedures/eng-repair.md."""
    return f"{KIND_DIRS[doc.kind]}/{slug(doc)}.md"


def print_uri(doc: Checklist) -> str:
    return f"checklists/{slug(doc)}-print/index.html"


def poster_dir(site_id: str) -> str:
    """Folder of a property's QR posters: its sheet, one SVG per checkpoint, the PDF.

    Posters belong to the property, not to a route: a place two routes pass has one poster."""
    return f"patrols/{site_id}-qr"


def posters_uri(site_id: str) -> str:
    return f"{poster_dir(site_id)}/index.html"


def page_url(uri: str, directory_urls: bool = True) -> str:
    """The address MkDocs gives a page: procedures/eng-repair.md -> procedures/eng-repair/."""
    return uri.removesuffix(".md") + ("/" if directory_urls else ".html")


def role_uri(role_id: str) -> str:
    return f"roles/{role_id}.md"

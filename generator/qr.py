"""Checkpoint QR codes: one poster per physical place, whatever routes pass there.

Each property has a poster sheet (an SVG per checkpoint a route visits) and one A4 PDF.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno

from generator.background import Background

if TYPE_CHECKING:  # the MkDocs process makes SVGs without importing the models
    from generator.tree import Tree

PDF_CSS = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans CJK", sans-serif; text-align: center; }
section { page-break-after: always; }
section:last-child { page-break-after: auto; }
.route { font-size: 14pt; color: #555; margin: 0; }
.name { font-size: 34pt; font-weight: bold; margin: 8mm 0; }
img { width: 130mm; height: 130mm; }
.code { font-size: 20pt; font-family: "Noto Sans Mono CJK SC", monospace; margin: 6mm 0 2mm; }
.hint { font-size: 14pt; }
.old { font-size: 11pt; color: #555; }
"""


@dataclass(frozen=True)
class Poster:
    """One checkpoint's poster: the place, its code and the codes its old posters carry."""

    code: str
    name: str
    area: str  # the area's id
    replaces: tuple[str, ...]
    svg: str  # the SVG's path under docs_dir


def sheets(tree: Tree) -> dict[str, list[Poster]]:
    """Each property's posters, one per checkpoint that some route visits, in the site
    document's order; a property no route visits has no sheet."""
    from generator.addresses import poster_dir

    site = tree.site
    if site is None:
        return {}
    visited = {stop.code for route in tree.of_kind("patrol") for stop in route.checkpoints}
    found: dict[str, list[Poster]] = {}
    for prop in site.properties:
        places = [c for c in prop.checkpoints if c.code in visited]
        if places:
            # numbered, so that codes differing only in case or in ":" never share a file name
            found[prop.id] = [
                Poster(
                    c.code,
                    c.name,
                    c.area,
                    tuple(c.replaces),
                    f"{poster_dir(prop.id)}/{n:02d}-{re.sub(r'[^A-Za-z0-9_.-]', '_', c.code)}.svg",
                )
                for n, c in enumerate(places, 1)
            ]
    return found


def qr_code(value: str) -> segno.QRCode:
    # error level M survives a scuffed or partly dirty poster; never a Micro QR (phones miss them)
    return segno.make_qr(value, error="m")


def svg(value: str) -> bytes:
    """An SVG that scales to any poster size and decodes to `value`."""
    out = io.BytesIO()
    qr_code(value).save(
        out,
        kind="svg",
        scale=10,
        border=4,
        xmldecl=True,
        title=value,
        svgclass="dutybook-qr-code",
        lineclass=None,
    )
    return out.getvalue()


def codes(tree: Tree) -> list[tuple[str, str]]:
    """(path under docs_dir of its SVG, code) for every poster of every property."""
    return [(p.svg, p.code) for posters in sheets(tree).values() for p in posters]


def _svg_each(values: list[str]) -> list[bytes]:
    return [svg(value) for value in values]


# Choosing the best of eight masks makes a code cost ~4 ms of pure Python: 800 checkpoints
# are 3 s. From this many codes on they are made in a second process during the build.
BACKGROUND_CODES = 10


class PendingSvgs:
    """Every checkpoint poster SVG of the given codes, made now or in the background."""

    def __init__(self, uris: list[tuple[str, str]], background: bool) -> None:
        self.uris = uris  # (path under docs_dir, code), as `codes` gives them
        self.values = list(dict.fromkeys(code for _, code in self.uris))
        self._work = None
        if background and len(self.values) >= BACKGROUND_CODES:
            self._work = Background(_svg_each, self.values)

    def cancel(self) -> None:
        """Stop the background process (a failed build); `result` is not asked for."""
        if self._work is not None:
            self._work.cancel()

    def result(self) -> dict[str, bytes]:
        """{path under docs_dir: SVG}, waiting for the background process if there is one;
        made here where there is none, or it died."""
        made = self._work.result() if self._work is not None else None
        if made is None:
            made = _svg_each(self.values)
        by_value = dict(zip(self.values, made, strict=True))
        return {uri: by_value[code] for uri, code in self.uris}


def poster_html(title: str, posters: list[Poster], areas: dict[str, str], words: dict) -> str:
    """One A4 page per checkpoint: the property (`title`), the place's name, the code big, the
    code in text, the old codes it replaces."""
    pages = []
    for n, poster in enumerate(posters, 1):
        uri = qr_code(poster.code).svg_data_uri(scale=10, border=4)
        name, code = html.escape(poster.name), html.escape(poster.code)
        area = html.escape(areas.get(poster.area, poster.area))
        old = ""
        if poster.replaces:
            old = words["replaces_old"].format(codes="、".join(poster.replaces))
            old = f'<p class="old">{html.escape(old)}</p>'
        pages.append(
            f'<section><p class="route">{html.escape(title)} · {n}/{len(posters)}</p>'
            f'<p class="name">{name}</p><img src="{uri}" alt="{code}">'
            f'<p class="code">{code} · {area}</p>{old}'
            f'<p class="hint">{html.escape(words["scan_hint"])}</p></section>'
        )
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><style>{PDF_CSS}</style>'
        f"<title>{html.escape(title)}</title></head><body>{''.join(pages)}</body></html>"
    )


def pdf(title: str, posters: list[Poster], areas: dict[str, str], words: dict) -> bytes:
    """A property's posters as one PDF (WeasyPrint with the system's Noto CJK fonts)."""
    from weasyprint import HTML  # imported late: it is slow to import and only builds need it

    return HTML(string=poster_html(title, posters, areas, words)).write_pdf()

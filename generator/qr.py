"""Checkpoint QR codes: an SVG per checkpoint for the poster page, one A4 PDF per route."""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

import segno

from generator.background import Background

if TYPE_CHECKING:  # the MkDocs process makes SVGs without importing the models
    from generator.models import Patrol

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
"""


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


def codes(patrols: list[Patrol]) -> list[tuple[str, str]]:
    """(path under docs_dir of its SVG, code) for every checkpoint of the routes."""
    from generator.addresses import asset_dir

    return [(f"{asset_dir(p)}/{cp.id}.svg", cp.code) for p in patrols for cp in p.checkpoints]


def _svg_each(values: list[str]) -> list[bytes]:
    return [svg(value) for value in values]


# Choosing the best of eight masks makes a code cost ~4 ms of pure Python: 800 checkpoints
# are 3 s. From this many codes on they are made in a second process during the build.
BACKGROUND_CODES = 10


class PendingSvgs:
    """Every checkpoint poster SVG of the given codes, made now or in the background."""

    def __init__(self, uris: list[tuple[str, str]], background: bool) -> None:
        self.uris = uris  # (path under docs_dir, code), as `codes` gives them
        # routes of one site may share a place's poster: one code, made once
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


def poster_html(patrol: Patrol, areas: dict[str, str], hint: str) -> str:
    """One A4 page per checkpoint: route, checkpoint name, the code big, the code in text."""
    pages = []
    total = len(patrol.checkpoints)
    for n, cp in enumerate(patrol.checkpoints, 1):
        uri = qr_code(cp.code).svg_data_uri(scale=10, border=4)
        name, code = html.escape(cp.name), html.escape(cp.code)
        area = html.escape(areas.get(cp.area, cp.area))
        pages.append(
            f'<section><p class="route">{html.escape(patrol.title)} · {n}/{total}</p>'
            f'<p class="name">{name}</p><img src="{uri}" alt="{code}">'
            f'<p class="code">{code} · {area}</p><p class="hint">{html.escape(hint)}</p></section>'
        )
    return (
        f'<!doctype html><html lang="zh"><head><meta charset="utf-8"><style>{PDF_CSS}</style>'
        f"<title>{html.escape(patrol.title)}</title></head><body>{''.join(pages)}</body></html>"
    )


def pdf(patrol: Patrol, areas: dict[str, str], hint: str) -> bytes:
    """The route's posters as one PDF (WeasyPrint with the system's Noto CJK fonts)."""
    from weasyprint import HTML  # imported late: it is slow to import and only builds need it

    return HTML(string=poster_html(patrol, areas, hint)).write_pdf()

"""Fixtures for the security tests: a SQLite app whose site folder looks like a real build."""

from __future__ import annotations

import functools
import json

import pytest

from tests.pwa.support import SOP

# the three inline scripts Material puts in a page, abridged, plus its JSON config block,
# with text enough to be sent gzipped (pwa/compress.py)
MATERIAL_PAGE = (
    """<!doctype html><html><head>
<script>__md_scope=new URL("..",location)</script>
<script id="__config" type="application/json">{"base": ".."}</script>
</head><body><script>var palette=__md_get("__palette")</script>
<h1>秩序维护</h1>"""
    + "<p>门岗交接时核对钥匙、对讲机和访客登记本。</p>\n" * 40
    + """<script src="../assets/javascripts/bundle.js"></script>
<script>var target=document.getElementById(location.hash.slice(1))</script></body></html>"""
)


@functools.cache
def _bundle() -> dict:
    from pwa.api.definitions import bundle_from_sop

    return bundle_from_sop(SOP, None)


@pytest.fixture
def site_dir(tmp_path):
    site = tmp_path / "site"
    (site / "procedures").mkdir(parents=True)
    (site / "index.html").write_text("<h1>handbook</h1>", encoding="utf-8")
    (site / "procedures" / "index.html").write_text(MATERIAL_PAGE, encoding="utf-8")
    # what `dutybook build` writes next to the pages: quiz answers included
    (site / "handbook.json").write_text(json.dumps(_bundle()), "utf-8")
    (tmp_path / "secret.txt").write_text("outside the site", encoding="utf-8")
    return site

"""The phone app's ES modules stay small, all in use, free of import cycles and precached;
the handbook's search scripts are precached as far as the search index needs them.

The graph is read from the files themselves: `import … from './x.js'` (and `export … from`)
and the writer worker's `new URL('./x.js', import.meta.url)`, starting at the module the
shell page loads. A module nothing reaches is dead code the service worker still ships.
"""

from __future__ import annotations

import re
from pathlib import Path

import material

from pwa.shell import lunr_scripts

APP = Path(__file__).parents[2] / "pwa/static/app"
SHELL = Path(__file__).parents[2] / "pwa/templates/app/index.html"
MAX_LINES = 400

# static imports and re-exports (one or many lines), bare imports, and worker entry points
EDGE = re.compile(
    r"""(?:\b(?:import|export)\b[^;'"]*?\bfrom\s*|\bimport\s*|new\s+URL\(\s*)'(\./[\w.-]+\.js)'"""
)


def modules() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(APP.glob("*.js"))}


def entry() -> str:
    found = re.findall(
        r'<script type="module" src="/app/static/app/([\w.-]+\.js)"',
        SHELL.read_text(encoding="utf-8"),
    )
    assert found == ["main.js"], found
    return found[0]


def graph() -> dict[str, list[str]]:
    return {
        name: [m.removeprefix("./") for m in EDGE.findall(text)] for name, text in modules().items()
    }


def test_edges_are_read_from_the_import_lines():
    edges = graph()
    # a multi-line import, a one-line one and the worker URL are all seen
    assert "state.js" in edges["main.js"]
    assert "draft.js" in edges["checklist.js"]
    assert "writer.js" in edges["state.js"]


def test_no_app_module_is_over_400_lines():
    long = {
        name: len(text.splitlines())
        for name, text in modules().items()
        if len(text.splitlines()) > MAX_LINES
    }
    assert long == {}


def test_every_app_module_is_reached_from_the_entry_module():
    edges = graph()
    seen, todo = set(), [entry()]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        missing = [d for d in edges.get(name, []) if d not in edges]
        assert not missing, f"{name} imports {missing}, which do not exist"
        todo.extend(edges[name])
    assert sorted(set(edges) - seen) == []


def test_the_app_modules_import_each_other_without_a_cycle():
    edges = graph()
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for dep in edges.get(name, []):
            if state.get(dep) == "open":
                cycles.append([*path[path.index(dep) :], dep])
            elif dep not in state:
                visit(dep, [*path, dep])
        state[name] = "done"

    for name in edges:
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_every_app_module_is_in_the_service_workers_precache(sqlite_app):
    body = sqlite_app.test_client().get("/sw.js").get_data(as_text=True)
    urls = set(re.findall(r'"(/app/static/app/[\w.-]+\.js)"', body))
    assert {f"/app/static/app/{name}" for name in modules()} - urls == set()


MATERIAL_WORKER = next(
    (Path(material.__file__).parent / "templates/assets/javascripts/workers").glob("search.*.js")
)


def test_the_search_scripts_precached_are_those_materials_worker_loads():
    # the rule pwa/shell.py mirrors, read from the installed worker: an upgrade of Material
    # that loads other scripts fails here rather than breaking search offline
    worker = MATERIAL_WORKER.read_text(encoding="utf-8")
    assert (
        'case"ja":r.push(`${e}/tinyseg.js`);break;case"hi":case"th":r.push(`${e}/wordcut.js`)'
        in worker
    )
    assert 'n!=="en"&&r.push(`${e}/min/lunr.${n}.min.js`)' in worker
    assert "t.lang.length>1&&r.push(`${e}/min/lunr.multi.min.js`)" in worker
    assert "r.length&&(yield importScripts(`${e}/min/lunr.stemmer.support.min.js`,...r))" in worker
    assert lunr_scripts(["en"]) == set()
    assert lunr_scripts(["th"]) == {
        "wordcut.js",
        "min/lunr.th.min.js",
        "min/lunr.stemmer.support.min.js",
    }
    assert lunr_scripts(["ja", "en"]) == {
        "tinyseg.js",
        "min/lunr.ja.min.js",
        "min/lunr.multi.min.js",
        "min/lunr.stemmer.support.min.js",
    }


def test_the_precache_leaves_out_search_languages_the_index_does_not_use(sqlite_app, site_dir):
    lunr = site_dir / "assets/javascripts/lunr"
    (lunr / "min").mkdir(parents=True)
    for name in (
        "wordcut.js",
        "tinyseg.js",
        "min/lunr.stemmer.support.min.js",
        "min/lunr.ja.min.js",
    ):
        (lunr / name).write_text("/* script */", encoding="utf-8")
    index = site_dir / "search" / "search_index.json"
    index.parent.mkdir()

    def precached() -> set[str]:
        body = sqlite_app.test_client().get("/sw.js").get_data(as_text=True)
        return set(re.findall(r'"(/assets/javascripts/lunr/[\w./-]+)"', body))

    index.write_text('{"config": {"lang": ["en"]}, "docs": []}', encoding="utf-8")
    assert precached() == set()
    index.write_text('{"config": {"lang": ["ja"]}, "docs": [] }', encoding="utf-8")
    assert precached() == {
        "/assets/javascripts/lunr/tinyseg.js",
        "/assets/javascripts/lunr/min/lunr.ja.min.js",
        "/assets/javascripts/lunr/min/lunr.stemmer.support.min.js",
    }
    index.write_text("not json", encoding="utf-8")  # unreadable: keep them all
    assert len(precached()) == 4


def test_the_shell_fetches_every_module_at_once(sqlite_app):
    # offline, a chain of imports found level by level costs a round trip through the
    # service worker each: the shell names them all for the browser to fetch in parallel
    html = sqlite_app.test_client().get("/app/").get_data(as_text=True)
    preloaded = set(
        re.findall(r'<link rel="modulepreload" href="/app/static/app/([\w.-]+)">', html)
    )
    assert preloaded == set(modules()) - {"main.js", "writer.js"}

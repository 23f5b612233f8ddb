"""CONTRIBUTING.md's code map stays true: the modules it names exist, imports go down the
layers only, no package imports itself round in a circle, no module outgrows 400 lines, and the
`records` table is queried in the record store alone."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# the layers of pwa/ are its folders, lowest first: a module may import its own layer and those
# below. pwa/clock.py and pwa/config.py sit under everything (they import nothing of pwa); the
# rest of pwa/'s top level assembles the app and belongs with the faces.
FOUNDATION = {"pwa.clock", "pwa.config"}
# what pwa/ keeps at its top level: the app factory, the CLI and server, cross-cutting HTTP
ASSEMBLY = {
    "cli",
    "publish_command",
    "demo",
    "server",
    "errors",
    "security",
    "proxy",
    "logs",
    "health",
    "shell",
    "handbook",
    "compress",
}
LAYERS = {"pwa.store": 0, "pwa.ops": 1, "pwa.api": 2, "pwa.dashboard": 2, "pwa.resident": 2}


def modules(package: str) -> dict[str, Path]:
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


ALL = {**modules("generator"), **modules("pwa")}


def imports(path: Path, name: str) -> set[str]:
    """Every module `path` imports, at its top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            for alias in node.names:
                # `from pwa.dashboard import tables` imports the module pwa.dashboard.tables
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in ALL else base)
    return {m for m in found if m in ALL}


GRAPH = {name: imports(path, name) - {name} for name, path in ALL.items()}


def layer(module: str) -> int:
    if module in FOUNDATION:
        return -1
    folder = ".".join(module.split(".")[:2])
    return LAYERS.get(folder, 2)


def _cycle(package: str) -> list[str] | None:
    """A circle of imports among `package`'s own modules, if there is one."""

    def inside(name: str) -> list[str]:
        return sorted(m for m in GRAPH[name] if m.split(".")[0] == package)

    done: set[str] = set()
    for start in (name for name in GRAPH if name.split(".")[0] == package):
        stack, path, on_path = [(start, iter(inside(start)))], [start], {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(path.pop())
                done.add(node)
            elif child in on_path:
                return path[path.index(child) :] + [child]
            elif child not in done:
                stack.append((child, iter(inside(child))))
                path.append(child)
                on_path.add(child)
    return None


def test_no_import_cycle_in_pwa():
    assert _cycle("pwa") is None


def test_no_import_cycle_in_generator():
    assert _cycle("generator") is None


def test_generator_never_imports_pwa():
    wrong = {(a, b) for a, bs in GRAPH.items() for b in bs if a.startswith("generator")}
    assert {(a, b) for a, b in wrong if b.startswith("pwa")} == set()


def test_pwa_imports_only_downward():
    upward = {
        (a, b)
        for a, bs in GRAPH.items()
        if a.startswith("pwa")
        for b in bs
        if b.startswith("pwa") and layer(b) > layer(a)
    }
    assert upward == set()


def test_every_pwa_module_has_its_layer():
    """A new module goes in a folder; the top level holds only the app's assembly."""
    top = {
        name
        for name in ALL
        if name.startswith("pwa.")
        and name.count(".") == 1
        and f"pwa.{name.split('.')[1]}" not in LAYERS
    }
    assert top - FOUNDATION == {f"pwa.{m}" for m in ASSEMBLY}


def test_store_and_rules_know_no_http():
    speaks_http = {
        name
        for name, path in ALL.items()
        if layer(name) < 2
        and re.search(
            r"^\s*(from|import) (flask|werkzeug)\b", path.read_text(encoding="utf-8"), re.M
        )
    }
    # the engine and the clock are set up per app (Flask's app context), and the config is a
    # Flask Config; none of them reads a request
    assert speaks_http == {"pwa.store.db", "pwa.clock", "pwa.config"}


def _over_400(package: str) -> dict[str, int]:
    long = {n: len(p.read_text().splitlines()) for n, p in ALL.items() if n.startswith(package)}
    return {n: lines for n, lines in long.items() if lines > 400}


def test_no_pwa_module_over_400_lines():
    assert _over_400("pwa") == {}


def test_no_generator_module_over_400_lines():
    assert _over_400("generator") == {}


# a column of the table, raw SQL naming it, or the Table handed to select/insert/update/delete
RECORD_SQL = re.compile(
    r"\brecords\.c\.|\b(?:FROM|INTO|UPDATE)\s+records\b|\b(?:select|insert|update|delete)\(records\b"
)


def test_records_sql_lives_in_the_record_store():
    found = {
        name
        for name, path in ALL.items()
        if name.startswith("pwa")
        and RECORD_SQL.search(path.read_text(encoding="utf-8"))
        and not name.startswith("pwa.store.migrations")
    }
    # models declares the table (and its indexes); records.py is the one module that queries it
    assert found == {"pwa.store.models", "pwa.store.records"}


def test_every_module_the_code_map_names_exists():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = text.split("## How the code is laid out", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`((?:pwa|generator)/[\w/]+\.py)`", section))
    assert len(named) > 20
    assert {n for n in named if not (ROOT / n).is_file()} == set()
    assert "CONTRIBUTING.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_merge_conflict_left_in_a_file():
    # a Makefile or a guide with conflict markers passes every Python check and breaks the
    # README's two commands (it happened once)
    marker = re.compile(r"^(<{7}|>{7}) ", re.M)
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    found = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.suffix in {".png", ".pdf", ".ico", ".woff2", ".wasm", ".db"} or not path.is_file():
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        found += [
            f"{name.decode()}:{text[: m.start()].count(chr(10)) + 1}" for m in marker.finditer(text)
        ]
    assert found == []


def test_the_command_line_loads_no_database_code_until_a_command_needs_it():
    # `dutybook run`'s master process is the CLI: what its import pulls in stays in memory
    # beside every worker (bench/RESULTS.md's server memory)
    probe = "import sys, generator.cli, pwa.cli; print(sorted({'sqlalchemy', 'mkdocs', 'jieba'} & set(sys.modules)))"
    found = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "[]", found.stdout + found.stderr

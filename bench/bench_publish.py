"""Publishing (`dutybook publish`): the default handbook and a generated one, into SQLite and
PostgreSQL: seconds to publish the first version and one with a single document changed, the
bytes the database stores for each, the one-request upload's size and time, and how long a
server takes to write the live version into its cache.

The generated size is `BENCH_PUBLISH_DOCUMENTS` (default 2000, the issue's figure, which builds
for a few minutes; `BENCH_PUBLISH_DOCUMENTS=100 python -m bench publish` for a quick look).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_build import config
from bench.bench_dashboard import _database, _drop
from bench.generate import generate
from bench.results import Row

ROOT = Path(__file__).resolve().parent.parent
DUTYBOOK = Path(sys.executable).with_name("dutybook")
MB = 1024 * 1024


def _build(tree: Path, config_file: Path, site: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [DUTYBOOK, "build", "--sop", tree / "sop", "--config", config_file, "--site-dir", site],
        cwd=tree, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - start


def default_tree(root: Path) -> tuple[Path, Path, Path]:
    """The repository's sop/ and content/ with its mkdocs.yml; the file edited for v2."""
    from tests.conftest import handbook_tree

    handbook_tree(root, ROOT)
    return root, root / "mkdocs.yml", sorted((root / "sop" / "procedures").glob("*.yaml"))[0]


def generated_tree(root: Path, count: int) -> tuple[Path, Path, Path]:
    generate(root / "sop", count)
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("# 基准手册\n", encoding="utf-8")
    config_file = config(root, {"sop_dir": "sop", "pdf": False}, None)
    return root, config_file, sorted((root / "sop" / "procedure").rglob("*.yaml"))[0]


def edit_one(path: Path) -> None:
    """A MINOR change to one document: its version and its title."""
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(
        r'^version: "(\d+)\.(\d+)"$',
        lambda m: f'version: "{m[1]}.{int(m[2]) + 1}"',
        text,
        count=1,
        flags=re.M,
    )
    assert count == 1, path
    text = re.sub(r"^title: (.*)$", r"title: \1（修订）", text, count=1, flags=re.M)
    path.write_text(text, encoding="utf-8")


def _publish(url: str, site: Path) -> tuple[float, dict, int]:
    """Seconds, the answer, and the version's manifest bytes."""
    from pwa.ops import publishing
    from pwa.store import versions
    from pwa.store.db import make_engine

    start = time.perf_counter()
    answer = publishing.into_database(url, site, "bench")
    seconds = time.perf_counter() - start
    engine = make_engine(url)
    with engine.connect() as conn:
        manifest = versions.pack_manifest(versions.manifest(conn, answer["version"]))
    engine.dispose()
    return seconds, answer, len(manifest)


def _materialize(url: str, cache: Path) -> float:
    from pwa.ops import publishing
    from pwa.store import versions
    from pwa.store.db import make_engine

    engine = make_engine(url)
    start = time.perf_counter()
    with engine.connect() as conn:
        publishing.materialize(conn, versions.live(conn), cache)
    seconds = time.perf_counter() - start
    engine.dispose()
    return seconds


def _upload(v1: Path, tmp: Path) -> tuple[float, float, int]:
    """Seconds to pack, seconds of the POST through the app (SQLite), bytes of the tar.gz."""
    from pwa import create_app
    from pwa.ops import publishing
    from pwa.store import accounts
    from pwa.store.migrate import upgrade

    start = time.perf_counter()
    archive = publishing.pack_folder(v1)
    packed = time.perf_counter() - start
    settings = {
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp / 'upload.db'}",
        "SITE_DIR": str(tmp / "none"),
        "SECRET_KEY": "bench-secret-key-0123456789",
    }
    app = create_app(settings)
    app.instance_path = str(tmp / "instance")
    engine = app.extensions["dutybook.engine"]
    upgrade(engine)
    with engine.begin() as conn:
        user = accounts.add_user(conn, accounts.hasher(1024, 1), "root", "x" * 12, ["admin"], [])
        token, _ = accounts.issue_token(conn, user, "bench", 1)
    client = app.test_client()
    start = time.perf_counter()
    response = client.post(
        "/api/v1/handbook/versions",
        data=archive,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/gzip"},
    )
    posted = time.perf_counter() - start
    assert response.status_code == 201, response.get_data(as_text=True)
    engine.dispose()
    return packed, posted, len(archive)


def _case(label: str, tree: Path, config_file: Path, edited: Path, tmp: Path) -> list[Row]:
    v1, v2 = tmp / "v1", tmp / "v2"
    built = _build(tree, config_file, v1)
    edit_one(edited)
    _build(tree, config_file, v2)
    files = sum(1 for p in v1.rglob("*") if p.is_file())
    size = sum(p.stat().st_size for p in v1.rglob("*") if p.is_file())
    rows = []
    for kind in ("sqlite", "postgresql"):
        try:
            url = _database(kind, tmp)
        except Exception as exc:  # no PostgreSQL here: SQLite's figures stand alone
            print(f"    {kind}: skipped ({exc.__class__.__name__})", file=sys.stderr)
            continue
        try:
            from pwa.store.db import make_engine
            from pwa.store.migrate import upgrade

            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            first_s, first, first_manifest = _publish(url, v1)
            second_s, second, second_manifest = _publish(url, v2)
            cache_s = _materialize(url, tmp / f"cache-{kind}")
        finally:
            _drop(url)
        rows.append(
            Row(
                f"publish {label} into {kind}: first version",
                "–",
                f"{first_s:.2f} s; {files} files, {size / MB:.1f} MB; stored "
                f"{(first['stored'] + first_manifest) / MB:.2f} MB",
            )
        )
        changed = second["changes"]
        rows.append(
            Row(
                f"publish {label} into {kind}: one document changed "
                f"({changed['count']} change, {len(changed['changed'])} MINOR)",
                "stores only what changed",
                f"{second_s:.2f} s; stored {(second['stored'] + second_manifest) / 1024:.0f} KiB "
                f"(files {second['stored'] / 1024:.0f} KiB + manifest "
                f"{second_manifest / 1024:.0f} KiB)",
                f"{(second['stored'] + second_manifest) / (first['stored'] + first_manifest):.3f}"
                "× the first",
                met=second["stored"] + second_manifest < (first["stored"] + first_manifest) / 4,
            )
        )
        rows.append(
            Row(
                f"{label}: a server writes the live version into its cache ({kind})",
                "–",
                f"{cache_s:.2f} s",
            )
        )
        print(f"    {label} {kind}: {first_s:.2f} s, {second_s:.2f} s", file=sys.stderr)
    packed, posted, archive = _upload(v1, tmp)
    rows.append(
        Row(
            f"upload {label} in one request (tar.gz, SQLite, in-process)",
            "–",
            f"pack {packed:.2f} s, POST {posted:.2f} s; {archive / MB:.1f} MB",
        )
    )
    rows.append(Row(f"build {label} (dutybook build, before any publish)", "–", f"{built:.1f} s"))
    return rows


def run(notes: list[str]) -> list[Row]:
    count = int(os.environ.get("BENCH_PUBLISH_DOCUMENTS", "2000"))
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        tree, config_file, edited = default_tree(base / "default" / "tree")
        rows += _case("the default handbook", tree, config_file, edited, base / "default")
        tree, config_file, edited = generated_tree(base / "generated" / "tree", count)
        rows += _case(f"{count} generated documents", tree, config_file, edited, base / "generated")
    notes.append(
        "publish: `dutybook publish --database-url`'s work after the build (hash the site, store "
        "the files not stored yet, compressed, log the version and its changes, make it live) "
        "into a fresh database; the second publish changes one procedure's version and title, "
        "which changes its page, the pages listing it, the search index and handbook.json. "
        "Stored bytes are the compressed files new to the database plus the version's manifest. "
        "The upload packs the built site as `dutybook publish --url` does and posts it through "
        f"the app in-process (no network). Generated size: {count} documents "
        "(BENCH_PUBLISH_DOCUMENTS, default 2000)."
    )
    return rows


if __name__ == "__main__":
    found: list[str] = []
    for result in run(found):
        print(f"{result.figure}: {result.measured} (target {result.target}, met {result.met})")
    print("\n".join(found))

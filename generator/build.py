"""`dutybook build`: check, build the handbook into a fresh folder, then swap it in atomically."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from generator import prepare

if TYPE_CHECKING:
    from generator.tree import Tree

RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2); False where the system cannot."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return result == 0


def swap_in(built: Path, target: Path) -> None:
    """Make `built` the content of `target` so a server never sees half a site.

    With an existing target the two folders are exchanged atomically and the old one removed;
    elsewhere (no renameat2) the old folder is renamed away first, a gap of one rename.
    """
    if not target.exists():
        built.rename(target)
        return
    if _exchange(built, target):
        shutil.rmtree(built)
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    target.rename(old)
    built.rename(target)
    shutil.rmtree(old)


def build_site(
    config_file: Path,
    site_dir: Path | None = None,
    sop_dir: Path | None = None,
    strict: bool = False,
    echo: Callable[[str], None] = print,
    checked: Tree | None = None,
    content_dir: Path | None = None,
) -> Path:
    """Build the handbook (pages, QR PDFs, handbook.json) into `site_dir`; returns it.

    `checked` is `sop_dir` already loaded against `content_dir` (by `dutybook check`'s
    code): the plugin uses it when `content_dir` is the config's docs_dir, so the YAML is
    read once.
    """
    config = load_config(str(config_file), strict=strict or None)
    target = (site_dir or Path(config.site_dir)).resolve()
    if sop_dir is not None:
        config.plugins["dutybook"].config.sop_dir = str(sop_dir.resolve())
    if checked is not None and sop_dir is not None:
        prepare.offer(checked, sop_dir, content_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.build-{os.getpid()}")
    shutil.rmtree(temporary, ignore_errors=True)
    config.site_dir = str(temporary)
    start = time.perf_counter()
    echo(f"==> building the handbook from {config.docs_dir} into {target}")
    try:
        mkdocs_build(config)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    finally:
        if checked is not None and sop_dir is not None:
            prepare.withdraw(sop_dir, content_dir)
    swap_in(temporary, target)
    pages = sum(1 for _ in target.rglob("index.html"))
    echo(f"==> {pages} pages and handbook.json in {target} ({time.perf_counter() - start:.1f} s)")
    return target

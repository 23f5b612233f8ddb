"""Run every benchmark (or those named on the command line) and rewrite bench/RESULTS.md."""

from __future__ import annotations

import importlib
import sys
import time

from bench.results import save, write

# Each module has run(notes: list[str]) -> list[Row].
MODULES = [
    "bench.bench_check",
    "bench.bench_sync",
    "bench.bench_small_syncs",
    "bench.bench_build",
    "bench.bench_preview",
    "bench.bench_app",
    "bench.bench_phone",
    "bench.bench_dashboard",
    "bench.bench_search",
    "bench.bench_desk",
    "bench.bench_records",
    "bench.bench_publish",
]


def main(argv: list[str]) -> int:
    wanted = [m for m in MODULES if not argv or any(a in m for a in argv)]
    for name in wanted:
        start = time.perf_counter()
        print(f"==> {name}", file=sys.stderr, flush=True)
        notes: list[str] = []
        rows = importlib.import_module(name).run(notes)
        save(name, rows, notes)
        print(f"    done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    print(write(MODULES))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

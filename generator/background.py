"""Work in forked processes: the loader's parsing, the plugin's early start, poster SVGs.

Forking (not spawning) lets a worker start at once with everything already imported and
loaded. Where a platform cannot fork, or a worker dies, the caller does the work itself.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def fork_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of forked workers, or None where the platform cannot fork."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))


class Background:
    """`work(*args, **kwargs)` started now in a forked process; `result` collects it."""

    def __init__(self, work: Callable[..., object], *args: object, **kwargs: object) -> None:
        self._pool = fork_pool(1)
        self._future: Future | None = None
        if self._pool is not None:
            self._future = self._pool.submit(work, *args, **kwargs)

    def result(self) -> object | None:
        """The work's result; None if it never started or its process died."""
        if self._future is None:
            return None
        try:
            return self._future.result()
        except BrokenProcessPool:
            return None
        finally:
            self._pool.shutdown()
            self._future = None

    def cancel(self) -> None:
        """Give up on it (a failed build): the process stops after its current task."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._future = None

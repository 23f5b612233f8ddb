"""A slow mobile link on loopback: a TCP proxy with a round-trip delay and a shared bandwidth
per direction, in front of a real server, so the browser, its service worker and a plain
client all see the same network (Chromium's own throttling leaves the worker's fetches out).

Each chunk waits for the link to be free (one link per direction, shared by every
connection, as a phone's radio is), takes its size over the bandwidth, then half the
round trip. `fast()` lets everything through at once; `slow()` restores the profile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import dataclass

CHUNK = 16 * 1024


@dataclass(frozen=True)
class Profile:
    name: str
    rtt_s: float
    down_bytes_s: float
    up_bytes_s: float


# Lighthouse's mobile profile ("Slow 4G"): 150 ms, 1.6 Mbit/s down, 750 kbit/s up.
SLOW_4G = Profile("slow 4G (150 ms, 1.6 Mbit/s down, 750 kbit/s up)", 0.150, 200_000, 93_750)


class _Link:
    def __init__(self) -> None:
        self.free_at = 0.0


class Throttle:
    """Listens on 127.0.0.1:<port> and forwards to `target_port` through the profile."""

    def __init__(self, target_port: int, profile: Profile = SLOW_4G) -> None:
        self.target_port = target_port
        self.profile = profile
        self.throttled = True
        self.bytes_down = 0
        self._down, self._up = _Link(), _Link()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Throttle:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fast(self) -> None:
        self.throttled = False

    def slow(self) -> None:
        self.throttled = True

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        server.close()

    async def _serve(self, client_r, client_w) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            self._pipe(client_r, server_w, self._up, self.profile.up_bytes_s, False),
            self._pipe(server_r, client_w, self._down, self.profile.down_bytes_s, True),
            return_exceptions=True,
        )

    async def _pipe(self, reader, writer, link: _Link, rate: float, down: bool) -> None:
        # the delay is a pipeline: a chunk is due when the link has carried it plus half the
        # round trip, whatever the chunks before it still wait for
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue = asyncio.Queue()

        async def deliver() -> None:
            while (item := await queue.get()) is not None:
                due, chunk = item
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while chunk := await reader.read(CHUNK):
                if down:
                    self.bytes_down += len(chunk)
                due = 0.0
                if self.throttled:
                    start = max(loop.time(), link.free_at)
                    link.free_at = start + len(chunk) / rate
                    due = link.free_at + self.profile.rtt_s / 2
                await queue.put((due, chunk))
        except (ConnectionError, OSError):
            pass
        finally:
            await queue.put(None)
            with contextlib.suppress(ConnectionError, OSError):
                await sender
            writer.close()

"""A socket flood from one address against one Rasa worker (issue 24): how many websocket
connections the server accepts, and the Rasa process's memory before, while they are open and
after they closed. Used by `make bench` (``socket_flood``) and tests/e2e/test_socketio_security.py."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any

import aiohttp

from base.paths import MODEL
from bench.measure import proc_mb
from ops.services import WEB_ORIGIN, free_port, start_actions, start_rasa

FLOOD_ATTEMPTS = 1_000


def rss_mb(pid: int) -> float:
    return round(proc_mb(pid, "status", "VmRSS"), 1)


async def flood(rasa_url: str, pid: int, attempts: int, origin: str = WEB_ORIGIN) -> dict[str, Any]:
    """``attempts`` websocket connections, in batches of 50, held open until all were tried, then
    closed; 3 s later the memory is read again."""
    url = rasa_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    before = rss_mb(pid)
    opened: list[Any] = []
    connector = aiohttp.TCPConnector(limit=0)  # no client-side cap (aiohttp: 100)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def attempt() -> None:
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                opened.append(await session.ws_connect(url, headers={"Origin": origin}, timeout=5))

        loop = asyncio.get_running_loop()
        start = loop.time()
        for first in range(0, attempts, 50):
            await asyncio.gather(*(attempt() for _ in range(first, min(first + 50, attempts))))
        seconds = loop.time() - start
        peak = rss_mb(pid)
        await asyncio.gather(*(ws.close() for ws in opened))
    await asyncio.sleep(3)
    return {"attempts": attempts, "accepted": len(opened), "seconds": round(seconds, 2), "rss_before_mb": before,
            "rss_open_mb": peak, "rss_after_mb": rss_mb(pid)}  # fmt: skip


def socket_flood(attempts: int = FLOOD_ATTEMPTS, model: Path = MODEL) -> dict[str, Any]:
    """A fresh Rasa (one worker, production limits) and ``attempts`` connections from loopback."""
    work = Path(tempfile.mkdtemp(prefix="bench-flood-"))
    log = work / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    with start_actions(actions_port, log), start_rasa(work, rasa_port, actions_port, log, model=model) as rasa:
        numbers = asyncio.run(flood(f"http://127.0.0.1:{rasa_port}", rasa.pid, attempts))
    shutil.rmtree(work, ignore_errors=True)
    return numbers

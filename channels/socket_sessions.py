"""Which live socket holds a conversation of the widget (channels/socketio.py, issue 24).

One live socket holds a session at a time: a socket that presents the id of a session another
live socket holds does not get it. With several Sanic workers or instances the binding must be
shared, so it lives in the Redis the lock store already uses (``RedisBinding``, the lock store's
own client ``RedisLockStore.red``, with whatever password its configuration has); with one worker
and no Redis (the in-memory lock store) it lives in the process (``LocalBinding``).

In Redis, a session held is the key ``socket_session:<session id>`` with the holder (this
process's ``WORKER`` and the socket's id) as its value and a lifetime of ``SESSION_TTL_S``. The
worker renews the lifetime of its sockets' sessions every ``REFRESH_S`` while they are connected
and deletes the key when the socket disconnects; a key of a worker that died expires by itself.
Taking, renewing and releasing compare the holder in one Lua script, so two workers cannot both
take a session. Redis's client is synchronous: its calls (one round trip on loopback) run in a
thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, Protocol

SESSION_TTL_S = 60.0
REFRESH_S = SESSION_TTL_S / 3
KEY_PREFIX = "socket_session:"
WORKER = uuid.uuid4().hex  # this process: socket ids of two workers may repeat, holders never

TAKE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


def holder(sid: str) -> str:
    return f"{WORKER}:{sid}"


class Binding(Protocol):
    async def take(self, session: str, sid: str) -> bool:
        """``sid`` holds ``session`` now, unless another live socket does (then False)."""

    async def release(self, session: str, sid: str) -> None:
        """``sid`` no longer holds ``session`` (nothing happens when it did not hold it)."""

    async def renew(self, held: dict[str, str]) -> None:
        """The sessions of this process's live sockets (session -> sid) are still held."""


class LocalBinding:
    """One worker: the binding in this process."""

    def __init__(self) -> None:
        self.holder_of: dict[str, str] = {}

    async def take(self, session: str, sid: str) -> bool:
        return self.holder_of.setdefault(session, sid) == sid

    async def release(self, session: str, sid: str) -> None:
        if self.holder_of.get(session) == sid:
            del self.holder_of[session]

    async def renew(self, held: dict[str, str]) -> None:
        return None


class RedisBinding:
    """Several workers or instances: the binding in the lock store's Redis."""

    def __init__(self, red: Any, ttl_s: float = SESSION_TTL_S) -> None:
        self.red, self.ttl_ms = red, int(ttl_s * 1000)
        self.take_script = red.register_script(TAKE)
        self.release_script = red.register_script(RELEASE)
        self.renew_script = red.register_script(RENEW)

    async def take(self, session: str, sid: str) -> bool:
        taken = await asyncio.to_thread(self.take_script, keys=[KEY_PREFIX + session], args=[holder(sid), self.ttl_ms])
        return bool(taken)

    async def release(self, session: str, sid: str) -> None:
        await asyncio.to_thread(self.release_script, keys=[KEY_PREFIX + session], args=[holder(sid)])

    async def renew(self, held: dict[str, str]) -> None:
        if not held:
            return

        def run() -> None:
            pipe = self.red.pipeline(transaction=False)
            for session, sid in held.items():
                self.renew_script(keys=[KEY_PREFIX + session], args=[holder(sid), self.ttl_ms], client=pipe)
            pipe.execute()

        await asyncio.to_thread(run)


def binding_for(lock_store: Any) -> Binding:
    """In the lock store's Redis when it has one (``RedisLockStore.red``), else in the process."""
    red = getattr(lock_store, "red", None)
    return RedisBinding(red) if red is not None else LocalBinding()

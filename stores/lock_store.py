"""Rasa's Redis lock store with two round trips per message instead of seven (endpoints.yml:
``type: stores.lock_store.AtomicRedisLockStore``; issue 27).

Rasa's ``RedisLockStore`` makes one conversation wait while another worker handles it, with a
ticket lock kept as JSON under one key. For a message it reads and writes that key seven times
(issue a ticket: get, set; acquire: get; clean up: get, set, get, delete), each a blocking call
on the worker's event loop: about 0.7 ms of CPU and 1.5 ms of waiting per message in a loop of
locks on this machine (docs/performance.md). And a read and the write after it are two calls, so
two workers could overwrite each other's tickets.

Here issuing a ticket and returning it are one Lua script each, run by Redis as one step (no
other command in between): issuing also says whether the ticket is served at once, which is
the case unless another message of the same conversation is being handled; only then is Rasa's
waiting loop used, reading the lock until the ticket's turn (expired tickets are skipped when
read, as Rasa does; they are removed by the scripts). The key, its JSON and the tickets are
Rasa's, so Rasa's own methods read the same lock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

# KEYS[1]: the lock's key; ARGV: conversation id, now, lifetime. Returns {ticket, now serving}.
ISSUE = """
local now = tonumber(ARGV[2])
local kept, last = {}, -1
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, t in ipairs(cjson.decode(raw).tickets or {}) do
    local ticket = cjson.decode(t)
    if ticket.expires >= now then
      table.insert(kept, t)
      last = ticket.number
    end
  end
end
local number = last + 1
local serving = number
if #kept > 0 then serving = cjson.decode(kept[1]).number end
table.insert(kept, cjson.encode({number = number, expires = now + tonumber(ARGV[3])}))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = kept}))
return {number, serving}
"""

# KEYS[1]: the lock's key; ARGV: conversation id, now, ticket. Removes the ticket and expired
# ones; deletes the lock when no ticket is left (Rasa's finish_serving + cleanup). Returns the
# number of tickets left.
RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now, number = tonumber(ARGV[2]), tonumber(ARGV[3])
local kept = {}
for _, t in ipairs(cjson.decode(raw).tickets or {}) do
  local ticket = cjson.decode(t)
  if ticket.number ~= number and ticket.expires >= now then table.insert(kept, t) end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[1], tickets = kept}))
end
return #kept
"""


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        """From endpoints.yml (Rasa passes ``endpoint_config``: url, port, password, ...) or, in
        tests, from ``RedisLockStore``'s own arguments."""
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)
        self._issue = self.red.register_script(ISSUE)
        self._release = self.red.register_script(RELEASE)

    def _issued(self, conversation_id: str, lock_lifetime: float) -> tuple[int, int]:
        number, serving = self._issue(
            keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), lock_lifetime]
        )
        return int(number), int(serving)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issued(conversation_id, lock_lifetime)[0]

    @asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[TicketLock, None]:
        number, serving = self._issued(conversation_id, lock_lifetime)
        try:
            if number == serving:  # nobody else handles this conversation: ours at once
                yield TicketLock(conversation_id, deque([Ticket(number, time.time() + lock_lifetime)]))
            else:  # Rasa's waiting loop: read the lock until this ticket's turn
                yield await self._acquire_lock(conversation_id, number, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, number)

    def update_lock(self, conversation_id: str) -> None:
        """Nothing to write: a read skips expired tickets, the scripts remove them (Rasa's read
        and write here could overwrite a ticket another worker issued in between)."""

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self._release(keys=[self.key_prefix + conversation_id], args=[conversation_id, time.time(), ticket_number])

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

"""Rate limits, so a flood cannot grow the database without bound or starve other citizens.

Defaults (per Rasa worker process; with two workers a client may get up to twice as much):
- ``RATE_LIMIT_PER_SENDER`` messages per minute and conversation, every channel (default 30):
  more are answered with a short note and neither parsed nor stored (runtime/rasa_changes.py);
- ``RATE_LIMIT_PER_ADDRESS`` messages per minute and client address (default 300): REST answers
  429, socket.io drops the message (channels/rest.py, channels/socketio.py). Behind a reverse
  proxy the address is the one Sanic trusts (``SANIC_PROXIES_COUNT``, as `make cluster` sets it
  behind nginx, or ``SANIC_FORWARDED_SECRET`` / ``SANIC_REAL_IP_HEADER``).
0 switches a limit off (the tests and ``make bench`` do, to measure load from one address).
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable

WINDOW_S = 60.0
MAX_KEYS = 100_000  # memory bound: the least recently seen keys are forgotten first


class SlidingWindow:
    def __init__(self, limit: int, seconds: float = WINDOW_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.seconds, self.clock = limit, seconds, clock
        self.hits: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Counts one message of ``key``; False when it is over the limit (never with limit 0)."""
        if self.limit <= 0:
            return True
        now = self.clock()
        hits = self.hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self.hits[key] = hits
        while len(self.hits) > MAX_KEYS:
            self.hits.popitem(last=False)
        return allowed


def from_env(name: str, default: int) -> SlidingWindow:
    return SlidingWindow(int(os.environ.get(name, str(default))))


PER_SENDER_DEFAULT = 30
PER_ADDRESS_DEFAULT = 300
# Both limits off: the environment of servers under load from one address (tests, `make bench`).
NO_RATE_LIMITS = {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_ADDRESS": "0"}

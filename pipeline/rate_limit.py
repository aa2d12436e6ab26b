"""Rate limits, so a flood cannot grow the database without bound or starve other citizens.

Defaults (per Rasa worker process; with two workers a client may get up to twice as much):
- ``RATE_LIMIT_PER_SENDER`` messages per minute and conversation, every channel (default 30):
  more are answered with a short note and neither parsed nor stored (engine/changes.py);
  a rating ("Hilfreich?", pipeline/feedback.py) counts like a message, and one over the limit
  is not stored. One limiter per process for both (``per_sender``);
- ``RATE_LIMIT_PER_ADDRESS`` messages per minute and client address (default 300): REST answers
  429, socket.io drops the message (channels/rest.py, channels/socketio.py). Behind a reverse
  proxy the address is the one Sanic trusts (``SANIC_PROXIES_COUNT``, as `make cluster` sets it
  behind nginx, or ``SANIC_FORWARDED_SECRET`` / ``SANIC_REAL_IP_HEADER``).
0 switches a limit off (the tests and ``make bench`` do, to measure load from one address).

How (issue 24): a token bucket in the form of the generic cell rate algorithm, one float per key
(when the key's bucket is full again). A key may send ``limit`` messages at once; then one more
every ``WINDOW_S / limit`` seconds, so ``limit`` a minute in the long run, and after a quiet
minute the full ``limit`` again. (The sliding window it replaces kept every timestamp of the last
minute, 85-162 MB per limiter at ``MAX_KEYS``; this keeps about 17 MB there, tests/test_rate_limit.py.)
Keys are kept as their hash, least recently seen forgotten first beyond ``MAX_KEYS``, and a key
whose bucket is full again carries nothing and is forgotten as soon as it is the oldest.
"""

from __future__ import annotations

import functools
import os
import time
from collections import OrderedDict
from collections.abc import Callable

WINDOW_S = 60.0
MAX_KEYS = 100_000  # memory bound: the least recently seen keys are forgotten first


class RateLimit:
    def __init__(
        self,
        limit: int,
        seconds: float = WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit, self.seconds, self.clock, self.max_keys = limit, seconds, clock, max_keys
        self.interval = seconds / limit if limit > 0 else 0.0  # one message's share of the window
        # hash of the key -> when its bucket is full again (the GCRA's "theoretical arrival time")
        self.full_at: OrderedDict[int, float] = OrderedDict()

    def allow(self, key: str) -> bool:
        """Counts one message of ``key``; False when it is over the limit (never with limit 0).
        A refused message does not count."""
        if self.limit <= 0:
            return True
        now = self.clock()
        slot = hash(key)  # 64 bits, seeded per process: str hashes are cached, collisions ~1e-10
        full_at = max(self.full_at.pop(slot, now), now)
        # room for one more while the bucket holds less than limit - 1 messages (half a message of
        # slack against rounding: 300 * 0.2 s need not add up to exactly 60 s)
        allowed = full_at - now < self.seconds - self.interval / 2
        self.full_at[slot] = full_at + self.interval if allowed else full_at
        while self.full_at:
            oldest, oldest_full_at = next(iter(self.full_at.items()))
            if len(self.full_at) <= self.max_keys and oldest_full_at > now:
                break
            del self.full_at[oldest]
        return allowed


def from_env(name: str, default: int) -> RateLimit:
    return RateLimit(int(os.environ.get(name, str(default))))


PER_SENDER_DEFAULT = 30
PER_ADDRESS_DEFAULT = 300
# Both limits off: the environment of servers under load from one address (tests, `make bench`).
NO_RATE_LIMITS = {"RATE_LIMIT_PER_SENDER": "0", "RATE_LIMIT_PER_ADDRESS": "0"}


@functools.cache
def per_sender() -> RateLimit:
    """The per-conversation limit of this process, shared by messages and ratings."""
    return from_env("RATE_LIMIT_PER_SENDER", PER_SENDER_DEFAULT)

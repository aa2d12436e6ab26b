"""The rate limiters' state (pipeline/rate_limit.py): bounded by memory, limiting as before (issue 24)."""

from __future__ import annotations

import tracemalloc

from pipeline import rate_limit

MAX_BYTES_AT_BOUND = 20_000_000  # stated bound per limiter (measured ~17 MB; the sliding window held 85-162 MB)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_limiter_at_its_key_bound_holds_less_than_20_mb() -> None:
    """100,000 conversations (socket.io session ids, 48 characters), each at its limit: the
    sliding window kept every timestamp, 85 MB with one message per key and 162 MB with 30."""
    clock = Clock()
    tracemalloc.start()
    try:
        limiter = rate_limit.RateLimit(30, clock=clock)
        for i in range(rate_limit.MAX_KEYS):
            limiter.allow(f"{i:048x}")
        for i in range(1000):  # some at their limit (the state of a key does not grow with it)
            while limiter.allow(f"{i:048x}"):
                pass
        for i in range(rate_limit.MAX_KEYS, rate_limit.MAX_KEYS + 1000):  # beyond the bound: oldest forgotten
            limiter.allow(f"{i:048x}")
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(limiter.full_at) == rate_limit.MAX_KEYS
    print(f"{held / 1e6:.1f} MB at {len(limiter.full_at)} keys")
    assert held < MAX_BYTES_AT_BOUND, f"{held / 1e6:.1f} MB"


def test_a_burst_of_the_limit_passes_and_the_next_message_is_refused() -> None:
    for limit in (1, 3, 30, 300):  # 300 * 0.2 s: no rounding loses a message
        limiter = rate_limit.RateLimit(limit, clock=Clock())
        assert [limiter.allow("a") for _ in range(limit + 2)] == [True] * limit + [False, False]


def test_after_a_quiet_window_the_full_limit_is_back_and_keys_are_independent() -> None:
    clock = Clock()
    limiter = rate_limit.RateLimit(3, seconds=60, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another sender or address has its own count
    clock.now += 60
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert all(rate_limit.RateLimit(0).allow("x") for _ in range(1000))  # 0: off


def test_in_the_long_run_a_flood_gets_the_limit_per_window() -> None:
    """A message every 50 ms for ten minutes: the sliding window let 30 a minute through, 300 in
    all; the bucket lets the first 30 at once, then one every 2 s (and refusals do not count)."""
    clock = Clock()
    limiter = rate_limit.RateLimit(30, seconds=60, clock=clock)
    allowed = []
    for _ in range(12_000):
        if limiter.allow("flood"):
            allowed.append(clock.now)
        clock.now += 0.05
    assert 300 <= len(allowed) <= 300 + 30
    for start in range(0, 600, 60):  # at most twice the limit in any minute
        assert sum(1 for t in allowed if 1000 + start <= t < 1060 + start) <= 60


def test_idle_keys_are_forgotten_and_the_least_recently_seen_go_first_at_the_bound() -> None:
    clock = Clock()
    limiter = rate_limit.RateLimit(2, seconds=60, clock=clock, max_keys=3)
    for key in ("a", "b", "c"):
        limiter.allow(key)
    limiter.allow("a")  # a seen again: b is now the least recently seen
    limiter.allow("d")
    assert set(limiter.full_at) == {hash("a"), hash("c"), hash("d")}
    clock.now += 61
    limiter.allow("e")  # the buckets of a, c, d are full again: nothing to keep
    assert set(limiter.full_at) == {hash("e")}


def test_messages_and_ratings_share_one_limiter_per_process() -> None:
    assert rate_limit.per_sender() is rate_limit.per_sender()

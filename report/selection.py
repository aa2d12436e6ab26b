"""Which messages the report counts: the period asked for, without test traffic.

Left out by default (``Exclusion()``), so an operator's own checks never count as citizens:

- conversations whose sender id starts with ``TEST_PREFIX`` ("test-"): the documented prefix for
  an operator's test over REST (``curl ... -d '{"sender": "test-1", "message": "..."}'``);
- messages of the terminal channel ``cmdline`` (``make shell``, Rasa's own shell; its chats are
  normally kept apart, in build/shell/, and never reach the report's store).

``--include-test`` keeps both, ``--exclude-channel NAME`` leaves out a channel more. The report
states how many conversations and messages were left out, and why.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from report.turns import Turn

TEST_PREFIX = "test-"
TERMINAL = "cmdline"
TEST_SENDER = "test_sender"  # the reason a test conversation was left out


@dataclass(frozen=True)
class Exclusion:
    test_prefix: str | None = TEST_PREFIX  # None: test conversations count
    channels: frozenset[str] = field(default_factory=lambda: frozenset({TERMINAL}))

    @classmethod
    def of(cls, include_test: bool = False, channels: list[str] | None = None) -> Exclusion:
        """The rules of the command line: test traffic left out unless ``include_test``; the
        channels named are left out in any case."""
        named = frozenset(channels or ())
        if include_test:
            return cls(None, named)
        return cls(TEST_PREFIX, named | {TERMINAL})

    def reason(self, turn: Turn) -> str | None:
        """Why ``turn`` is left out (``TEST_SENDER`` or its channel), or None when it counts."""
        if self.test_prefix and turn.conversation.startswith(self.test_prefix):
            return TEST_SENDER
        if turn.channel in self.channels:
            return turn.channel
        return None

    def as_json(self) -> dict[str, Any]:
        return {"test_prefix": self.test_prefix, "channels": sorted(self.channels)}


def in_period(turns: list[Turn], since: dt.date | None, until: dt.date | None) -> list[Turn]:
    """The turns between ``since`` and ``until`` (inclusive, UTC dates)."""
    return [t for t in turns if (since is None or t.time.date() >= since) and (until is None or t.time.date() <= until)]


def select(turns: list[Turn], exclusion: Exclusion) -> tuple[list[Turn], list[dict[str, Any]]]:
    """The turns that count, and what was left out: per reason (test conversations first, then
    each channel by name) its distinct conversations and its messages."""
    kept: list[Turn] = []
    conversations: dict[str, set[str]] = defaultdict(set)
    messages: dict[str, int] = defaultdict(int)
    for turn in turns:
        why = exclusion.reason(turn)
        if why is None:
            kept.append(turn)
            continue
        conversations[why].add(turn.conversation)
        messages[why] += 1
    order = sorted(conversations, key=lambda why: (why != TEST_SENDER, why))
    left_out = [
        {"reason": TEST_SENDER if why == TEST_SENDER else "channel",
         **({} if why == TEST_SENDER else {"channel": why}),
         "conversations": len(conversations[why]), "messages": messages[why]}
        for why in order
    ]  # fmt: skip
    return kept, left_out

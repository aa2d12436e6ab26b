"""What the next message costs in a conversation that already holds 10, 100, 1,000 or 5,000
messages (issue 27): the median latency over HTTP of messages sent in turn to one conversation of
each length, and each median's ratio to the shortest one's, in one run.

A conversation is filled in the tracker store's SQLite file directly (``fill``), with copies of
one real turn's stored events as the server wrote them, in the current session (recent
timestamps): sending 5,000 messages one by one would take minutes, and with the code before issue
27 hours. The lengths are measured in turn, message by message, so the machine's noise falls on
all of them alike. The end-to-end test (tests/e2e/test_long_conversation.py) and `make bench`
(bench/run.py) use it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

LENGTHS = (10, 100, 1_000, 5_000)
TEMPLATE_QUESTION = "Was ist ein kommunales Jobcenter?"


def _rows(db: Path, sender: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db, timeout=30) as raw:
        return raw.execute(
            "SELECT type_name, timestamp, intent_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()


def fill(db: Path, template: str, sender: str, messages: int) -> None:
    """Conversation ``sender`` with ``messages`` messages: the template conversation's first turn
    (session start and all), then its last turn ``messages - 1`` times, one second apart and
    ending now."""
    rows = _rows(db, template)
    users = [i for i, row in enumerate(rows) if row[0] == "user"]
    if len(users) < 2:
        raise ValueError(f"the template conversation needs two messages, it has {len(users)}")
    first, turn = rows[: users[1]], rows[users[1] :]
    now = time.time()
    out = []
    for i in range(messages):
        at = now - (messages - i)
        for type_name, _, intent, action, data in first if i == 0 else turn:
            out.append((sender, type_name, at, intent, action, _retimed(data, at)))
    with sqlite3.connect(db, timeout=30) as raw:
        raw.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            out,
        )


def _retimed(data: str, at: float) -> str:
    import json

    event = json.loads(data)
    event["timestamp"] = at
    return json.dumps(event)


async def _send(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as r:
        body = await r.json()
        if r.status != 200 or not body:
            raise RuntimeError(f"no reply in conversation {sender}: {r.status}")
    return time.perf_counter() - start


async def _measure(url: str, senders: dict[int, str], questions: list[str], rounds: int) -> dict[int, list[float]]:
    latencies: dict[int, list[float]] = {n: [] for n in senders}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        for r in range(rounds):
            for n, sender in senders.items():
                latencies[n].append(await _send(session, url, sender, questions[r % len(questions)]))
    return latencies


def next_message_cost(
    url: str, db: Path, questions: list[str], lengths: tuple[int, ...] = LENGTHS, rounds: int = 15
) -> dict[str, Any]:
    """Median latency (ms) of the next message in a conversation of each length, its ratio to the
    shortest length's, and how many messages each median is of."""
    tag = uuid.uuid4().hex[:8]
    template = f"long-template-{tag}"

    async def template_turns() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            for _ in range(2):
                await _send(session, url, template, TEMPLATE_QUESTION)

    asyncio.run(template_turns())
    senders = {n: f"long-{n}-{tag}" for n in lengths}
    for n, sender in senders.items():
        fill(db, template, sender, n)
    latencies = asyncio.run(_measure(url, senders, questions, rounds))
    medians = {n: statistics.median(values) * 1000 for n, values in latencies.items()}
    shortest = medians[min(lengths)]
    return {str(n): {"p50_ms": medians[n], "ratio": medians[n] / shortest, "n": len(latencies[n])} for n in lengths}

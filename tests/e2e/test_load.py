"""Load, with the production settings of the Procfile (two Rasa workers, Redis lock store, SQLite):
32 concurrent conversations x 25 messages (16 over REST, 16 over socket.io), two identical rounds.
Every reply arrives, each in its own conversation (checked by content: every conversation asks
about its own Jobcenter), no error, Rasa's memory flat in the second round. Follow-up questions
still find their context when consecutive messages reach different workers."""

from __future__ import annotations

import asyncio
import uuid

import aiohttp
import pytest
import socketio

import knowledge
from bench.measure import proc_mb, process_tree
from tests.e2e.servers import Servers, module_servers

pytestmark = pytest.mark.e2e
CONVERSATIONS = 32
MESSAGES = 25
TIMEOUT = 60
WORKERS = 2  # as in the Procfile


def rss_mb(pid: int) -> float:
    """Resident memory of Rasa's main process and its workers."""
    return sum(proc_mb(p, "status", "VmRSS") for p in process_tree(pid))


def names() -> list[str]:
    """32 Jobcenter whose names are unambiguous, one per conversation."""
    directory = knowledge.load().directory
    unique = [j.display for j in directory.jobcenters if len(directory.find(j.display).jobcenters) == 1]
    return unique[:: max(1, len(unique) // CONVERSATIONS)][:CONVERSATIONS]


servers = module_servers("load", workers=WORKERS)


async def rest_conversation(session: aiohttp.ClientSession, url: str, name: str, problems: list[str]) -> int:
    sender = f"rest-{uuid.uuid4()}"
    answered = 0
    for _ in range(MESSAGES):
        async with session.post(url, json={"sender": sender, "message": f"Ist das Jobcenter {name} kommunal?"}) as r:
            if r.status != 200:
                problems.append(f"REST {r.status} for {name}")
                continue
            text = " ".join(m.get("text", "") for m in await r.json())
        if name not in text:
            problems.append(f"REST {name!r} got {text[:80]!r}")
        answered += 1
    return answered


async def socket_conversation(url: str, name: str, problems: list[str]) -> int:
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue[dict] = asyncio.Queue()
    client.on("bot_uttered", lambda data: replies.put_nowait(data))
    session_id = str(uuid.uuid4())
    await client.connect(url, transports=["websocket"], socketio_path="/socket.io", wait_timeout=30)
    await client.emit("session_request", {"session_id": session_id})
    answered = 0
    try:
        for _ in range(MESSAGES):
            await client.emit(
                "user_uttered", {"message": f"Ist das Jobcenter {name} kommunal?", "session_id": session_id}
            )
            reply = await asyncio.wait_for(replies.get(), TIMEOUT)
            if name not in reply.get("text", ""):
                problems.append(f"socket.io {name!r} got {reply.get('text', '')[:80]!r}")
            answered += 1
    finally:
        await client.disconnect()
    return answered


async def one_round(base_url: str, problems: list[str]) -> int:
    """32 conversations against ``base_url`` (Rasa, or nginx in front of several: tests/cluster)."""
    url = f"{base_url}/webhooks/rest/webhook"
    half = CONVERSATIONS // 2
    conversation_names = names()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session:
        counts = await asyncio.gather(
            *(rest_conversation(session, url, n, problems) for n in conversation_names[:half]),
            *(socket_conversation(base_url, n, problems) for n in conversation_names[half:]),
        )
    return sum(counts)


def test_32_conversations_two_rounds(servers: Servers) -> None:
    assert len(names()) == CONVERSATIONS
    problems: list[str] = []
    first = asyncio.run(one_round(servers.rasa_url, problems))
    after_first = rss_mb(servers.rasa.pid)
    second = asyncio.run(one_round(servers.rasa_url, problems))
    after_second = rss_mb(servers.rasa.pid)
    print(
        f"\nload: {first + second} replies, {len(problems)} problems, "
        f"Rasa RSS {after_first:.0f} -> {after_second:.0f} MB"
    )
    assert problems == []
    assert first == second == CONVERSATIONS * MESSAGES
    assert after_second <= after_first * 1.05


def test_follow_ups_across_workers(servers: Servers) -> None:
    """Each request on a new connection, so the two workers take turns at random; the context of the
    first question (slot ``topic``) must reach the worker that answers the follow-up."""
    assert len(process_tree(servers.rasa.pid)) == 1 + WORKERS
    for i in range(12):
        sender = f"follow-{uuid.uuid4()}"
        assert "104" in " ".join(
            m.get("text", "") for m in servers.say("Wie viele kommunale Jobcenter gibt es?", sender)
        )
        assert "303" in " ".join(m.get("text", "") for m in servers.say("Und gemeinsame Einrichtungen?", sender)), i

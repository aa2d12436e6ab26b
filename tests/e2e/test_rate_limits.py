"""Rate limits per conversation and per client address (pipeline/rate_limit.py, issues 13 and 24)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest
import requests
import socketio

from tests.e2e.servers import Servers, module_servers

pytestmark = pytest.mark.e2e
servers = module_servers("ratelimit", extra_env={"RATE_LIMIT_PER_SENDER": "3", "RATE_LIMIT_PER_ADDRESS": "12"})


def post(servers: Servers, sender: str, text: str) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                         timeout=60)  # fmt: skip


def test_a_flood_in_one_conversation_is_neither_parsed_nor_stored(servers: Servers) -> None:
    replies = [" ".join(m["text"] for m in post(servers, "flood", "Hallo").json()) for _ in range(5)]
    assert all("automatisiert" in r for r in replies[:3]), replies
    assert all("sehr viele Nachrichten" in r for r in replies[3:])
    with sqlite3.connect(servers.workdir / "tracker.db") as con:
        user = con.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'flood' AND type_name = 'user'").fetchone()
    assert user[0] == 3


def test_a_flood_from_one_address_gets_429(servers: Servers) -> None:
    statuses = [post(servers, f"address-{i}", "Hallo").status_code for i in range(14)]
    assert 429 in statuses and statuses[0] == 200


def test_ratings_count_against_the_conversations_limit(servers: Servers) -> None:
    """One socket sent 299 ratings in 30 s and every one was stored (issue 24). With 3 messages a
    minute per conversation: one question, then two ratings; the rest is refused and not stored."""
    answer = "utter_faq/count_municipal_jobcenters"

    async def scenario() -> tuple[str, list[Any], str]:
        sio = socketio.AsyncClient(reconnection=False)
        sessions: asyncio.Queue[str] = asyncio.Queue()
        replies: asyncio.Queue[Any] = asyncio.Queue()
        sio.on("session_confirm", lambda data: sessions.put_nowait(data))
        sio.on("bot_uttered", lambda data: replies.put_nowait(data))
        await sio.connect(servers.rasa_url, headers={"Origin": "http://localhost:8080"}, transports=["websocket"],
                          socketio_path="/socket.io", wait_timeout=30)  # fmt: skip
        await sio.emit("session_request", {"session_id": ""})
        given = await asyncio.wait_for(sessions.get(), 30)
        await sio.emit("user_uttered", {"message": "Wie viele kommunale Jobcenter gibt es?"})
        await asyncio.wait_for(replies.get(), 60)
        acks = [await sio.call("feedback", {"answer": answer, "helpful": i % 2 == 0}, timeout=30) for i in range(9)]
        await sio.emit("user_uttered", {"message": "Hallo"})  # over the limit: the note
        note = await asyncio.wait_for(replies.get(), 60)
        await sio.disconnect()
        return given, acks, str(note.get("text", ""))

    given, acks, note = asyncio.run(scenario())
    assert acks == [{"ok": True}] * 2 + [{"ok": False}] * 7
    assert "sehr viele Nachrichten" in note
    with sqlite3.connect(servers.workdir / "tracker.db") as con:
        slots = [json.loads(d) for (d,) in con.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (given,))]  # fmt: skip
    assert [e["value"]["helpful"] for e in slots if e["name"] == "feedback"] == [True, False]

"""A long conversation (issue 27): the next message costs as much after 1,000 messages as after
10, and after 5,000 messages the conversation still has its language, its follow-ups and its
ratings. Conversations are filled in the tracker store's file directly (bench/long_conversations.py)."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from typing import Any

import pytest

from bench.long_conversations import fill, next_message_cost
from evaluation.outcomes import first_message_sets
from tests.e2e.servers import Servers, module_servers, widget_socket

pytestmark = pytest.mark.e2e
servers = module_servers("long")
BOUND = 1.2  # the 1,000th message costs at most 1.2 times the 10th (issue 27)
UKRAINIAN = re.compile("[іїєґ]")  # letters of Ukrainian, not of Russian


def text_of(replies: list[dict[str, Any]]) -> str:
    return " ".join(str(r.get("text", "")) for r in replies)


def long_conversation(servers: Servers, sender: str, question: str, messages: int = 5_000) -> None:
    template = f"template-{sender}"
    for _ in range(2):
        servers.say(question, sender=template)
    fill(servers.workdir / "tracker.db", template, sender, messages)


def test_the_1000th_message_costs_at_most_1_2_times_the_10th(servers: Servers) -> None:
    """Medians of 25 messages each, sent in turn to a conversation of 10 and one of 1,000 messages
    (before issue 27 the 1,000th cost about 28 times the 10th: 0.65 ms per earlier message)."""
    questions = [q.text for q in first_message_sets()["held-out"]][:25]
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    cost = next_message_cost(url, servers.workdir / "tracker.db", questions, (10, 1_000), rounds=25)
    assert cost["1000"]["ratio"] <= BOUND, cost


def test_after_5000_messages_a_follow_up_finds_its_context(servers: Servers) -> None:
    long_conversation(servers, "long-de", "Was ist ein kommunales Jobcenter?")
    servers.say("Wie viele kommunale Jobcenter gibt es?", sender="long-de")
    assert "303" in text_of(servers.say("Und gemeinsame Einrichtungen?", sender="long-de"))


def test_after_5000_messages_the_conversation_keeps_its_language(servers: Servers) -> None:
    """The language was set with the first message, 30,000 events earlier; a message that names
    no language ("104") is answered in it."""
    long_conversation(servers, "long-uk", "Що таке комунальний джобцентр?")
    with sqlite3.connect(servers.workdir / "tracker.db") as raw:
        languages = raw.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = 'long-uk' AND type_name = 'slot' "
            "AND action_name = 'language'"
        ).fetchone()[0]
    assert languages == 1  # only the first message set it
    assert UKRAINIAN.search(text_of(servers.say("104", sender="long-uk")))


def test_after_5000_messages_an_answer_can_be_rated(servers: Servers) -> None:
    answer = "utter_faq/count_municipal_jobcenters"

    async def scenario() -> tuple[str, Any]:
        replies: asyncio.Queue[Any] = asyncio.Queue()
        sio = await widget_socket(servers, "http://localhost:8080", replies.put_nowait)
        long_conversation(servers, sio.session_id, "Was ist ein kommunales Jobcenter?")
        await sio.emit("user_uttered", {"message": "Wie viele kommunale Jobcenter gibt es?"})
        await asyncio.wait_for(replies.get(), 60)
        ack = await sio.call("feedback", {"answer": answer, "helpful": False, "reason": "incomplete"}, timeout=30)
        await sio.disconnect()
        return sio.session_id, ack

    given, ack = asyncio.run(scenario())
    assert ack == {"ok": True}
    with sqlite3.connect(servers.workdir / "tracker.db") as raw:
        rated = raw.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'slot' AND action_name = 'feedback'",
            (given,),
        ).fetchone()[0]
    assert rated == 1

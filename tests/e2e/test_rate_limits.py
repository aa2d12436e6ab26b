"""Rate limits per conversation and per client address (runtime/rate_limit.py, issue 13)."""

from __future__ import annotations

import sqlite3

import pytest
import requests

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

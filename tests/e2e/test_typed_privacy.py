"""Personal data as citizens type it, through the real servers (issue 24): an IBAN followed by a
word, other scripts' digits, invisible characters, spelled-out e-mail addresses; none of it in the
tracker store, the event broker's copy, their WAL journals or the log. A lone surrogate gets an
answer on every way in; the streamed REST reply is not offered."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest
import requests

from base.languages import SUPPORTED
from pipeline.render import render
from tests.e2e.servers import Servers, module_servers, widget_socket

PAGE = "http://page.example"
servers = module_servers("typed-privacy", extra_env={"WIDGET_ORIGINS": PAGE})
pytestmark = pytest.mark.e2e

# (message, what must not be stored: as typed and as normalised). Each long enough not to occur by
# chance in what is stored anyway: "0130" was found inside a classifier confidence ("0.0130859…").
TYPED: list[tuple[str, str | tuple[str, ...]]] = [
    ("Meine IBAN DE89370400440532013000 bitte prüfen", "0532013000"),
    ("meine iban ist DE89 3704 0044 0532 0130 00 und ich habe eine Frage", "0532 0130"),
    ("My IBAN is DE89370400440532013000, please check it", "0532013000"),
    ("IBAN ＤＥ８９３７０４００４４０５３２０１３０００ bitte", "３０００"),
    ("رقم الحساب DE٨٩٣٧٠٤٠٠٤٤٠٥٣٢٠١٣٠٠٠ من فضلك", "٠١٣٠٠٠"),
    ("IBAN DE89\u20603704\u20600044\u20600532\u20600130\u206000 danke", ("0532\u20600130", "05320130")),
    ("IBAN DE89\u00ad3704\u00ad0044\u00ad0532\u00ad0130\u00ad00 danke", ("0532\u00ad0130", "05320130")),
    ("IBAN DЕ89370400440532013000 danke", "0532013000"),  # Cyrillic Е
    ("Schreiben Sie an max.mustermann at gmx dot de bitte", "mustermann"),
    ("ich heiße anna schmidt und habe eine Frage", "schmidt"),
    ("меня зовут Ирина Петрова, что такое джобцентр?", "Петрова"),
    ("geboren 12/03/1985, ist das Jobcenter kommunal?", "03/1985"),
    ("Steuer-ID 65 - 929 - 970 - 489, bitte", "929 - 970"),
]


# The personal-data notice in each language (pipeline/render.py).
NOTICE = {str((render("utter_personal_data_removed", code) or {}).get("text")) for code in SUPPORTED}


def post(servers: Servers, body: dict[str, Any], query: str = "", timeout: float = 60) -> requests.Response:
    return requests.post(f"{servers.rasa_url}/webhooks/rest/webhook{query}", json=body, timeout=timeout)


def stored_bytes(servers: Servers) -> bytes:
    """Both stores with their WAL journals, as bytes on disk."""
    time.sleep(1.5)  # the event broker's writer thread stores in batches
    paths = [servers.workdir / name for name in ("tracker.db", "tracker.db-wal", "events.db", "events.db-wal")]
    return b"".join(path.read_bytes() for path in paths if path.exists())


def test_personal_data_as_citizens_type_it_is_stored_nowhere(servers: Servers) -> None:
    for message, _ in TYPED:
        r = post(servers, {"sender": "typed", "message": message})
        assert r.status_code == 200
        said = [m.get("text", "") for m in r.json()]
        assert set(said) & NOTICE, message  # in the language of the message (issue 25)
    stored = stored_bytes(servers)
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    assert b"typed" in stored  # the conversation is there ...
    for message, secrets in TYPED:
        for secret in (secrets,) if isinstance(secrets, str) else secrets:
            found = stored.find(secret.encode())
            assert found < 0, (message, stored[max(0, found - 200) : found + 60])  # ... without what was typed
            assert secret not in log, message


def test_a_lone_surrogate_is_answered_over_rest(servers: Servers) -> None:
    raw = b'{"sender": "surrogate", "message": "Was ist ein kommunales \\ud800 Jobcenter?"}'
    r = requests.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert r.status_code == 200
    assert r.json() and all(m.get("text") for m in r.json())
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]


def test_a_lone_surrogate_is_answered_over_socketio(servers: Servers) -> None:
    async def scenario() -> str:
        replies: asyncio.Queue[Any] = asyncio.Queue()
        sio = await widget_socket(servers, PAGE, replies.put_nowait)
        try:
            await sio.emit("user_uttered", {"message": "Was ist ein kommunales \ud800 Jobcenter?"})
            while True:  # the first text reply (a reply may carry only buttons or custom data)
                reply = await asyncio.wait_for(replies.get(), 30)
                if reply.get("text"):
                    return str(reply["text"])
        finally:
            await sio.disconnect()

    assert asyncio.run(scenario())


def test_the_streamed_reply_is_not_offered(servers: Servers) -> None:
    """``?stream=true`` with a broken message hung for 60 s; it answers 404 at once."""
    start = time.perf_counter()
    for message in ("Hallo", "Was ist ein \ud800 Jobcenter?"):
        r = post(servers, {"sender": "stream", "message": message}, query="?stream=true", timeout=10)
        assert r.status_code == 404
    assert time.perf_counter() - start < 5
    assert post(servers, {"sender": "stream", "message": "Hallo"}, query="?stream=false").status_code == 200


def test_the_notice_does_not_repeat_what_it_removed(servers: Servers) -> None:
    r = post(servers, {"sender": "notice", "message": "Meine IBAN DE89370400440532013000 bitte prüfen"})
    assert not re.search(r"\d{4}", " ".join(m.get("text", "") for m in r.json()))

"""Bad input and personal data over the REST channel: always a well-formed reply or a 4xx, never
a 5xx; personal data never reaches the tracker store or the logs."""

from __future__ import annotations

import sqlite3

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PII
from tests.e2e.servers import Servers, module_servers

# ---- end to end ---------------------------------------------------------------------------------
servers = module_servers("input")


def post(servers: Servers, body: object, raw: bytes | None = None) -> requests.Response:
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    if raw is not None:
        return requests.post(url, data=raw, headers={"Content-Type": "application/json"}, timeout=60)
    return requests.post(url, json=body, timeout=60)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "leer"),
        ("   \n  ", "leer"),
        ("x" * 10_000, "sehr lang"),
        ("😀😀😀", ""),
        ("<script>alert(1)</script>", ""),
        ("<img src=x onerror=alert(1)>", ""),
        ("What is a municipal job center?", "is run by the district (Landkreis)"),  # issue 16
        ("Bonjour, qu'est-ce qu'un jobcenter?", ""),
        ("\x00\x01\x02", "leer"),
    ],
    ids=["empty", "whitespace", "10000-chars", "emoji", "script", "img-onerror", "english", "french", "control"],
)
def test_bad_input_gets_a_clear_answer(servers: Servers, message: str, expected: str) -> None:
    r = post(servers, {"sender": "bad-input", "message": message})
    assert r.status_code == 200
    replies = r.json()
    assert replies and all(isinstance(m.get("text"), str) and m["text"] for m in replies)
    assert expected in " ".join(m["text"] for m in replies)


NOT_JSON = "Failed when parsing body as json"  # Sanic's own answer
NOT_AN_OBJECT = "The body must be a JSON object with 'sender' and 'message'."
BAD_SENDER = "'sender' must be 1-64 letters, digits, '-' or '_', with a letter, and not a messenger's name."
BAD_MESSAGE = "'message' must be a string."


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"not json", NOT_JSON),
        (b"\xff\xfe\x00invalid utf-8", NOT_JSON),
        (b"[1, 2, 3]", NOT_AN_OBJECT),
        (b'"just a string"', NOT_AN_OBJECT),
        (b"null", NOT_AN_OBJECT),
        (b'{"sender": "x"}', BAD_MESSAGE),
        (b'{"message": 42}', BAD_SENDER),  # the sender is checked first
        (b'{"sender": {"a": 1}, "message": "hi"}', BAD_SENDER),
        (b'{"sender": "wrong-message", "message": ["hi"]}', BAD_MESSAGE),
    ],
    ids=["not-json", "invalid-utf-8", "list", "string", "null", "no-message", "no-sender", "sender-object",
         "message-list"],
)  # fmt: skip
def test_wrong_json_shape_is_a_400_with_its_reason(servers: Servers, raw: bytes, reason: str) -> None:
    """channels/rest.py: 400 with the reason, never an exception inside Rasa (a 500) or an answer."""
    r = post(servers, None, raw=raw)
    assert (r.status_code, r.json()) == (400, {"description": "Bad Request", "status": 400, "message": reason})


@pytest.mark.e2e
@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.text(max_size=300))
def test_generated_messages_never_break_the_message_path(servers: Servers, text: str) -> None:
    r = post(servers, {"sender": "hypothesis", "message": text})
    assert r.status_code == 200
    assert isinstance(r.json(), list)


@pytest.mark.e2e
def test_personal_data_is_not_stored_or_logged(servers: Servers) -> None:
    sender = "privacy"
    for kind, value in PII.items():
        replies = servers.say(f"Meine {kind} ist {value}, wann kommt mein Geld?", sender=sender)
        assert "persönliche Daten" in " ".join(m.get("text", "") for m in replies)
    db = servers.workdir / "tracker.db"
    with sqlite3.connect(db) as con:
        rows = [str(r) for r in con.execute("SELECT * FROM events")]
    stored = "\n".join(rows)
    assert sender in stored  # the conversation is there ...
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    for value in PII.values():
        assert value not in stored  # ... without the personal data
        assert value not in log


@pytest.mark.e2e
def test_retention_on_the_real_store(servers: Servers) -> None:
    from stores.retention import purge

    servers.say("Hallo", sender="to-be-deleted")
    db = servers.workdir / "tracker.db"
    assert purge(db, days=0) >= 1
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'to-be-deleted'").fetchone()[0] == 0
    for path in (db, db.with_name(db.name + "-wal")):  # neither the file nor its WAL journal
        if path.exists():
            assert b"to-be-deleted" not in path.read_bytes(), path.name


# ---- issue 13: what an attacker tried ----------------------------------------------------------


@pytest.mark.e2e
def test_slash_messages_metadata_and_entities_keep_no_personal_data(servers: Servers) -> None:
    """'/'-messages used to skip the input gate: stored and logged in full, entity values too."""
    sender = "slash-privacy"
    messages = [
        f"/Meine IBAN ist {PII['IBAN']}",
        f'/greet{{"jobcenter": "{PII["Telefonnummer"]}"}}',
        "/" + "x" * 20_000 + PII["E-Mail"],
    ]
    for message in messages:
        r = post(servers, {"sender": sender, "message": message, "metadata": {"email": PII["E-Mail"]},
                           "input_channel": "telegram"})  # fmt: skip
        assert r.status_code == 200 and r.json()
    with sqlite3.connect(servers.workdir / "tracker.db") as con:
        rows = con.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    stored = "\n".join(str(r) for r in rows)
    assert rows and '"input_channel": "rest"' in stored and '"telegram"' not in stored
    assert "x" * 1001 not in stored  # the length limit holds for "/"-messages too
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    for value in PII.values():
        assert value not in stored and value not in log


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": "Hallo"}, 400),  # everyone would share the conversation "default"
        ({"sender": "", "message": "Hallo"}, 400),
        ({"sender": "123456789", "message": "Hallo"}, 400),  # could be a Telegram chat id
        ({"sender": "x" * 40_000, "message": "Hallo"}, 400),
        ({"sender": "a b/c", "message": "Hallo"}, 400),
        ({"sender": "whatsapp-0123456789abcdef", "message": "Hallo"}, 400),  # a messenger's conversation
        ({"sender": "Telegram-4711abc", "message": "Hallo"}, 400),
        ({"sender": "test-whatsapp-1", "message": "Hallo"}, 200),
    ],
    ids=["missing", "empty", "numeric", "40000-chars", "odd-characters", "whatsapp", "telegram", "test-prefix"],
)
def test_sender_ids_are_checked(servers: Servers, body: dict, status: int) -> None:
    assert post(servers, body).status_code == status


@pytest.mark.e2e
def test_only_json_bodies_are_processed(servers: Servers) -> None:
    """A cross-site form or text/plain POST (no CORS preflight) must not reach the bot."""
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    raw = b'{"sender": "cross-site", "message": "Hallo"}'
    r = requests.post(url, data=raw, headers={"Content-Type": "text/plain"}, timeout=30)
    assert r.status_code == 415
    with sqlite3.connect(servers.workdir / "tracker.db") as con:
        assert con.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'cross-site'").fetchone()[0] == 0


@pytest.mark.e2e
def test_a_worst_case_message_is_answered_fast_and_stalls_nobody(servers: Servers) -> None:
    """40 KB of nested brackets kept a worker busy for minutes (spaCy's tokenizer is quadratic on
    runs of punctuation); the input gate cuts before anything tokenizes."""
    import concurrent.futures
    import time

    bomb = "/" + "(" * 20_000 + ")" * 20_000
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        start = time.perf_counter()
        attack = pool.submit(post, servers, {"sender": "bracket-bomb", "message": bomb})
        hello = pool.submit(post, servers, {"sender": "bystander", "message": "Hallo"})
        assert "automatisiertes Programm" in " ".join(m["text"] for m in hello.result(timeout=30).json())
        assert attack.result(timeout=30).status_code == 200
        elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"{elapsed:.2f} s"

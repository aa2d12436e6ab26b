"""WhatsApp (Cloud API) over the real server against a fake Graph API on loopback (issue 29), and
the messenger ids of all three messengers pseudonymised: no phone number, chat id or page-scoped id
in the tracker store, the event broker's copy, their WAL journals, the log or the report."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from base.paths import ROOT
from channels.pseudonyms import pseudonym
from tests.e2e.fake_platforms import FakePlatforms, facebook_env, telegram_env, wait_for, whatsapp_env
from tests.e2e.servers import Servers, with_fake_platforms

pytestmark = pytest.mark.e2e

BOT = "jobcenter_test_bot"
WA_TOKEN, WA_SECRET, WA_VERIFY, PHONE_ID = "wa-token-for-tests", "wa-app-secret-for-tests", "wa-verify-123", "1098"
TG_TOKEN, TG_SECRET = "123456:TEST-telegram-token", "tg-secret-token-for-tests"
FB_SECRET, FB_TOKEN, FB_VERIFY = "fb-app-secret-for-tests", "fb-page-token-for-tests", "fb-verify-for-tests"
ID_SECRET = "messenger-id-secret-for-tests"
QUESTION = "Was ist ein kommunales Jobcenter?"
# The citizens' ids: each in no store, log or report after the tests.
NUMBERS = [f"49151{n:08d}" for n in range(31415901, 31415915)]
TG_CHAT, FB_USER = 777123456, "PSID-9081726354"
message_ids = itertools.count(1)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, FakePlatforms]]:
    def env(url: str) -> dict[str, str]:
        return {
            **whatsapp_env(url, WA_TOKEN, WA_SECRET, WA_VERIFY, PHONE_ID),
            **telegram_env(url, BOT, TG_TOKEN, TG_SECRET),
            **facebook_env(url, FB_VERIFY, FB_SECRET, FB_TOKEN),
            "MESSENGER_ID_SECRET": ID_SECRET,
        }

    with with_fake_platforms(tmp_path_factory.mktemp("whatsapp"), BOT, env) as stack:
        yield stack


def body_of(number: str, kind: str, content: dict[str, Any], message_id: str | None = None) -> bytes:
    message = {"from": number, "id": message_id or f"wamid.test{next(message_ids)}",
               "timestamp": str(int(time.time())), "type": kind, kind: content}  # fmt: skip
    metadata = {"display_phone_number": "4935100", "phone_number_id": PHONE_ID}
    contacts = [{"profile": {"name": "Erika Mustermann"}, "wa_id": number}]
    value = {"messaging_product": "whatsapp", "metadata": metadata, "contacts": contacts, "messages": [message]}
    change = {"field": "messages", "value": value}
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}).encode()


def post(servers: Servers, body: bytes, signature: str | None = "right") -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature == "right":
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(f"{servers.rasa_url}/webhooks/whatsapp/webhook", data=body, headers=headers, timeout=60)


def say(servers: Servers, number: str, text: str) -> requests.Response:
    return post(servers, body_of(number, "text", {"body": text}))


def tap(servers: Servers, number: str, kind: str, choice_id: str) -> requests.Response:
    reply = {"id": choice_id, "title": "x"}
    return post(servers, body_of(number, "interactive", {"type": kind, kind: reply}))


def texts(sent: list[dict[str, Any]]) -> str:
    return "\n".join(
        m.get("text", {}).get("body") or m.get("interactive", {}).get("body", {}).get("text", "") for m in sent
    )


def interactive(sent: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m["interactive"] for m in sent if m.get("type") == "interactive"]


# ---- verification and signatures ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "1158201444"}, 200),
        ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"}, 403),
        ({"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY}, 403),
        ({"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "<script>"}, 403),
        ({"hub.mode": "unsubscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "1"}, 403),
        ({"hub.challenge": "1"}, 403),
    ],
)
def test_verification(stack: tuple[Servers, FakePlatforms], params: dict[str, str], status: int) -> None:
    servers, _ = stack
    r = requests.get(f"{servers.rasa_url}/webhooks/whatsapp/webhook", params=params, timeout=30)
    assert r.status_code == status
    if status == 200:
        assert r.text == "1158201444" and r.headers["Content-Type"].startswith("text/plain")
    assert WA_VERIFY not in servers.log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "sha256=" + "0" * 64,
        "sha1=" + "0" * 40,
        "sha256=" + hmac.new(b"other", b"", hashlib.sha256).hexdigest(),
        "",
    ],
    ids=["missing", "wrong", "sha1-prefix", "other-secret", "empty"],
)
def test_a_request_without_the_right_signature_is_refused_and_not_processed(
    stack: tuple[Servers, FakePlatforms], signature: str | None
) -> None:
    servers, fake = stack
    number = NUMBERS[0]
    r = post(servers, body_of(number, "text", {"body": QUESTION}), signature=signature)
    assert r.status_code in (401, 403)
    time.sleep(1)
    assert fake.whatsapp_sent(number) == []
    if signature == "sha1=" + "0" * 40:  # the right HMAC under another algorithm's prefix
        body = body_of(number, "text", {"body": QUESTION})
        sha1 = "sha1=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha1).hexdigest()
        assert post(servers, body, signature=sha1).status_code == 403


# ---- conversations ------------------------------------------------------------------------------
def test_a_german_conversation_with_a_follow_up_and_its_rating(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    number = NUMBERS[1]
    assert say(servers, number, QUESTION).status_code == 200
    sent = wait_for(lambda: fake.whatsapp_sent(number))
    assert "Optionskommune" in texts(sent)
    calls = [c for c in fake.whatsapp if c["body"].get("to") == number]
    assert all(c["path"] == f"/wa/v21.0/{PHONE_ID}/messages" for c in calls)
    assert all(
        c["authorization"] == f"Bearer {WA_TOKEN}" and c["body"]["messaging_product"] == "whatsapp" for c in calls
    )
    # the answer may be rated: two reply buttons
    [rating] = interactive(sent)[-1:]
    assert rating["type"] == "button"
    ids = [b["reply"]["id"] for b in rating["action"]["buttons"]]
    assert ids[0].startswith("feedback:yes|") and ids[1].startswith("feedback:no|")

    before = len(fake.whatsapp_sent(number))
    say(servers, number, "Und wie viele sind es heute?")
    assert "104" in texts(fake.whatsapp_sent(number)[before:])

    # "Nicht hilfreich", then a reason: asked for, then thanked; stored in the conversation
    before = len(fake.whatsapp_sent(number))
    tap(servers, number, "button_reply", ids[1])
    reasons = interactive(fake.whatsapp_sent(number)[before:])
    assert reasons and [b["reply"]["title"] for b in reasons[-1]["action"]["buttons"]] == [
        "Falsch", "Unvollständig", "Nicht verstanden"]  # fmt: skip
    wrong = reasons[-1]["action"]["buttons"][0]["reply"]["id"]
    assert wrong.startswith("feedback:wrong|")
    before = len(fake.whatsapp_sent(number))
    tap(servers, number, "button_reply", wrong)
    assert "Danke" in texts(fake.whatsapp_sent(number)[before:])
    slots = stored_feedback(servers, pseudonym("whatsapp", number, ID_SECRET.encode()))
    assert slots[-1]["value"]["helpful"] is False and slots[-1]["value"]["reason"] == "wrong"


def stored_feedback(servers: Servers, conversation: str) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(servers.workdir / "tracker.db") as con:
        rows = con.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot'", (conversation,)
        ).fetchall()
    return [e for e in (json.loads(r[0]) for r in rows) if e.get("name") == "feedback"]


def test_a_ukrainian_conversation_with_a_follow_up(stack: tuple[Servers, FakePlatforms]) -> None:
    """WhatsApp sends no language: the text's language decides, and the conversation keeps it."""
    servers, fake = stack
    number = NUMBERS[2]
    say(servers, number, "Що таке комунальний Jobcenter?")
    first = texts(fake.whatsapp_sent(number))
    assert first.startswith("Я відповідатиму українською") and "керує лише район" in first
    before = len(fake.whatsapp_sent(number))
    say(servers, number, "Скільки є комунальних Jobcenter?")
    follow_up = texts(fake.whatsapp_sent(number)[before:])
    assert "104" in follow_up and "Я відповідатиму українською" not in follow_up
    rating = interactive(fake.whatsapp_sent(number)[before:])[-1]
    assert rating["action"]["buttons"][0]["reply"]["title"] != "👍 Hilfreich"  # translated


def test_two_choices_are_reply_buttons_and_their_reply_is_answered(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    number = NUMBERS[3]
    say(servers, number, "Ist das Jobcenter Leipzig kommunal?")
    [ask] = interactive(fake.whatsapp_sent(number))[-1:]
    assert ask["type"] == "button"
    buttons = {b["reply"]["title"]: b["reply"]["id"] for b in ask["action"]["buttons"]}
    assert set(buttons) == {"Landkreis Leipzig", "Stadt Leipzig"}
    before = len(fake.whatsapp_sent(number))
    tap(servers, number, "button_reply", buttons["Stadt Leipzig"])
    assert "Nein." in texts(fake.whatsapp_sent(number)[before:])


def test_more_choices_become_a_list_and_a_row_is_answered(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    number = NUMBERS[4]
    say(servers, number, "Hallo")
    [menu] = interactive(fake.whatsapp_sent(number))[-1:]
    assert menu["type"] == "list" and len(menu["action"]["button"]) <= 20
    rows = menu["action"]["sections"][0]["rows"]
    assert 1 <= len(rows) <= 10 and all(len(r["title"]) <= 24 for r in rows)
    first = rows[0]
    assert first["description"] == QUESTION and QUESTION.startswith(first["title"].rstrip("…"))
    before = len(fake.whatsapp_sent(number))
    tap(servers, number, "list_reply", first["id"])
    assert "Optionskommune" in texts(fake.whatsapp_sent(number)[before:])


def test_a_duplicate_message_id_is_ignored(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    number = NUMBERS[5]
    body = body_of(number, "text", {"body": QUESTION}, message_id="wamid.retried-by-meta")
    assert post(servers, body).status_code == 200
    answered = len(fake.whatsapp_sent(number))
    assert answered >= 1
    assert post(servers, body).status_code == 200
    time.sleep(1)
    assert len(fake.whatsapp_sent(number)) == answered


@pytest.mark.parametrize(
    ("kind", "content"),
    [("image", {"id": "MEDIA1", "mime_type": "image/jpeg"}), ("audio", {"id": "MEDIA2", "voice": True}),
     ("location", {"latitude": 50.58, "longitude": 12.99}), ("sticker", {"id": "MEDIA3"}),
     ("reaction", {"message_id": "wamid.x", "emoji": "👍"})],
)  # fmt: skip
def test_other_types_are_answered_politely(stack: tuple[Servers, FakePlatforms], kind: str, content: Any) -> None:
    servers, fake = stack
    number = NUMBERS[6]
    before = len(fake.whatsapp_sent(number))
    assert post(servers, body_of(number, kind, content)).status_code == 200
    assert texts(fake.whatsapp_sent(number)[before:]) == (
        "Ich kann leider nur Textnachrichten lesen. Bitte schreiben Sie Ihre Frage als Text."
    )


def test_statuses_are_acknowledged_without_a_reply(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    number = NUMBERS[7]
    statuses = [{"id": "wamid.out1", "status": s, "recipient_id": number} for s in ("sent", "delivered", "read")]
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID}, "statuses": statuses}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}).encode()
    assert post(servers, body).status_code == 200
    assert fake.whatsapp_sent(number) == []


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, {"code": 130429, "type": "OAuthException"}), (400, {"code": 131056, "type": "OAuthException"}),
     (503, {"code": 1, "type": "OAuthException"})],
)  # fmt: skip
def test_a_rate_limit_is_retried_and_the_reply_delivered(
    stack: tuple[Servers, FakePlatforms], status: int, error: dict[str, Any]
) -> None:
    servers, fake = stack
    number = NUMBERS[8]
    log_before = servers.log.stat().st_size
    fake.whatsapp_failures.append((status, {"error": {**error, "message": "limit"}}))
    before = len(fake.whatsapp)
    assert say(servers, number, QUESTION).status_code == 200
    calls = [c for c in fake.whatsapp[before:] if c["body"].get("to") == number]
    assert calls[0]["status"] == status and calls[1]["status"] == 200 and calls[1]["body"] == calls[0]["body"]
    assert "Optionskommune" in texts(fake.whatsapp_sent(number))
    logged = read_from(servers.log, log_before)
    assert f"code {error['code']}" in logged and "Optionskommune" not in logged and number not in logged


def test_an_expired_token_is_logged_not_retried_and_the_next_message_answered(
    stack: tuple[Servers, FakePlatforms],
) -> None:
    servers, fake = stack
    number = NUMBERS[9]
    log_before = servers.log.stat().st_size
    fake.whatsapp_failures.append((401, {"error": {"code": 190, "type": "OAuthException", "message": "expired"}}))
    before = len(fake.whatsapp)
    assert say(servers, number, "Hallo").status_code == 200
    assert [c["status"] for c in fake.whatsapp[before:]][:1] == [401]
    assert "renew WHATSAPP_ACCESS_TOKEN" in read_from(servers.log, log_before)
    before = len(fake.whatsapp_sent(number))
    say(servers, number, QUESTION)
    assert "Optionskommune" in texts(fake.whatsapp_sent(number)[before:])


def read_from(path: Path, offset: int) -> str:
    time.sleep(0.3)
    with path.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", errors="replace")


# ---- pseudonyms in every messenger --------------------------------------------------------------
def test_telegram_and_facebook_ids_are_pseudonymised(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    user = {"id": TG_CHAT, "is_bot": False, "first_name": "Test"}
    update = {"update_id": 99, "message": {"message_id": 99, "date": int(time.time()), "from": user,
              "chat": {"id": TG_CHAT, "type": "private"}, "text": QUESTION}}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    assert requests.post(f"{servers.rasa_url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=60).ok
    assert "Optionskommune" in str(wait_for(lambda: fake.telegram_sent(TG_CHAT)))

    messaging = {"sender": {"id": FB_USER}, "recipient": {"id": "PAGE"}, "timestamp": int(time.time() * 1000),
                 "message": {"mid": "m-1", "text": QUESTION}}  # fmt: skip
    body = json.dumps({"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [messaging]}]}).encode()
    signature = "sha256=" + hmac.new(FB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = requests.post(f"{servers.rasa_url}/webhooks/facebook/webhook", data=body, timeout=60,
                      headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})  # fmt: skip
    assert r.ok and "Optionskommune" in str(wait_for(lambda: fake.facebook_sent(FB_USER)))

    stored = stored_bytes(servers)
    for channel, real in (("telegram", TG_CHAT), ("facebook", FB_USER)):
        assert pseudonym(channel, real, ID_SECRET.encode()).encode() in stored
        assert str(real).encode() not in stored


def stored_bytes(servers: Servers) -> bytes:
    time.sleep(1.5)  # the event broker's writer thread stores in batches
    names = ("tracker.db", "tracker.db-wal", "events.db", "events.db-wal")
    return b"".join(p.read_bytes() for p in (servers.workdir / n for n in names) if p.exists())


def test_no_real_id_in_any_store_wal_log_or_report(stack: tuple[Servers, FakePlatforms], tmp_path: Path) -> None:
    """Runs last: after every conversation of this module."""
    servers, _ = stack
    stored = stored_bytes(servers)
    assert pseudonym("whatsapp", NUMBERS[1], ID_SECRET.encode()).encode() in stored  # the conversations are there
    out = tmp_path / "report"
    subprocess.run([sys.executable, "-m", "report", "--db", str(servers.workdir / "events.db"), "--out", str(out)],
                   check=True, cwd=ROOT, capture_output=True)  # fmt: skip
    report = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    log = servers.log.read_bytes()
    for real in [*NUMBERS, str(TG_CHAT), FB_USER, "Erika Mustermann"]:
        for where, content in (("stores", stored), ("log", log), ("report", report)):
            assert real.encode() not in content, (real, where)

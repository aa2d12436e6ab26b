"""Telegram and Facebook Messenger through Rasa's connectors against a fake platform on loopback."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.fake_platforms import FakePlatforms, facebook_env, telegram_env, wait_for
from tests.e2e.servers import Servers, with_fake_platforms

BOT = "jobcenter_test_bot"
TG_TOKEN = "123456:TEST-telegram-token"
TG_SECRET = "tg-secret-token-for-tests"
FB_SECRET = "fb-app-secret-for-tests"
FB_TOKEN = "fb-page-token-for-tests"
FB_VERIFY = "fb-verify-for-tests"
QUESTION = "Was ist ein kommunales Jobcenter?"


# ---- end to end against the fake platforms ------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, FakePlatforms]]:
    def env(url: str) -> dict[str, str]:
        return {
            **telegram_env(url, BOT, TG_TOKEN, TG_SECRET),
            **facebook_env(url, FB_VERIFY, FB_SECRET, FB_TOKEN),
        }

    with with_fake_platforms(tmp_path_factory.mktemp("messengers"), BOT, env) as stack:
        yield stack


def telegram_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test"}
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": user, "text": text}  # fmt: skip
    return {"update_id": update_id, "message": message}


def post_telegram(servers: Servers, update: dict[str, Any], secret: str | None = TG_SECRET) -> requests.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return requests.post(f"{servers.rasa_url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=30)


def texts(sent: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text", "")) for m in sent)


@pytest.mark.e2e
def test_telegram_webhook_is_registered_with_the_secret(stack: tuple[Servers, FakePlatforms]) -> None:
    _, fake = stack
    calls = wait_for(lambda: [c for c in fake.telegram if c["method"] == "setWebhook"])
    assert calls and calls[0]["params"]["secret_token"] == TG_SECRET
    assert calls[0]["token"] == TG_TOKEN


@pytest.mark.e2e
def test_telegram_answer_reaches_the_right_chat(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    assert post_telegram(servers, telegram_update(1, 4711, QUESTION)).status_code == 200
    sent = wait_for(lambda: fake.telegram_sent(4711))
    assert "Optionskommune" in texts(sent)
    assert fake.telegram_sent(4712) == []


@pytest.mark.e2e
def test_telegram_users_language_starts_the_conversation(stack: tuple[Servers, FakePlatforms]) -> None:
    """A Ukrainian Telegram user got German only (issue 16): the user's language_code now starts
    the conversation in Ukrainian: the note, the greeting and its buttons in Ukrainian, and a
    button pressed gets its answer in Ukrainian."""
    servers, fake = stack
    update = telegram_update(3, 5003, "Hallo")
    update["message"]["from"]["language_code"] = "uk"
    assert post_telegram(servers, update).status_code == 200
    sent = wait_for(lambda: [m for m in fake.telegram_sent(5003) if m.get("reply_markup")])
    everything = texts(fake.telegram_sent(5003))
    assert everything.startswith("Я відповідатиму українською") and "Добрий день!" in everything
    keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
    first = keyboard[0][0]
    assert first["text"] == "Що таке комунальний джобцентр?"
    before = len(fake.telegram_sent(5003))
    user = {"id": 5003, "is_bot": False, "first_name": "Test", "language_code": "uk"}
    query = {"id": "cb-uk", "from": user, "chat_instance": "ci", "data": first["callback_data"],
             "message": {"message_id": 9, "date": int(time.time()), "chat": {"id": 5003, "type": "private"},
                         "text": sent[-1]["text"], "reply_markup": {"inline_keyboard": keyboard}}}  # fmt: skip
    assert post_telegram(servers, {"update_id": 14, "callback_query": query}).status_code == 200
    assert wait_for(lambda: "керує лише район" in texts(fake.telegram_sent(5003)[before:]))


@pytest.mark.e2e
def test_facebook_answers_in_the_language_of_the_question(stack: tuple[Servers, FakePlatforms]) -> None:
    """Facebook sends no language: the question's own language decides (issue 16)."""
    servers, fake = stack
    assert post_facebook(servers, fb_body("U-tr", {"text": "Belediye Jobcenter'ı nedir?"})).status_code == 200
    sent = wait_for(lambda: [m for m in fake.facebook_sent("U-tr") if "yalnızca ilçe" in str(m.get("text"))])
    assert sent
    assert texts(fake.facebook_sent("U-tr")).startswith("Türkçe yanıt vereceğim")


@pytest.mark.e2e
def test_telegram_start_gets_the_greeting(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    post_telegram(servers, telegram_update(2, 5001, "/start"))
    sent = wait_for(lambda: fake.telegram_sent(5001))
    assert "automatisiertes Programm" in texts(sent)
    keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard][0] == "Was ist ein kommunales Jobcenter?"


@pytest.mark.e2e
def test_telegram_button_press_continues(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    post_telegram(servers, telegram_update(3, 5002, "Ist das Jobcenter Leipzig kommunal?"))
    sent = wait_for(lambda: fake.telegram_sent(5002))
    keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
    buttons = [b for row in keyboard for b in row if not b["callback_data"].startswith("feedback:")]
    assert {b["text"] for b in buttons} == {"Landkreis Leipzig", "Stadt Leipzig"}
    stadt = next(b for b in buttons if b["text"] == "Stadt Leipzig")
    user = {"id": 5002, "is_bot": False, "first_name": "Test"}
    query = {"id": "cb-1", "from": user, "chat_instance": "ci", "data": stadt["callback_data"],
             "message": {"message_id": 9, "date": int(time.time()), "chat": {"id": 5002, "type": "private"},
                         "text": sent[-1]["text"], "reply_markup": {"inline_keyboard": keyboard}}}  # fmt: skip
    assert post_telegram(servers, {"update_id": 4, "callback_query": query}).status_code == 200
    assert wait_for(lambda: "Stadt Leipzig" in texts(fake.telegram_sent(5002)[len(sent) :]))


@pytest.mark.e2e
@pytest.mark.parametrize("secret", [None, "wrong-secret"])
def test_telegram_update_without_the_secret_is_rejected(
    stack: tuple[Servers, FakePlatforms], secret: str | None
) -> None:
    servers, fake = stack
    chat = 6000 + (0 if secret is None else 1)
    assert post_telegram(servers, telegram_update(5, chat, QUESTION), secret=secret).status_code == 403
    time.sleep(2)
    assert fake.telegram_sent(chat) == []


# ---- Facebook -----------------------------------------------------------------------------------
def fb_body(user: str, message: dict[str, Any]) -> bytes:
    entry = {"id": "PAGE", "time": int(time.time() * 1000),
             "messaging": [{"sender": {"id": user}, "recipient": {"id": "PAGE"},
                            "timestamp": int(time.time() * 1000), "message": {"mid": f"m-{user}-{time.time()}",
                                                                              **message}}]}  # fmt: skip
    return json.dumps({"object": "page", "entry": [entry]}).encode()


def post_facebook(servers: Servers, body: bytes, secret: str = FB_SECRET) -> requests.Response:
    signature = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    return requests.post(
        f"{servers.rasa_url}/webhooks/facebook/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature": signature},
        timeout=30,
    )


@pytest.mark.e2e
def test_facebook_verification(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, _ = stack
    url = f"{servers.rasa_url}/webhooks/facebook/webhook"
    ok = requests.get(url, params={"hub.verify_token": FB_VERIFY, "hub.challenge": "42", "hub.mode": "subscribe"})
    assert ok.text == "42"
    assert requests.get(url, params={"hub.verify_token": "nope", "hub.challenge": "42"}).status_code == 403
    assert requests.get(url, params={"hub.challenge": "42"}).status_code == 403


@pytest.mark.e2e
@pytest.mark.parametrize("challenge", [None, "", "<b>x</b>", "9" * 200])
def test_facebook_verification_without_a_challenge_is_400_and_the_token_is_not_logged(
    stack: tuple[Servers, FakePlatforms], challenge: str | None
) -> None:
    """The right token without ``hub.challenge`` gave a 500 whose log line held the whole URL,
    verify token included (issue 24)."""
    servers, _ = stack
    before = servers.log.stat().st_size
    params = {"hub.verify_token": FB_VERIFY, "hub.mode": "subscribe"}
    if challenge is not None:
        params["hub.challenge"] = challenge
    r = requests.get(f"{servers.rasa_url}/webhooks/facebook/webhook", params=params, timeout=30)
    assert r.status_code == 400 and FB_VERIFY not in r.text
    time.sleep(0.5)
    with servers.log.open("rb") as log:
        log.seek(before)
        written = log.read().decode("utf-8", errors="replace")
    assert "Traceback" not in written and "Exception occurred" not in written, written
    assert FB_VERIFY not in servers.log.read_text(encoding="utf-8", errors="replace")


@pytest.mark.e2e
def test_facebook_answer_and_quick_reply(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    assert post_facebook(servers, fb_body("U1", {"text": QUESTION})).status_code == 200
    sent = wait_for(lambda: fake.facebook_sent("U1"))
    assert "Optionskommune" in texts(sent)
    assert all(c["access_token"] == FB_TOKEN for c in fake.facebook)

    post_facebook(servers, fb_body("U2", {"text": "Ist das Jobcenter Leipzig kommunal?"}))
    with_replies = wait_for(lambda: [m for m in fake.facebook_sent("U2") if m.get("quick_replies")])
    replies = with_replies[-1]["quick_replies"]
    assert all(len(r["title"]) <= 20 and r["content_type"] == "text" for r in replies)
    # "Welches meinen Sie?" asks back: its choices only, no rating (issue 26)
    assert {r["title"] for r in replies} == {"Landkreis Leipzig", "Stadt Leipzig"}
    stadt = next(r for r in replies if r["title"] == "Stadt Leipzig")
    before = len(fake.facebook_sent("U2"))
    post_facebook(servers, fb_body("U2", {"text": stadt["title"], "quick_reply": {"payload": stadt["payload"]}}))
    answer = wait_for(lambda: [m for m in fake.facebook_sent("U2")[before:] if "Nein." in str(m.get("text"))])
    rating = answer[-1]["quick_replies"][-2:]  # the answer is rated: the two rating quick replies come last
    assert rating[0]["payload"].startswith("feedback:yes|") and rating[1]["payload"].startswith("feedback:no|")


@pytest.mark.e2e
def test_facebook_wrong_signature_is_rejected(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    assert post_facebook(servers, fb_body("U3", {"text": QUESTION}), secret="wrong").status_code == 403
    time.sleep(2)
    assert fake.facebook_sent("U3") == []


@pytest.mark.e2e
def test_rest_still_answers_and_no_secret_in_logs(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, _ = stack
    assert "Optionskommune" in texts(servers.say(QUESTION, sender="rest-with-messengers"))
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    for secret in (TG_TOKEN, TG_SECRET, FB_SECRET, FB_TOKEN, FB_VERIFY):
        assert secret not in log


# ---- issue 13: what an attacker tried ----------------------------------------------------------
@pytest.mark.e2e
def test_telegram_set_webhook_route_is_not_open(stack: tuple[Servers, FakePlatforms]) -> None:
    """Rasa's own set_webhook route re-registered the webhook without the secret token."""
    servers, fake = stack
    before = len([c for c in fake.telegram if c["method"] == "setWebhook"])
    for method in ("GET", "POST"):
        r = requests.request(method, f"{servers.rasa_url}/webhooks/telegram/set_webhook", timeout=30)
        assert r.status_code == 404
    time.sleep(1)
    assert len([c for c in fake.telegram if c["method"] == "setWebhook"]) == before
    assert requests.get(f"{servers.rasa_url}/webhooks/telegram/webhook", timeout=30).status_code == 405


@pytest.mark.e2e
@pytest.mark.parametrize(
    "header",
    ["foo=bar", "md5=" + "0" * 32, "sha256=", "sha1", "", "sha512=" + "0" * 128],
)
def test_facebook_signature_with_another_algorithm_is_403(stack: tuple[Servers, FakePlatforms], header: str) -> None:
    servers, fake = stack
    r = requests.post(
        f"{servers.rasa_url}/webhooks/facebook/webhook",
        data=fb_body("U4", {"text": QUESTION}),
        headers={"Content-Type": "application/json", "X-Hub-Signature": header},
        timeout=30,
    )
    assert r.status_code == 403


@pytest.mark.e2e
def test_facebook_sha256_signature_is_accepted(stack: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = stack
    body = fb_body("U5", {"text": QUESTION})
    signature = "sha256=" + hmac.new(FB_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = requests.post(
        f"{servers.rasa_url}/webhooks/facebook/webhook",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
        timeout=30,
    )
    assert r.status_code == 200
    assert wait_for(lambda: fake.facebook_sent("U5"))

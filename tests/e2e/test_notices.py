"""Issue 25: every notice in the conversation's language, over REST, socket.io and a fake messenger.

The notices were sent with the German variant only ("Ihre Nachricht enthielt persönliche Daten
..." mid-conversation in English, Russian and Arabic); now the pipeline renders each one in the
language decided for the turn (pipeline/steps.py, pipeline/render.py).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from base.languages import GERMAN, SUPPORTED
from base.names import LANGUAGE_NOTE
from pipeline.render import render
from tests.e2e.fake_platforms import FakePlatforms, telegram_env, wait_for
from tests.e2e.servers import Servers, widget_socket, with_fake_platforms

BOT = "jobcenter_notice_bot"
TG_TOKEN = "123456:TEST-notice-token"
TG_SECRET = "tg-secret-for-notice-tests"
PER_SENDER = 3  # the fourth message of a conversation within a minute is one too many
EMAIL = "erika.musterfrau@example.org"
# A question in each language, so that a conversation without a chosen language is taken for it.
QUESTION = {
    "de": "Was ist ein kommunales Jobcenter?",
    "de-x-ls": "Was ist ein kommunales Jobcenter?",
    "en": "What is a municipal job centre and who runs it?",
    "uk": "Що таке комунальний джобцентр?",
    "ar": "ما هو مركز العمل البلدي؟",
    "tr": "Belediye iş merkezi nedir ve kim yönetir?",
    "ru": "Что такое коммунальный Jobcenter?",  # "муниципальный джобцентр" gets "Возможно, вы имели в виду ...?"
}
counter = itertools.count(1)
PAGE = "http://127.0.0.1:8080"  # the demo page, an allowed origin


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, FakePlatforms]]:
    def env(url: str) -> dict[str, str]:
        return {**telegram_env(url, BOT, TG_TOKEN, TG_SECRET), "RATE_LIMIT_PER_SENDER": str(PER_SENDER)}

    with with_fake_platforms(tmp_path_factory.mktemp("notices"), BOT, env) as stack:
        yield stack


def text_of(response: str, language: str) -> str:
    message = render(response, language)
    assert message is not None
    return str(message["text"])


def rest(servers: Servers, sender: str, text: str, language: str) -> list[str]:
    body = {"sender": sender, "message": text, "metadata": {"language": language}}
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    assert reply.status_code == 200
    return [str(m.get("text", "")) for m in reply.json()]


def others(language: str) -> set[str]:
    return {code for code in SUPPORTED if code != language and code not in (GERMAN, "de-x-ls")}


@pytest.mark.e2e
@pytest.mark.parametrize("language", SUPPORTED)
def test_rest_notices_in_every_language(stack: tuple[Servers, FakePlatforms], language: str) -> None:
    servers, _ = stack
    sender = f"notice-rest-{language}"
    first = rest(servers, sender, QUESTION[language], language)
    if language != GERMAN:
        assert first[0] == text_of(LANGUAGE_NOTE, language)
    said = rest(servers, sender, f"Meine E-Mail ist {EMAIL}", language)
    assert said[0] == text_of("utter_personal_data_removed", language)
    assert rest(servers, f"{sender}-empty", "   ", language) == [text_of("utter_empty_message", language)]
    long = rest(servers, f"{sender}-long", QUESTION[language] + " x" * 1200, language)
    assert text_of("utter_message_too_long", language) in long
    rest(servers, sender, "ok", language)  # the third message: within the limit
    assert rest(servers, sender, "ok", language) == [text_of("utter_too_many_messages", language)]


@pytest.mark.e2e
@pytest.mark.parametrize("language", SUPPORTED)
def test_socketio_notices_in_every_language(stack: tuple[Servers, FakePlatforms], language: str) -> None:
    servers, _ = stack

    async def scenario() -> list[str]:
        got: list[str] = []
        sio = await widget_socket(
            servers, PAGE, lambda data: got.append(str(data["text"])) if data.get("text") else None
        )
        try:
            message = {"message": f"{QUESTION[language]} {EMAIL}", "metadata": {"language": language}}
            await sio.emit("user_uttered", message)
            deadline = time.monotonic() + 60
            while len(got) < 3 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        finally:
            await sio.disconnect()
        return got

    got = asyncio.run(scenario())
    assert got[0] == text_of("utter_personal_data_removed", language)
    if language != GERMAN:
        assert got[1] == text_of(LANGUAGE_NOTE, language)


def telegram(servers: Servers, chat_id: int, text: str, language_code: str) -> None:
    user = {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": language_code}
    update_id = next(counter)
    message = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat_id, "type": "private"},
               "from": user, "text": text}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
    url = f"{servers.rasa_url}/webhooks/telegram/webhook"
    assert requests.post(url, json={"update_id": update_id, "message": message}, headers=headers, timeout=30).ok


@pytest.mark.e2e
@pytest.mark.parametrize("language", [c for c in SUPPORTED if c != "de-x-ls"])  # no messenger sends it
def test_messenger_notices_in_every_language(stack: tuple[Servers, FakePlatforms], language: str) -> None:
    """Telegram's user language starts the conversation; the question confirms it."""
    servers, fake = stack
    chat = 7000 + SUPPORTED.index(language)
    telegram(servers, chat, f"{QUESTION[language]} {EMAIL}", language)
    sent = wait_for(lambda: fake.telegram_sent(chat) if len(fake.telegram_sent(chat)) >= 2 else None)
    texts: list[Any] = [m.get("text") for m in sent]
    assert texts[0] == text_of("utter_personal_data_removed", language)
    if language != GERMAN:
        assert texts[1] == text_of(LANGUAGE_NOTE, language)
    # the answer's rating buttons in that language too (they were German when the language did
    # not reach the channel with the answer)
    rated = wait_for(lambda: [m for m in fake.telegram_sent(chat) if "feedback:" in str(m.get("reply_markup"))])
    rows = json.loads(rated[0]["reply_markup"])["inline_keyboard"]
    offer = render("utter_feedback_offer", language)
    assert offer and [b["text"] for b in rows[-1]] == [b["title"] for b in offer["buttons"]]
    for _ in range(PER_SENDER):
        telegram(servers, chat, "ok", language)
    too_many = text_of("utter_too_many_messages", language)
    assert wait_for(lambda: any(m.get("text") == too_many for m in fake.telegram_sent(chat)))

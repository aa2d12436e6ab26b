"""Telegram through Rasa's own connector, made safe to run offline and behind a secret token.

Differences to ``rasa.core.channels.telegram.TelegramInput``:
- no setWebhook call while Rasa starts (Rasa's connector exits when Telegram is unreachable);
  the webhook is registered after start-up; a failure is logged in one line (endpoint, error, what
  to do) and retried after 5 s, 10 s, 20 s, ... up to every 10 minutes until Telegram takes it,
  while `rasa run` keeps serving the other channels;
- updates are accepted only with the header ``X-Telegram-Bot-Api-Secret-Token`` set to the
  secret given to setWebhook; others get 403 and are not processed;
- Rasa's unauthenticated route ``set_webhook`` (it re-registered the webhook without the secret,
  so every real update got 403 afterwards) answers 404; a GET on the webhook gets 405;
- the Bot API base URL is configurable (a fake Telegram on loopback in the tests);
- ``/start`` becomes the greeting, long answers are split to Telegram's 4096 characters, and
  buttons become an inline keyboard whose callback data stays within Telegram's 64 bytes;
- every answer that may be rated gets a row "👍 Hilfreich / 👎 Nicht hilfreich" (channels/ratings.py);
  a pressed rating button is stored (pipeline/feedback.py) and never reaches the NLU;
- the chat id never becomes the conversation id: a keyed hash of it does (channels/pseudonyms.py).
"""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request

from channels.pseudonyms import pseudonymise
from channels.ratings import RatedOutput
from pipeline import feedback

logger = logging.getLogger(__name__)
MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
GREETING = "Hallo"
# setWebhook retried after this, doubled after each failure up to WEBHOOK_RETRY_MAX_S
WEBHOOK_RETRY_FIRST_S = float(os.environ.get("TELEGRAM_WEBHOOK_RETRY_S", "5"))
WEBHOOK_RETRY_MAX_S = 600.0


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Paragraphs, each within ``limit`` characters (long paragraphs cut at spaces)."""
    parts: list[str] = []
    for paragraph in text.strip().split("\n\n"):
        while len(paragraph) > limit:
            cut = paragraph.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            parts.append(paragraph[:cut])
            paragraph = paragraph[cut:].lstrip()
        if paragraph:
            parts.append(paragraph)
    return parts


def callback_data(payload: str, index: int) -> str:
    """The payload itself when it fits Telegram's 64 bytes, else a reference to the button."""
    return payload if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES else f"#{index}"


class SecureTelegramOutput(RatedOutput, TelegramOutput):
    def __init__(self, access_token: str | None, api_url: str | None = None) -> None:
        server = TelegramAPIServer.from_base(api_url) if api_url else None
        if server:
            Bot.__init__(self, access_token, server=server)
        else:
            Bot.__init__(self, access_token)

    async def send_text(self, recipient_id: str, text: str) -> None:
        for part in split_text(text):
            await self.send_message(recipient_id, part)

    async def send_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], rating: list[dict[str, str]]
    ) -> None:
        keyboard = InlineKeyboardMarkup(row_width=1)
        for i, button in enumerate(buttons):
            keyboard.add(InlineKeyboardButton(button["title"], callback_data=callback_data(button["payload"], i)))
        if rating:  # "Hilfreich?" as one row of two buttons under the others
            keyboard.row(*(InlineKeyboardButton(b["title"], callback_data=b["payload"]) for b in rating))
        *first, last = split_text(text) or [""]
        for part in first:
            await self.send_message(recipient_id, part)
        await self.send_message(recipient_id, last, reply_markup=keyboard)


class SecureTelegramInput(TelegramInput):
    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecureTelegramInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token") or "",
            api_url=credentials.get("api_url"),
        )

    def __init__(self, *args: Any, secret_token: str = "", api_url: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not secret_token:
            raise ValueError("Telegram needs a secret token (TELEGRAM_SECRET_TOKEN)")
        self.secret_token = secret_token
        self.api_url = api_url
        self.app: Any = None
        self.registration: asyncio.Future | None = None  # kept: a task nobody holds may be collected

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The user's Telegram language (``language_code``): the language a conversation starts in."""
        body = request.json if isinstance(request.json, dict) else {}
        source = body.get("message") or body.get("edited_message") or body.get("callback_query") or {}
        code = (source.get("from") or {}).get("language_code") if isinstance(source, dict) else None
        return {"platform_language": code} if isinstance(code, str) else None

    def get_output_channel(self) -> SecureTelegramOutput:
        return SecureTelegramOutput(self.access_token, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def handle(message: UserMessage) -> Any:
            message = pseudonymise(message, self.name())
            if (message.text or "").strip() in ("/start", "/start@" + str(self.verify)):
                message.text = GREETING
            rating = feedback.from_button((message.text or "").strip())
            if rating is not None:  # a rating button: stored, never a message to the NLU
                agent = getattr(getattr(self.app, "ctx", None), "agent", None)
                return await feedback.answer_button(agent, message, rating)
            return await on_new_message(message)

        bp = super().blueprint(handle)

        @bp.middleware("request")
        async def check_secret(request: Request) -> Any:
            path = request.path.rstrip("/")
            if path.endswith("/set_webhook"):
                logger.warning("Request to Telegram's set_webhook route refused")
                return response.text("not found", status=404)
            if path.endswith("/webhook") and request.method != "POST":
                return response.text("method not allowed", status=405)
            if request.method == "POST" and path.endswith("/webhook"):
                sent = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
                if not hmac.compare_digest(sent.encode(), self.secret_token.encode()):
                    logger.warning("Telegram update without the right secret token rejected")
                    return response.text("forbidden", status=403)
                resolve_button_reference(request)
            return None

        @bp.listener("after_server_start")
        async def register_webhook(app: Any, loop: Any) -> None:
            self.app = app  # its agent stores ratings
            self.registration = asyncio.ensure_future(self.register_until_done())

        return bp

    async def register_webhook_once(self) -> None:
        bot = self.get_output_channel()
        try:
            await bot.request(
                "setWebhook",
                {"url": self.webhook_url, "secret_token": self.secret_token, "drop_pending_updates": False},
            )
        finally:
            await bot.session.close()  # Bot.close() is deprecated in aiogram 2 (it becomes an API call in 3)

    async def register_until_done(self) -> None:
        """setWebhook until Telegram takes it (the network or Telegram may be down at start)."""
        delay = WEBHOOK_RETRY_FIRST_S
        for attempt in itertools.count(1):
            try:
                await self.register_webhook_once()
            except Exception as error:  # offline, refused, a wrong token: keep serving the other channels
                logger.warning(
                    f"Telegram webhook not registered (setWebhook at {self.api_host()} for {self.webhook_url}, "
                    f"attempt {attempt}): {type(error).__name__}: {str(error)[:200]}; retrying in {delay:g} s. "
                    "Check TELEGRAM_ACCESS_TOKEN, TELEGRAM_WEBHOOK_URL (public HTTPS) and this host's "
                    "connection to Telegram."
                )
                await asyncio.sleep(delay)
                delay = min(WEBHOOK_RETRY_MAX_S, delay * 2)
                continue
            logger.info(f"Telegram webhook registered for {self.webhook_url} (attempt {attempt})")
            return

    def api_host(self) -> str:
        """The Bot API's host, never its URL (that holds the bot's token)."""
        from urllib.parse import urlparse

        return urlparse(self.api_url).netloc if self.api_url else "api.telegram.org"


def resolve_button_reference(request: Request) -> None:
    """A callback "#<i>" (payload over 64 bytes) becomes the text of button i of that message."""
    body = request.json if isinstance(request.json, dict) else None
    query = (body or {}).get("callback_query") or {}
    data = str(query.get("data") or "")
    if not data.startswith("#") or not data[1:].isdigit():
        return
    rows = ((query.get("message") or {}).get("reply_markup") or {}).get("inline_keyboard") or []
    buttons = [b for row in rows for b in row]
    index = int(data[1:])
    if index < len(buttons):
        query["data"] = buttons[index].get("text", "")  # request.json is cached: edited in place

"""WhatsApp through Meta's Cloud API (issue 29), at Rasa's usual path ``/webhooks/whatsapp/webhook``.

Rasa Open Source 3.6 has no connector for it; this one is built like the Telegram and Facebook
ones and configured only from the environment (credentials.yml): ``WHATSAPP_ACCESS_TOKEN``,
``WHATSAPP_APP_SECRET``, ``WHATSAPP_VERIFY_TOKEN``, ``WHATSAPP_PHONE_NUMBER_ID`` and, optional,
``WHATSAPP_API_URL`` (the Graph API with its version; a fake one on loopback in the tests).

- ``GET /webhook`` (Meta's verification): the challenge echoed for the right verify token, 403
  otherwise (a wrong token, a missing or malformed challenge); never a 500, the token never logged.
- ``POST /webhook``: only with ``X-Hub-Signature-256: sha256=<HMAC of the body with the app
  secret>`` (else 403, nothing processed). Texts and tapped buttons (reply buttons, list rows) go
  to the assistant; a picture, voice message, location, sticker or reaction gets a short answer that
  only text is understood; statuses (sent, delivered, read) are acknowledged. A message id seen
  before is ignored (Meta retries a webhook it thinks failed), by every worker and instance when
  the lock store is Redis (``SeenIds``).
- The sender's phone number never becomes the conversation id (channels/pseudonyms.py).
- Replies: texts in messages of 4,096 characters; buttons as reply buttons or a list
  (channels/whatsapp_messages.py); every answer that may be rated with "👍 Hilfreich / 👎 Nicht
  hilfreich" (channels/ratings.py), a tapped rating stored (pipeline/feedback.py), never sent to
  the NLU. WhatsApp sends no language: the text's language decides (pipeline/language.py).
- Platform errors (HTTP 429, Graph codes 130429 and 131056, 5xx, the API unreachable) are retried
  after 1 s, 2 s, 4 s (or the platform's Retry-After); an expired token (Graph code 190) is not.
  Each is logged with status and code, never with the text or the number; none reaches the
  citizen's conversation, which is stored as always.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

from base.languages import GERMAN
from channels import whatsapp_messages as wa
from channels.pseudonyms import pseudonymise
from channels.ratings import RatedOutput
from pipeline import feedback

logger = logging.getLogger(__name__)
DEFAULT_API_URL = "https://graph.facebook.com/v26.0"  # Meta's Graph API version current in December 2026
# Retried: rate limits (throughput 130429, too many messages to one user 131056), Meta's "temporarily
# unavailable" (1, 2, 131000 with a 5xx); not retried: an expired or revoked token (190) and the rest.
RETRIED_CODES = {1, 2, 4, 80007, 130429, 131000, 131056}
TOKEN_CODES = {190}
RETRY_FIRST_S = float(os.environ.get("WHATSAPP_RETRY_S", "1"))
RETRY_AFTER_MAX_S = 30.0
ATTEMPTS = 4
TIMEOUT_S = 15.0
SEEN_IDS = 10_000  # message ids remembered against Meta's retries (per process, without Redis)
SEEN_TTL_S = 24 * 3600  # in Redis: a retry comes within hours


class WhatsAppOutput(RatedOutput, OutputChannel):
    """Sends to one phone number (the real id: given by the pseudonym's wrapper, never stored)."""

    def __init__(self, access_token: str, phone_number_id: str, api_url: str | None = None) -> None:
        self.access_token = access_token
        self.url = f"{(api_url or DEFAULT_API_URL).rstrip('/')}/{phone_number_id}/messages"
        self.language = GERMAN  # of the reply being sent (the list's button)
        self.failures = 0  # replies the platform did not take (tests, logs)

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        self.language = str(kwargs.get("language") or GERMAN)
        await super().send_text_with_buttons(recipient_id, text, buttons, **kwargs)

    async def send_text(self, recipient_id: str, text: str) -> None:
        for part in wa.split_text(text):
            await self.post(wa.text_message(recipient_id, part))

    async def send_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], rating: list[dict[str, str]]
    ) -> None:
        choices = wa.keep_rating(buttons, rating)
        before, body = wa.with_body(text)
        for part in before:
            await self.post(wa.text_message(recipient_id, part))
        if not choices:
            await self.post(wa.text_message(recipient_id, body))
            return
        await self.post(wa.interactive(recipient_id, body, choices, self.language))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        body = {"messaging_product": "whatsapp", "to": recipient_id, "type": "image", "image": {"link": image}}
        await self.post(body)

    async def post(self, body: dict[str, Any]) -> bool:
        """Sends one message; retried with backoff where Meta allows it. False when not delivered."""
        delay = RETRY_FIRST_S
        headers = {"Authorization": f"Bearer {self.access_token}"}
        for attempt in range(1, ATTEMPTS + 1):
            retry_after: float | None = None
            try:
                async with (
                    aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT_S)) as session,
                    session.post(self.url, json=body, headers=headers) as answer,
                ):
                    status = answer.status
                    data = await json_or_none(answer)
                    retry_after = seconds(answer.headers.get("Retry-After"))
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                status, code, kind = 0, None, type(error).__name__
            else:
                if 200 <= status < 300:
                    return True
                code, kind = wa.graph_error(data)
            retried = status == 0 or status == 429 or status >= 500 or code in RETRIED_CODES
            if code in TOKEN_CODES or status == 401:
                retried = False
                logger.error("WhatsApp refused the access token (status %s, code %s): renew "
                             "WHATSAPP_ACCESS_TOKEN (a permanent system user token)", status, code)  # fmt: skip
            else:
                logger.warning("WhatsApp reply not taken (status %s, code %s, %s), attempt %d of %d%s",
                               status or "unreachable", code, kind or "-", attempt, ATTEMPTS,
                               "" if retried and attempt < ATTEMPTS else ", given up")  # fmt: skip
            if not retried or attempt == ATTEMPTS:
                break
            await asyncio.sleep(min(RETRY_AFTER_MAX_S, retry_after) if retry_after is not None else delay)
            delay *= 2
        self.failures += 1
        return False


async def json_or_none(answer: aiohttp.ClientResponse) -> Any:
    try:
        return await answer.json(content_type=None)
    except ValueError:  # a proxy's HTML page, say
        return None


def seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


class SeenIds:
    """Message ids seen before: in the lock store's Redis when there is one (shared by every worker
    and every instance of the cluster, so Meta's retry is ignored whichever one it reaches; a hash of
    the id, kept ``SEEN_TTL_S``), else the latest ``size`` ids of this process."""

    def __init__(self, size: int = SEEN_IDS) -> None:
        self.size = size
        self.ids: OrderedDict[str, None] = OrderedDict()

    def first_time(self, message_id: str, lock_store: Any = None) -> bool:
        red = getattr(lock_store, "red", None)  # stores/lock_store.py: Rasa's Redis client
        if red is not None:
            key = "whatsapp-seen:" + hashlib.sha256(message_id.encode()).hexdigest()[:32]
            try:
                return bool(red.set(key, 1, nx=True, ex=SEEN_TTL_S))
            except Exception as error:  # Redis unreachable: this process's memory
                logger.warning("WhatsApp message ids checked in this process only: %s", type(error).__name__)
        if message_id in self.ids:
            return False
        self.ids[message_id] = None
        while len(self.ids) > self.size:
            self.ids.popitem(last=False)
        return True


class WhatsAppInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            str(credentials.get("access_token") or ""),
            str(credentials.get("app_secret") or ""),
            str(credentials.get("verify_token") or ""),
            str(credentials.get("phone_number_id") or ""),
            credentials.get("api_url"),
        )

    def __init__(
        self, access_token: str, app_secret: str, verify_token: str, phone_number_id: str, api_url: str | None = None
    ) -> None:
        missing = [name for name, value in (("WHATSAPP_ACCESS_TOKEN", access_token),
                   ("WHATSAPP_APP_SECRET", app_secret), ("WHATSAPP_VERIFY_TOKEN", verify_token),
                   ("WHATSAPP_PHONE_NUMBER_ID", phone_number_id)) if not value]  # fmt: skip
        if missing:
            raise ValueError(f"WhatsApp needs {', '.join(missing)}")
        self.access_token = access_token
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.phone_number_id = phone_number_id
        self.api_url = api_url or DEFAULT_API_URL
        self.seen = SeenIds()

    def get_output_channel(self) -> WhatsAppOutput:
        return WhatsAppOutput(self.access_token, self.phone_number_id, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("whatsapp_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> Any:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["GET"])
        async def verification(request: Request) -> Any:
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            right = hmac.compare_digest(token.encode(), self.verify_token.encode())
            if request.args.get("hub.mode") != "subscribe" or not right or not wa.CHALLENGE.fullmatch(challenge):
                logger.warning("WhatsApp webhook verification refused")
                return response.text("forbidden", status=403)
            logger.info("WhatsApp webhook verified")
            return response.text(challenge)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            if not wa.signed(self.app_secret, request.body, request.headers.get("X-Hub-Signature-256") or ""):
                logger.warning("WhatsApp request without the right signature rejected")
                return response.text("forbidden", status=403)
            try:
                body = request.json
            except Exception:  # Sanic raises on a body that is no JSON
                return response.text("bad request", status=400)
            agent = getattr(request.app.ctx, "agent", None)
            for message in wa.inbound(body, self.phone_number_id):
                if not self.seen.first_time(message.message_id, getattr(agent, "lock_store", None)):
                    logger.info("WhatsApp message seen before ignored (Meta's retry)")
                    continue
                try:
                    await self.handle(message, on_new_message, agent)
                except Exception as error:  # the next message and Meta's 200 still count
                    logger.error("WhatsApp message not handled: %s", type(error).__name__)
            return response.text("ok")

        return webhook

    async def handle(
        self, message: wa.Inbound, on_new_message: Callable[[UserMessage], Awaitable[Any]], agent: Any
    ) -> None:
        out = self.get_output_channel()
        user_message = pseudonymise(
            UserMessage(message.text, out, message.sender, input_channel=self.name()), self.name()
        )
        if message.kind == wa.UNSUPPORTED:
            logger.info("WhatsApp message of a type other than text answered with the note")
            language = await conversation_language(agent, str(user_message.sender_id))
            await user_message.output_channel.send_text_message(
                user_message.sender_id, wa.ONLY_TEXT.get(language, wa.ONLY_TEXT[GERMAN])
            )
            return
        rating = feedback.from_button(message.text.strip())
        if rating is not None:  # a rating button: stored, never a message to the NLU
            await feedback.answer_button(agent, user_message, rating)
            return
        await on_new_message(user_message)


async def conversation_language(agent: Any, conversation: str) -> str:
    """The language the conversation is in (German when new or not readable)."""
    try:
        tracker = await agent.tracker_store.retrieve(conversation)
    except Exception:
        return GERMAN
    return str((tracker.get_slot("language") if tracker else None) or GERMAN)

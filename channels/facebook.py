"""Facebook Messenger through Rasa's own connector, with these changes:

- a POST whose ``X-Hub-Signature`` is not the HMAC of the body with the app secret gets 403
  (Rasa's connector answers 200 "not validated");
- the verification (GET) compares the verify token in constant time and answers 400 when
  ``hub.challenge`` is missing or malformed (Rasa's connector: a 500 whose log line held the URL
  with the token);
- buttons are sent as quick replies (up to 13, titles within Facebook's 20 characters), and a
  tapped quick reply sends its payload back as the next message;
- the Graph API base URL is configurable (a fake Graph API on loopback in the tests);
- every answer that may be rated gets two quick replies "👍 Hilfreich / 👎 Nicht hilfreich"
  (channels/ratings.py); a tapped rating is stored (pipeline/feedback.py) and never reaches the NLU;
- the page-scoped id never becomes the conversation id: a keyed hash of it does
  (channels/pseudonyms.py); a message of a type not handled is dropped with a log line without it
  (Rasa's connector logged the whole message).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fbmessenger import MessengerClient
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger, MessengerBot
from sanic import Blueprint, response
from sanic.request import Request

from channels.pseudonyms import pseudonymise
from channels.ratings import RatedOutput
from pipeline import feedback

logger = logging.getLogger(__name__)
MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
# What Facebook sends as ``hub.challenge`` (a number); anything else is refused with 400, never echoed.
CHALLENGE = re.compile(r"[A-Za-z0-9_.-]{1,128}")


def client(page_access_token: str, graph_url: str | None) -> MessengerClient:
    messenger_client = MessengerClient(page_access_token)
    if graph_url:
        messenger_client.graph_url = graph_url.rstrip("/")
    return messenger_client


def short_title(title: str) -> str:
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1].rstrip() + "…"


class QuickReplyMessengerBot(RatedOutput, MessengerBot):
    async def send_text(self, recipient_id: str, text: str) -> None:
        from channels.telegram import split_text

        for part in split_text(text, MAX_TEXT):
            self.messenger_client.send({"text": part}, recipient_id, "RESPONSE")

    async def send_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], rating: list[dict[str, str]]
    ) -> None:
        quick_replies = [
            {"content_type": "text", "title": short_title(b["title"]), "payload": b["payload"]}
            for b in [*buttons[: MAX_QUICK_REPLIES - len(rating)], *rating]
        ]
        self.messenger_client.send({"text": text[:MAX_TEXT], "quick_replies": quick_replies}, recipient_id, "RESPONSE")


class ConfigurableMessenger(Messenger):
    def __init__(
        self, page_access_token: str, on_new_message: Callable, graph_url: str | None, agent: Any = None
    ) -> None:
        super().__init__(page_access_token, on_new_message)
        self.client = client(page_access_token, graph_url)
        self.agent = agent  # stores ratings

    async def message(self, message: dict[str, Any], metadata: dict[str, Any] | None) -> None:
        """A tapped rating quick reply is stored (pipeline/feedback.py), never sent to the NLU."""
        payload = str(((message.get("message") or {}).get("quick_reply") or {}).get("payload") or "")
        rating = feedback.from_button(payload)
        if rating is None:
            if not self.handled(message):
                logger.warning("Facebook message of a type not handled ignored")
                return None
            return await super().message(message, metadata)
        out_channel = QuickReplyMessengerBot(self.client)
        user_msg = UserMessage(payload, out_channel, self.get_user_id(), input_channel=self.name())
        await feedback.answer_button(self.agent, pseudonymise(user_msg, self.name()), rating)

    def handled(self, message: dict[str, Any]) -> bool:
        """A message Rasa's connector takes (else it logs the whole message, sender id and all)."""
        checks = (self._is_quick_reply_message, self._is_user_message, self._is_audio_message,
                  self._is_image_message, self._is_video_message, self._is_file_message)  # fmt: skip
        return any(check(message) for check in checks)

    async def _handle_user_message(self, text: str, sender_id: str, metadata: dict | None) -> None:
        out_channel = QuickReplyMessengerBot(self.client)
        await out_channel.send_action(sender_id, sender_action="mark_seen")
        user_msg = UserMessage(text, out_channel, sender_id, input_channel=self.name(), metadata=metadata)
        user_msg = pseudonymise(user_msg, self.name())
        await out_channel.send_action(sender_id, sender_action="typing_on")
        try:
            await self.on_new_message(user_msg)
        except Exception:
            logger.exception("Exception when trying to handle webhook for facebook message.")
        finally:
            await out_channel.send_action(sender_id, sender_action="typing_off")


class SecureFacebookInput(FacebookInput):
    @classmethod
    def name(cls) -> str:
        return "facebook"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecureFacebookInput:
        if not credentials:
            cls.raise_missing_credentials_exception()
        credentials = credentials or {}
        return cls(
            credentials.get("verify"),
            credentials.get("secret"),
            credentials.get("page-access-token"),
            graph_url=credentials.get("graph_url"),
        )

    def __init__(self, *args: Any, graph_url: str | None = None) -> None:
        super().__init__(*args)
        if not self.fb_secret:
            raise ValueError("Facebook needs the app secret (FACEBOOK_APP_SECRET)")
        self.graph_url = graph_url

    def get_output_channel(self) -> QuickReplyMessengerBot:
        return QuickReplyMessengerBot(client(self.fb_access_token, self.graph_url))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        fb_webhook = Blueprint("fb_webhook", __name__)

        @fb_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> Any:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def token_verification(request: Request) -> Any:
            token = request.args.get("hub.verify_token") or ""
            if not self.fb_verify or not hmac.compare_digest(token.encode(), str(self.fb_verify).encode()):
                return response.text("failure, invalid token", status=403)
            challenge = request.args.get("hub.challenge") or ""
            if not CHALLENGE.fullmatch(challenge):
                return response.text("hub.challenge missing or malformed", status=400)
            return response.text(challenge)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> Any:
            signature = request.headers.get("X-Hub-Signature-256") or request.headers.get("X-Hub-Signature") or ""
            if not signed(self.fb_secret, request.body, signature):
                logger.warning("Facebook request with a wrong signature rejected")
                return response.text("forbidden", status=403)
            agent = getattr(request.app.ctx, "agent", None)
            messenger = ConfigurableMessenger(self.fb_access_token, on_new_message, self.graph_url, agent)
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        return fb_webhook


# The hash algorithms Facebook signs with; the caller may not pick any other (hashlib has many).
SIGNATURE_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


def signed(secret: str, payload: bytes, header: str) -> bool:
    """``header`` ("sha256=<hex>" or "sha1=<hex>") is the HMAC of ``payload`` with ``secret``;
    compared in constant time. Any other algorithm or form is refused (403, never a 500)."""
    algorithm, _, signature = header.partition("=")
    digest = SIGNATURE_ALGORITHMS.get(algorithm.strip().lower())
    if digest is None or not signature:
        return False
    expected = hmac.new(secret.encode(), payload, digest).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())

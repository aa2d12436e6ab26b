"""Messenger ids as pseudonyms (issue 29): a WhatsApp sender is a phone number, a Telegram chat id
and a Facebook page-scoped id are personal data as well. None of them becomes the conversation id,
so none reaches the tracker store, the event broker's copy, the report or a log line.

The conversation id is ``<channel>-<HMAC-SHA256 of the id with MESSENGER_ID_SECRET>`` (32 hex
digits): the same citizen keeps the same conversation, nobody without the secret can turn it back
into the id. The secret is generated once into build/secrets/ (mode 0600, base/secret_files.py) and
read by every instance of the cluster, like ``SOCKET_SESSION_SECRET``; set it in the environment to
choose it.

The real id lives only in the output channel of the request (``PseudonymousOutput``): Rasa sends
its replies to the conversation id, the wrapper sends them to the real id, and both end with the
request.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from rasa.core.channels.channel import OutputChannel

from base.secret_files import persistent_secret

SECRET_NAME = "MESSENGER_ID_SECRET"
DIGEST_CHARS = 32  # 128 bits: no two citizens share a conversation


@functools.lru_cache(maxsize=1)
def _secret() -> bytes:
    return persistent_secret(SECRET_NAME).encode()


def pseudonym(channel: str, real_id: Any, secret: bytes | None = None) -> str:
    """The conversation id of the messenger user ``real_id`` on ``channel``."""
    key = secret if secret is not None else _secret()
    digest = hmac.new(key, f"{channel}:{real_id}".encode(), hashlib.sha256).hexdigest()
    return f"{channel}-{digest[:DIGEST_CHARS]}"


class PseudonymousOutput(OutputChannel):
    """The messenger's output channel for one request: what Rasa sends to the conversation id
    ``conversation`` goes to ``real_id``; any other recipient is passed on as it is."""

    def __init__(self, inner: OutputChannel, conversation: str, real_id: Any) -> None:
        self.inner = inner
        self.conversation = conversation
        self.real_id = real_id

    def name(self) -> str:  # Rasa asks the instance (channel-specific responses)
        return str(self.inner.name())

    def recipient(self, recipient_id: Any) -> Any:
        return self.real_id if str(recipient_id) == self.conversation else recipient_id

    def __getattr__(self, attribute: str) -> Any:  # anything else of the messenger's channel
        return getattr(self.inner, attribute)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        await self.inner.send_response(self.recipient(recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.inner.send_text_message(self.recipient(recipient_id), text, **kwargs)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.inner.send_text_with_buttons(self.recipient(recipient_id), text, buttons, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self.inner.send_image_url(self.recipient(recipient_id), image, **kwargs)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        await self.inner.send_attachment(self.recipient(recipient_id), attachment, **kwargs)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.inner.send_quick_replies(self.recipient(recipient_id), text, quick_replies, **kwargs)

    async def send_elements(self, recipient_id: str, elements: Any, **kwargs: Any) -> None:
        await self.inner.send_elements(self.recipient(recipient_id), elements, **kwargs)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        await self.inner.send_custom_json(self.recipient(recipient_id), json_message, **kwargs)


def pseudonymise(message: Any, channel: str) -> Any:
    """``message`` (a Rasa UserMessage) with the pseudonym as its sender and an output channel
    that still reaches the real id."""
    real_id = message.sender_id
    conversation = pseudonym(channel, real_id)
    message.sender_id = conversation
    message.output_channel = PseudonymousOutput(message.output_channel, conversation, real_id)
    return message

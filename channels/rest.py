"""Rasa's REST channel with its input checked: a body of the wrong shape gets 400 (Bad Request)
instead of an exception inside Rasa. Configured in credentials.yml as
``channels.rest.CheckedRestInput``; it keeps Rasa's address ``/webhooks/rest/webhook``.

- The body must be ``application/json`` (415 otherwise: a cross-site form or ``text/plain`` POST
  is not processed).
- ``sender`` is required: 1 to 64 letters, digits, "-" or "_", with at least one letter. A missing
  sender would put everyone into one shared conversation; a number could be the id of a Telegram
  or Facebook user's conversation. A sender named like a messenger's conversation
  (``telegram-…``, ``facebook-…``, ``whatsapp-…``: channels/pseudonyms.py) is refused too.
- ``input_channel`` of the body is ignored (the channel is "rest"); ``metadata`` is passed on as
  received when it is an object; the input gate keeps only a supported language code of it
  (pipeline/gate.py ``kept_metadata``).
- ``?stream=true`` answers 404: Rasa's streamed reply waits for a reply that a failed message never
  sends (a request hung for 60 s, issue 24); no client of the bot streams.
- at most ``RATE_LIMIT_PER_ADDRESS`` messages a minute from one client address (429 beyond;
  pipeline/rate_limit.py).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage, SanicException
from sanic.request import Request

from base import metrics
from pipeline.rate_limit import PER_ADDRESS_DEFAULT, from_env

SENDER = re.compile(r"(?=[A-Za-z0-9_-]*[A-Za-z])(?!(?i:telegram|facebook|whatsapp)-)[A-Za-z0-9_-]{1,64}")


class UnsupportedMediaType(SanicException):
    status_code = 415
    quiet = True


def body(request: Request) -> dict[str, Any]:
    if (request.content_type or "").split(";")[0].strip().lower() != "application/json":
        raise UnsupportedMediaType("The body must be application/json.")
    data = request.json  # Sanic answers 400 itself when the body is not JSON
    if not isinstance(data, dict):
        raise InvalidUsage("The body must be a JSON object with 'sender' and 'message'.")
    return data


class CheckedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, request: Request) -> str | None:
        sender = body(request).get("sender")
        if not isinstance(sender, str) or not SENDER.fullmatch(sender):
            raise InvalidUsage(
                "'sender' must be 1-64 letters, digits, '-' or '_', with a letter, and not a messenger's name."
            )
        return sender

    def _extract_message(self, request: Request) -> str:
        message = body(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string.")
        return message

    def _extract_input_channel(self, request: Request) -> str:
        return self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The body's ``metadata`` as received (``{"language": "uk"}``: the chosen language), when it is
        an object; the input gate keeps only a language code of it."""
        metadata = body(request).get("metadata")
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = super().blueprint(on_new_message)
        per_address = from_env("RATE_LIMIT_PER_ADDRESS", PER_ADDRESS_DEFAULT)

        @bp.middleware("request")
        async def limit(request: Request) -> Any:
            if request.method != "POST":
                return None
            if str(request.args.get("stream", "")).lower() == "true":  # as Rasa's bool_arg reads it
                return response.json({"error": "streaming is not offered"}, status=404)
            if not per_address.allow(request.remote_addr or request.ip or "?"):
                metrics.rate_limited("address")
                return response.json({"error": "too many requests, please wait a minute"}, status=429)
            return None

        return bp

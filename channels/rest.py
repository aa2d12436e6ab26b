"""Rasa's REST channel with its input checked: a body of the wrong shape gets 400 (Bad Request)
instead of an exception inside Rasa. Configured in credentials.yml as
``channels.rest.CheckedRestInput``; it keeps Rasa's address ``/webhooks/rest/webhook``.
"""

from __future__ import annotations

from typing import Any

from rasa.core.channels.rest import RestInput
from sanic.exceptions import InvalidUsage
from sanic.request import Request


def body(request: Request) -> dict[str, Any]:
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
        if sender is not None and not isinstance(sender, (str, int)):
            raise InvalidUsage("'sender' must be a string.")
        return None if sender is None else str(sender)

    def _extract_message(self, request: Request) -> str:
        message = body(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string.")
        return message

    def _extract_input_channel(self, request: Request) -> str:
        channel = body(request).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        metadata = body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be an object.")
        return metadata

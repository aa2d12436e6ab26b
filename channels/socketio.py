"""Rasa's socket.io channel (the website widget), closed to what an attacker tried (issue 13).

Differences to ``rasa.core.channels.socketio.SocketIOInput``:
- only the allowed origins may connect from a browser (``allowed_origins``, from the environment
  variable ``WIDGET_ORIGINS``; by default the demo page's origin). Rasa passes
  ``cors_allowed_origins=[]``, which switches the check off;
- a socket may only use the session it was given: a session id is issued by this server and
  signed (HMAC with ``SOCKET_SESSION_SECRET``), a requested id is taken only if the signature is
  right and no other live socket holds it (an empty one asks for a new conversation; any other
  keeps the socket's current one or gets a new one), and messages always go to the socket's own
  session (a ``session_id`` in the message is ignored);
- websocket transport only (no long polling): a socket never needs a second process;
- messages are limited to ``MAX_SOCKET_BYTES`` by the server itself, and malformed payloads (not
  an object, no text) are ignored with a log line instead of raising;
- of the metadata only ``language`` is taken (a supported code, checked by the input gate);
  the rest would be stored unredacted;
- replies go out whole, tagged with their conversation and response (``WidgetOutput``), and a
  "Hilfreich?" rating comes in on the event ``feedback`` (runtime/feedback.py);
- at most ``RATE_LIMIT_PER_ADDRESS`` messages a minute from one client address; more are dropped
  (runtime/rate_limit.py).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from knowledge.language import SUPPORTED
from runtime import feedback
from runtime.input_gate import kept_metadata
from runtime.rate_limit import PER_ADDRESS_DEFAULT, from_env

logger = logging.getLogger(__name__)
MAX_SOCKET_BYTES = 16 * 1024  # the input gate cuts at 1000 characters anyway
DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"  # runtime/services.py WEB_PORT
SIGNATURE_CHARS = 16


def session_secret() -> bytes:
    """Shared by every worker of one Rasa (runtime/__main__.py sets it when it is not given)."""
    secret = os.environ.get("SOCKET_SESSION_SECRET")
    if not secret:
        secret = os.environ.setdefault("SOCKET_SESSION_SECRET", secrets.token_hex(32))
    return secret.encode()


def signed_session(secret: bytes, session: str | None = None) -> str:
    session = session or uuid.uuid4().hex
    return session + hmac.new(secret, session.encode(), hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]


def valid_session(secret: bytes, value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 32 + SIGNATURE_CHARS:
        return False
    return hmac.compare_digest(signed_session(secret, value[:32]), value)


class WidgetOutput(SocketIOOutput):
    """What the widget gets of a reply: one message per reply (paragraphs kept, the widget lays
    them out; Rasa's output splits at blank lines), tagged with the conversation it belongs to
    (``session``: the widget drops late answers of a conversation it has left) and the response it
    came from (``answer``: what a "Hilfreich?" rating refers to; no rating is offered when the
    response's metadata says ``feedback: false``) and its language (``language``, issue 16)."""

    def _tagged(self, recipient_id: str, message: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        message["session"] = recipient_id
        answer = kwargs.get("utter_action")
        metadata = kwargs.get("metadata")
        if feedback.rateable(answer, metadata):
            message["answer"] = answer
        if kwargs.get("language") in SUPPORTED:  # the turn's language: the widget's texts follow it
            message["language"] = kwargs["language"]
        return message

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_message(recipient_id, self._tagged(recipient_id, {"text": text.strip()}, kwargs))

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        replies = [{"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in buttons]
        message = {"text": text.strip(), "quick_replies": replies}
        await self._send_message(recipient_id, self._tagged(recipient_id, message, kwargs))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        data = json_message.get("data")
        if isinstance(data, dict):
            data["session"] = recipient_id
        await super().send_custom_json(recipient_id, json_message, **kwargs)


def origins(value: str | None) -> list[str]:
    return [o.strip().rstrip("/") for o in (value or DEFAULT_ORIGINS).split(",") if o.strip()]


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        allowed = origins(os.environ.get("WIDGET_ORIGINS"))
        # websocket only: a socket is one connection, so it stays on the process (and, behind
        # nginx, the instance) that accepted it; Rasa's server has no shared client manager
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=allowed,
            max_http_buffer_size=MAX_SOCKET_BYTES,
            transports=["websocket"],
        )
        bp = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        secret = session_secret()
        per_address = from_env("RATE_LIMIT_PER_ADDRESS", PER_ADDRESS_DEFAULT)
        address_of: dict[str, str] = {}  # sid -> client address
        session_of: dict[str, str] = {}  # sid -> the session it was given
        holder_of: dict[str, str] = {}  # session -> the sid holding it
        server: dict[str, Any] = {}  # the Sanic app, whose agent stores a rating

        @bp.listener("after_server_start")
        async def keep_app(app: Any, _loop: Any) -> None:
            server["app"] = app

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            request = environ.get("sanic.request")
            address_of[sid] = str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "?")
            return True

        def release(sid: str) -> str | None:
            """The socket no longer holds its session (which is returned)."""
            session = session_of.pop(sid, None)
            if session and holder_of.get(session) == sid:
                del holder_of[session]
            return session

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            address_of.pop(sid, None)
            release(sid)

        def give(sid: str, session: str) -> None:
            if session_of.get(sid) == session:
                return
            old = release(sid)
            if old:
                sio.leave_room(sid, old, namespace=self.namespace)
            session_of[sid], holder_of[session] = session, sid
            sio.enter_room(sid, session, namespace=self.namespace)  # the bot answers to the room

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            wanted = data.get("session_id") if isinstance(data, dict) else None
            holder = holder_of.get(wanted) if isinstance(wanted, str) else None
            if valid_session(secret, wanted) and holder in (None, sid):
                give(sid, str(wanted))  # a session this server issued, held by nobody else
            elif not wanted or sid not in session_of:  # asked for a new one; or forged, in use
                give(sid, signed_session(secret))
            await sio.emit("session_confirm", session_of[sid], room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                logger.warning("socket.io message ignored: malformed payload")
                return
            if not per_address.allow(address_of.get(sid, "?")):
                logger.warning("socket.io message over the per-address rate limit dropped")
                return
            if sid not in session_of:  # no session requested yet: one is given now
                give(sid, signed_session(secret))
                await sio.emit("session_confirm", session_of[sid], room=sid)
            output = WidgetOutput(sio, self.bot_message_evt)
            language = kept_metadata(data.get("metadata"), keys=("language",))  # the chosen language only
            await on_new_message(
                UserMessage(text, output, session_of[sid], input_channel=self.name(), metadata=language)
            )

        @sio.on("feedback", namespace=self.namespace)
        async def handle_feedback(sid: str, data: Any = None) -> dict[str, bool]:
            """A "Hilfreich?" rating (runtime/feedback.py), stored in the socket's own conversation
            when it got the rated answer; the acknowledgement tells the widget."""
            rating = feedback.parse(data)
            if rating is None or sid not in session_of or not per_address.allow(address_of.get(sid, "?")):
                logger.warning("socket.io feedback ignored: malformed, no session or over the rate limit")
                return {"ok": False}
            agent = getattr(getattr(server.get("app"), "ctx", None), "agent", None)
            if agent is None or await feedback.store(agent, session_of[sid], rating) is None:
                logger.warning("socket.io feedback ignored: no such answer in this conversation")
                return {"ok": False}
            return {"ok": True}

        return bp

"""Rasa's socket.io channel (the website widget), closed to what an attacker tried (issues 13, 24).

Differences to ``rasa.core.channels.socketio.SocketIOInput``:
- only the allowed origins may connect from a browser (``allowed_origins``, from the environment
  variable ``WIDGET_ORIGINS``; by default the demo page's origin). Rasa passes
  ``cors_allowed_origins=[]``, which switches the check off;
- a socket may only use the session it was given: a session id is issued by this server and
  signed (HMAC with ``SOCKET_SESSION_SECRET``), a requested id is taken only if the signature is
  right and no other live socket holds it (an empty one asks for a new conversation; any other
  keeps the socket's current one or gets a new one), and messages always go to the socket's own
  session (a ``session_id`` in the message is ignored). Which socket holds a session is kept in
  the lock store's Redis, so this holds across workers and instances (channels/socket_sessions.py);
- websocket transport only (no long polling): a socket never needs a second process;
- at most ``SOCKET_CONNECTIONS_PER_ADDRESS`` open sockets per client address and worker (default
  ``CONNECTIONS_PER_ADDRESS_DEFAULT``; 0: no cap), more are refused before the handshake;
- messages are limited to ``MAX_SOCKET_BYTES`` by the server itself, and malformed payloads (not
  an object, no text), events (a missing or extra argument, a name that is not a string) and
  packets are ignored with one log line and no traceback; a socket's close logs nothing;
- the metadata is passed on as received (when it is an object); the input gate keeps only a
  supported language code of it (pipeline/gate.py ``kept_metadata``);
- replies go out whole, tagged with their conversation and response (``WidgetOutput``), and a
  "Hilfreich?" rating comes in on the event ``feedback`` (pipeline/feedback.py);
- at most ``RATE_LIMIT_PER_ADDRESS`` messages and ratings a minute from one client address; more
  are dropped (pipeline/rate_limit.py); a rating also counts against its conversation's limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from socketio import AsyncServer

from base import metrics
from base.languages import SUPPORTED
from channels.socket_sessions import REFRESH_S, Binding, LocalBinding, binding_for
from pipeline import feedback
from pipeline.rate_limit import PER_ADDRESS_DEFAULT, from_env

logger = logging.getLogger(__name__)
MAX_SOCKET_BYTES = 16 * 1024  # the input gate cuts at 1000 characters anyway
DEFAULT_ORIGINS = "http://localhost:8080,http://127.0.0.1:8080"  # ops/services.py WEB_PORT
SIGNATURE_CHARS = 16
CONNECTIONS_PER_ADDRESS_DEFAULT = 20  # SOCKET_CONNECTIONS_PER_ADDRESS, per worker; 0: no cap
REFUSALS_LOGGED_EVERY_S = 60.0


def session_secret() -> bytes:
    """Shared by every worker of one Rasa (engine/__main__.py sets it when it is not given)."""
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


class GuardedServer(AsyncServer):
    """Rasa's socket.io server, with one log line (no traceback) for a malformed packet or event:
    python-socketio logs a TypeError traceback for an event whose name is not a string and an
    ERROR traceback for a packet it cannot decode; every such packet flooded the log (issue 24)."""

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError) as error:
            logger.warning("socket.io packet ignored: malformed (%s)", type(error).__name__)

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: Any, data: Any) -> None:
        if not isinstance(data, list) or not data or not isinstance(data[0], str):
            logger.warning("socket.io event ignored: its name is not a string")
            return
        await super()._handle_event(eio_sid, namespace, id, data)


def address_of_request(request: Any) -> str:
    return str(getattr(request, "remote_addr", "") or getattr(request, "ip", "") or "?")


class CappedSocketBlueprint(SocketBlueprint):
    """Rasa's blueprint, attaching the socket.io server through ``capped``: at most
    ``max_per_address`` live connections from one client address (per worker), refused with 429
    before the websocket handshake (one log line a minute says how many); and marked as Sanic's
    websocket handlers are, so Sanic does not log an ERROR traceback ("Invalid response type
    None") each time a socket closes."""

    def __init__(self, sio: AsyncServer, socketio_path: str, max_per_address: int, *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.max_per_address = max_per_address
        self.ctx.live = Counter()  # client address -> its live connections in this worker
        self.ctx.refused, self.ctx.logged_at = 0, -REFUSALS_LOGGED_EVERY_S  # refusals not logged yet

    def register(self, app: Any, options: dict[str, Any]) -> None:
        path = "/{}/".format(self.ctx.socketio_path.strip("/"))
        app.add_route(self.capped, path, methods=["GET", "POST", "OPTIONS"], name="socketio_engineio")
        app.enable_websocket()
        Blueprint.register(self, app, options)

    async def capped(self, request: Request) -> Any:
        """One engine.io request; a websocket's request lasts as long as the socket."""
        address, live = address_of_request(request), self.ctx.live
        if 0 < self.ctx.max_per_address <= live[address]:
            self.ctx.refused += 1
            if time.monotonic() - self.ctx.logged_at >= REFUSALS_LOGGED_EVERY_S:  # a flood, not a log flood
                logger.warning("socket.io connections refused, too many open from one address: %d", self.ctx.refused)
                self.ctx.refused, self.ctx.logged_at = 0, time.monotonic()
            return response.json({"error": "too many connections from this address"}, status=429)
        live[address] += 1
        try:
            return await self.ctx.sio.handle_request(request)
        finally:
            live[address] -= 1
            if live[address] <= 0:
                del live[address]

    capped.is_websocket = True  # type: ignore[attr-defined]


def checked(
    sio: AsyncServer, event: str, namespace: str | None, arguments: tuple[int, ...], refused: Any = None
) -> Callable[[Callable[..., Awaitable[Any]]], Callable[..., Awaitable[Any]]]:
    """Registers a handler of ``event`` that takes one of ``arguments`` arguments after the socket
    id; any other number is logged in one line and answered with ``refused`` (python-socketio
    would log a TypeError traceback per event)."""

    def register(function: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def handler(sid: str, *args: Any) -> Any:
            if len(args) not in arguments:
                logger.warning("socket.io event %s ignored: %d arguments", event, len(args))
                return refused
            return await function(sid, *args)

        sio.on(event, namespace=namespace, handler=handler)
        return function

    return register


class WidgetSockets:
    """The widget's sockets in one worker: the client address and the session of each socket, and
    the handlers of their events (``register``). A socket holds one session at a time; which socket
    holds a session is kept in the lock store's Redis (``binding``, channels/socket_sessions.py)."""

    def __init__(
        self,
        sio: AsyncServer,
        channel: CheckedSocketIOInput,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        self.sio, self.channel, self.on_new_message = sio, channel, on_new_message
        self.namespace = channel.namespace
        self.secret = session_secret()
        self.per_address = from_env("RATE_LIMIT_PER_ADDRESS", PER_ADDRESS_DEFAULT)
        self.address_of: dict[str, str] = {}  # sid -> client address
        self.session_of: dict[str, str] = {}  # sid -> the session it holds
        # one session change of a socket at a time: session_request and user_uttered come back to
        # back, and both wait on the binding (Redis); interleaved, each made a session and one
        # popped the other's (a KeyError, a reply to a room the socket had left)
        self.changing: dict[str, asyncio.Lock] = {}
        self.binding: Binding = LocalBinding()
        self.app: Any = None  # the Sanic app (its agent stores ratings)
        self.renewing: asyncio.Task[None] | None = None

    def register(self, bp: Blueprint) -> None:
        bp.listener("after_server_start")(self.keep_app)
        bp.listener("before_server_stop")(self.stop_renewing)
        bp.route("/", methods=["GET"])(health)
        self.sio.on("connect", namespace=self.namespace, handler=self.connect)
        self.sio.on("disconnect", namespace=self.namespace, handler=self.disconnect)
        checked(self.sio, "session_request", self.namespace, (1,))(self.session_request)
        checked(self.sio, self.channel.user_message_evt, self.namespace, (1,))(self.handle_message)
        checked(self.sio, "feedback", self.namespace, (0, 1), refused={"ok": False})(self.handle_feedback)

    async def keep_app(self, app: Any, _loop: Any) -> None:
        self.app = app
        agent = getattr(app.ctx, "agent", None)
        self.binding = binding_for(getattr(agent, "lock_store", None))
        self.renewing = asyncio.create_task(self.renew(self.binding))

    async def stop_renewing(self, _app: Any, _loop: Any) -> None:
        if self.renewing is not None:
            self.renewing.cancel()

    async def renew(self, binding: Binding) -> None:
        """The sessions of this worker's live sockets stay bound (their keys would expire)."""
        while True:
            await asyncio.sleep(REFRESH_S)
            try:
                await binding.renew({session: sid for sid, session in self.session_of.items()})
            except Exception as error:  # Redis restarting: the next round tries again
                logger.warning("socket.io sessions not renewed: %s", type(error).__name__)

    async def connect(self, sid: str, environ: dict, auth: dict | None = None) -> bool:
        self.address_of[sid] = address_of_request(environ.get("sanic.request"))
        return True

    async def release(self, sid: str) -> str | None:
        """The socket no longer holds its session (which is returned)."""
        session = self.session_of.pop(sid, None)
        if session:
            try:
                await self.binding.release(session, sid)
            except Exception as error:  # the key expires by itself
                logger.warning("socket.io session not released: %s", type(error).__name__)
        return session

    async def disconnect(self, sid: str) -> None:
        self.address_of.pop(sid, None)
        async with self.changing.setdefault(sid, asyncio.Lock()):
            await self.release(sid)
        self.changing.pop(sid, None)

    async def take(self, sid: str, session: str) -> bool:
        try:
            return await self.binding.take(session, sid)
        except Exception as error:  # Redis unavailable: nobody gets a session by its id
            logger.warning("socket.io session binding unavailable: %s", type(error).__name__)
            return False

    async def give(self, sid: str, session: str) -> None:
        """``sid`` holds ``session`` (taken or new) and the bot's replies reach it."""
        old = self.session_of.get(sid)
        if old == session:
            return
        if old:
            self.sio.leave_room(sid, old, namespace=self.namespace)
            await self.release(sid)
        self.session_of[sid] = session
        self.sio.enter_room(sid, session, namespace=self.namespace)  # the bot answers to the room

    async def new_session(self, sid: str) -> None:
        session = signed_session(self.secret)
        await self.take(sid, session)  # a new random id: nobody else can hold it
        await self.give(sid, session)

    async def session_request(self, sid: str, data: Any) -> None:
        wanted = data.get("session_id") if isinstance(data, dict) else None
        async with self.changing.setdefault(sid, asyncio.Lock()):
            if wanted and wanted == self.session_of.get(sid):
                pass  # already its own
            elif valid_session(self.secret, wanted) and await self.take(sid, str(wanted)):
                await self.give(sid, str(wanted))  # a session this server issued, held by no other live socket
            elif not wanted or sid not in self.session_of:  # asked for a new one; or forged, in use
                await self.new_session(sid)
            session = self.session_of[sid]
        await self.sio.emit("session_confirm", session, room=sid)

    async def handle_message(self, sid: str, data: Any) -> None:
        text = data.get("message") if isinstance(data, dict) else None
        if not isinstance(text, str):
            logger.warning("socket.io message ignored: malformed payload")
            return
        if not self.per_address.allow(self.address_of.get(sid, "?")):
            logger.warning("socket.io message over the per-address rate limit dropped")
            metrics.rate_limited("address")
            return
        async with self.changing.setdefault(sid, asyncio.Lock()):
            fresh = sid not in self.session_of
            if fresh:  # no session requested yet: one is given now
                await self.new_session(sid)
            session = self.session_of[sid]
        if fresh:
            await self.sio.emit("session_confirm", session, room=sid)
        output = WidgetOutput(self.sio, self.channel.bot_message_evt)
        metadata = data.get("metadata")  # as received: the input gate keeps only a language code
        message = UserMessage(
            text, output, session, input_channel=self.channel.name(),
            metadata=metadata if isinstance(metadata, dict) else None,
        )  # fmt: skip
        await self.on_new_message(message)

    async def handle_feedback(self, sid: str, data: Any = None) -> dict[str, bool]:
        """A "Hilfreich?" rating (pipeline/feedback.py), stored in the socket's own conversation
        when it got the rated answer, within the conversation's rate limit; the acknowledgement
        tells the widget."""
        rating = feedback.parse(data)
        if rating is None or sid not in self.session_of or not self.per_address.allow(self.address_of.get(sid, "?")):
            logger.warning("socket.io feedback ignored: malformed, no session or over the rate limit")
            return {"ok": False}
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or await feedback.store(agent, self.session_of[sid], rating) is None:
            return {"ok": False}  # refused: pipeline/feedback.py logs why
        return {"ok": True}


async def health(_: Request) -> Any:
    return response.json({"status": "ok"})


class CheckedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        allowed = origins(os.environ.get("WIDGET_ORIGINS"))
        # websocket only: a socket is one connection, so it stays on the process (and, behind
        # nginx, the instance) that accepted it; Rasa's server has no shared client manager
        sio = GuardedServer(
            async_mode="sanic",
            cors_allowed_origins=allowed,
            max_http_buffer_size=MAX_SOCKET_BYTES,
            transports=["websocket"],
        )
        max_per_address = int(os.environ.get("SOCKET_CONNECTIONS_PER_ADDRESS", str(CONNECTIONS_PER_ADDRESS_DEFAULT)))
        bp = CappedSocketBlueprint(sio, self.socketio_path, max_per_address, "socketio_webhook", __name__)
        self.sio = sio
        WidgetSockets(sio, self, on_new_message).register(bp)
        return bp

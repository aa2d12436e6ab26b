"""The channels without servers (but a Redis for the widget's sessions): which messengers are
configured, Telegram's limits, the REST input checks, the socket.io session binding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from base.paths import ROOT
from channels.config import effective
from channels.telegram import callback_data, split_text


# ---- unit: configuration and limits -------------------------------------------------------------
def test_no_messenger_without_its_variables() -> None:
    text, enabled = effective((ROOT / "credentials.yml").read_text(encoding="utf-8"), {})
    assert enabled == [] and "telegram" not in text and "facebook" not in text and "CheckedSocketIOInput:" in text


def test_channel_needs_all_its_variables() -> None:
    env = {"TELEGRAM_ACCESS_TOKEN": "x", "TELEGRAM_BOT_NAME": "b", "TELEGRAM_WEBHOOK_URL": "https://h/w"}
    _, enabled = effective((ROOT / "credentials.yml").read_text(encoding="utf-8"), env)
    assert enabled == []  # TELEGRAM_SECRET_TOKEN missing
    _, enabled = effective(
        (ROOT / "credentials.yml").read_text(encoding="utf-8"), {**env, "TELEGRAM_SECRET_TOKEN": "s"}
    )
    assert enabled == ["telegram"]


def test_long_text_is_split_within_the_limit() -> None:
    parts = split_text(("Wort " * 2000).strip(), 4096)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == ["Wort"] * 2000


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("Wie viele kommunale Jobcenter gibt es?", 0) == "Wie viele kommunale Jobcenter gibt es?"
    long = "Wie viele Menschen vermitteln die kommunalen Jobcenter pro Jahr in Arbeit?"
    assert callback_data(long, 2) == "#2"


def test_widget_replies_go_out_whole_and_tagged() -> None:
    """Rasa's socket.io output split an answer at blank lines and said neither its conversation nor
    its response: the widget could neither drop late answers nor rate one (issue 14)."""
    import asyncio

    from channels.socketio import WidgetOutput

    class Sio:
        def __init__(self) -> None:
            self.sent: list[tuple[Any, dict[str, Any]]] = []

        async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
            self.sent.append((data, kwargs))

    sio = Sio()
    out = WidgetOutput(sio, "bot_uttered")

    async def send() -> None:
        await out.send_response("s1", {"text": "Eins.\n\nZwei.", "utter_action": "utter_faq/x"})
        await out.send_response(
            "s1",
            {
                "text": "Hallo",
                "buttons": [{"title": "T", "payload": "P"}],
                "utter_action": "utter_greet",
                "metadata": {"feedback": False},
            },  # fmt: skip
        )
        await out.send_response("s1", {"text": "Notiz"})
        await out.send_custom_json("s1", {"data": {"redacted_user_text": "[E-Mail]"}})

    asyncio.run(send())
    messages = [data for data, _ in sio.sent]
    assert messages[0] == {"text": "Eins.\n\nZwei.", "session": "s1", "answer": "utter_faq/x"}
    assert messages[1] == {"text": "Hallo", "session": "s1",
                           "quick_replies": [{"content_type": "text", "title": "T", "payload": "P"}]}  # fmt: skip
    assert messages[2] == {"text": "Notiz", "session": "s1"}
    assert messages[3] == {"redacted_user_text": "[E-Mail]", "session": "s1"}
    assert all(kwargs.get("room") == "s1" for _, kwargs in sio.sent)


def test_the_rest_channel_passes_the_metadata_on_as_received() -> None:
    """Only the input gate filters metadata (pipeline/gate.py ``kept_metadata``; tests/test_input_gate.py
    and the e2e tests show that nothing else is stored): the channel passes an object on whole."""
    from channels.rest import CheckedRestInput

    class Request:
        content_type = "application/json"

        def __init__(self, metadata: Any) -> None:
            self.json = {"sender": "s", "message": "Hallo", "metadata": metadata}

    channel = CheckedRestInput()
    metadata = {"language": "uk", "email": "erika@example.org"}
    assert channel.get_metadata(Request(metadata)) == metadata  # type: ignore[arg-type]
    assert channel.get_metadata(Request(["language", "uk"])) is None  # type: ignore[arg-type]


def test_both_messengers_add_the_rating_buttons_to_an_answer_that_may_be_rated() -> None:
    """Telegram and Facebook share channels/ratings.py: the answer's own buttons, then the two rating
    buttons naming the answer; a reply that may not be rated goes out as plain text."""
    import asyncio

    from channels.facebook import QuickReplyMessengerBot
    from channels.ratings import RatedOutput
    from channels.telegram import SecureTelegramOutput

    assert issubclass(SecureTelegramOutput, RatedOutput) and issubclass(QuickReplyMessengerBot, RatedOutput)

    class Messenger(RatedOutput):
        def __init__(self) -> None:
            self.sent: list[tuple[str, list[str], list[str]]] = []

        async def send_text(self, recipient_id: str, text: str) -> None:
            self.sent.append((text, [], []))

        async def send_with_buttons(self, recipient_id: str, text: str, buttons: Any, rating: Any) -> None:
            self.sent.append((text, [b["payload"] for b in buttons], [b["payload"] for b in rating]))

    out = Messenger()

    async def send() -> None:
        await out.send_text_message("u", "Antwort", utter_action="utter_faq/x", buttons=[])
        await out.send_text_with_buttons("u", "Frage?", [{"title": "T", "payload": "P"}], utter_action="utter_faq/y")
        await out.send_text_message("u", "Hallo", utter_action="utter_greet", metadata={"feedback": False})
        await out.send_text_message("u", "Notiz")

    asyncio.run(send())
    assert out.sent[0][:2] == ("Antwort", []) and len(out.sent[0][2]) == 2
    assert all(payload.endswith("|faq/x") for payload in out.sent[0][2])
    assert out.sent[1][:2] == ("Frage?", ["P"]) and all(p.endswith("|faq/y") for p in out.sent[1][2])
    assert out.sent[2:] == [("Hallo", [], []), ("Notiz", [], [])]


# ---- the widget's sessions: one live socket holds one (channels/socket_sessions.py) -------------
@pytest.fixture(scope="module")
def lock_store() -> Iterator[Any]:
    """Rasa's Redis lock store on a Redis of its own, as `make run` has it."""
    from rasa.core.lock_store import RedisLockStore

    from ops.services import free_port, redis_password, start_redis

    port = free_port()
    with start_redis(port):  # with its password, as `make run` has it
        yield RedisLockStore(host="127.0.0.1", port=port, password=redis_password())


def test_the_binding_lives_in_the_lock_stores_redis_else_in_the_process(lock_store: Any) -> None:
    from rasa.core.lock_store import InMemoryLockStore

    from channels.socket_sessions import LocalBinding, RedisBinding, binding_for

    binding = binding_for(lock_store)
    assert isinstance(binding, RedisBinding) and binding.red is lock_store.red  # its client, its password
    assert isinstance(binding_for(InMemoryLockStore()), LocalBinding)
    assert isinstance(binding_for(None), LocalBinding)


def test_one_live_socket_holds_a_session_across_workers(lock_store: Any) -> None:
    """Two workers (two bindings on one Redis): a session held by a socket of one is refused to a
    socket of the other until the holder lets go; the key expires unless renewed (issue 24: with
    the binding in one worker's memory a second socket took a live session in 7 of 12 tries)."""
    import asyncio

    from channels import socket_sessions
    from channels.socket_sessions import RedisBinding

    async def scenario() -> None:
        first, second = RedisBinding(lock_store.red, ttl_s=0.5), RedisBinding(lock_store.red, ttl_s=0.5)
        assert await first.take("s1", "sid-a")
        assert await first.take("s1", "sid-a")  # its own again
        assert not await second.take("s1", "sid-b")
        await second.release("s1", "sid-b")  # not its to release
        assert not await second.take("s1", "sid-b")
        for _ in range(4):  # renewed while the socket lives: held past its lifetime
            await asyncio.sleep(0.2)
            await first.renew({"s1": "sid-a"})
        assert not await second.take("s1", "sid-b")
        ttl = lock_store.red.pttl(socket_sessions.KEY_PREFIX + "s1")
        assert 0 < ttl <= 500
        await first.release("s1", "sid-a")  # disconnected: the key is gone
        assert lock_store.red.get(socket_sessions.KEY_PREFIX + "s1") is None
        assert await second.take("s1", "sid-b")
        await asyncio.sleep(0.7)  # its worker died: nobody renews, the key expires
        assert await first.take("s1", "sid-a")

    asyncio.run(scenario())


def test_in_one_worker_the_binding_is_the_processs() -> None:
    import asyncio

    from channels.socket_sessions import LocalBinding

    async def scenario() -> None:
        binding = LocalBinding()
        assert await binding.take("s1", "a") and await binding.take("s1", "a")
        assert not await binding.take("s1", "b")
        await binding.release("s1", "b")
        assert not await binding.take("s1", "b")
        await binding.release("s1", "a")
        assert await binding.take("s1", "b")

    asyncio.run(scenario())


def test_the_socketio_internals_the_channel_overrides_are_there() -> None:
    """channels/socketio.py overrides two private methods of python-socketio (pinned < 5.10) and
    relies on Sanic skipping the response check of handlers marked ``is_websocket``: an upgrade
    that renames them must fail here, not silently bring the tracebacks back."""
    import inspect

    import socketio
    from sanic import Sanic

    from channels.socketio import CappedSocketBlueprint, GuardedServer

    for name, arguments in (("_handle_eio_message", ["eio_sid", "data"]),
                            ("_handle_event", ["eio_sid", "namespace", "id", "data"])):  # fmt: skip
        assert list(inspect.signature(getattr(socketio.AsyncServer, name)).parameters)[1:] == arguments
        assert getattr(GuardedServer, name) is not getattr(socketio.AsyncServer, name)
    assert 'hasattr(handler, "is_websocket")' in inspect.getsource(Sanic.handle_request)
    assert CappedSocketBlueprint.capped.is_websocket  # type: ignore[attr-defined]

"""engine/changes.py: the start-up check refuses a Rasa it was not written for, and each change
is installed and has its effect (without servers)."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import jsonschema
import pytest

from base.paths import ROOT
from engine import changes as rasa_changes
from engine.changes import RASA_VERSION, RasaChangeError, check, install


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    install()


def test_other_rasa_version_refuses_to_start() -> None:
    with pytest.raises(RasaChangeError, match="3.7.0"):
        check("3.7.0", [])


def test_missing_attribute_refuses_to_start() -> None:
    with pytest.raises(RasaChangeError, match="gone"):
        check(RASA_VERSION, [(SimpleNamespace(), "gone")])


def test_installed_rasa_passes_the_check() -> None:
    import rasa

    assert rasa.__version__ == RASA_VERSION
    install()  # a second call changes nothing


class FakeChannel:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def name(self) -> str:
        return "fake"

    async def send_response(self, recipient: str, message: dict[str, Any]) -> None:
        self.sent.append(message["text"])


async def test_input_gate_is_installed_and_cleans_before_rasa() -> None:
    from rasa.core.processor import MessageProcessor

    assert getattr(MessageProcessor.handle_message, rasa_changes.MARK, False)
    seen: list[str] = []

    async def original(self: Any, message: Any) -> str:
        seen.append(message.text)
        return "handled"

    handle = rasa_changes.gated(original)
    processor = SimpleNamespace(
        domain=SimpleNamespace(responses={"utter_personal_data_removed": [{"text": "entfernt"}]})
    )
    channel = FakeChannel()
    message = SimpleNamespace(text="Meine IBAN ist DE89 3704 0044 0532 0130 00", output_channel=channel, sender_id="s")
    assert await handle(processor, message) == "handled"
    assert seen == ["Meine IBAN ist [IBAN]"] and channel.sent == ["entfernt"]
    command = SimpleNamespace(text='/greet{"jobcenter": "0371 1234567"}', output_channel=channel, sender_id="s",
                              metadata={"name": "Erika"})  # fmt: skip
    await handle(processor, command)
    assert seen[-1] == 'greet{"jobcenter": "[Telefonnummer]"}'  # text, never an intent; redacted
    assert command.metadata is None  # metadata is never stored, but for a language code
    chosen = SimpleNamespace(text="Hallo", output_channel=None, sender_id="s",
                             metadata={"language": "uk", "name": "Erika", "platform_language": "en-US"})  # fmt: skip
    await handle(processor, chosen)
    assert chosen.metadata == {"language": "uk", "platform_language": "en"}
    slash_iban = SimpleNamespace(text="/Meine IBAN ist DE89 3704 0044 0532 0130 00", output_channel=None, sender_id="s")
    await handle(processor, slash_iban)
    assert seen[-1] == "Meine IBAN ist [IBAN]"
    not_text = SimpleNamespace(text={"x": 1}, output_channel=None, sender_id="s")
    assert await handle(processor, not_text) is None
    empty = SimpleNamespace(text="  ", output_channel=None, sender_id="s")
    assert await handle(processor, empty) is None  # nothing reaches Rasa


async def test_a_failing_tracker_store_gets_a_german_answer_not_silence() -> None:
    """With PostgreSQL restarting, Rasa's REST channel answered 200 with no message (make cluster)."""
    from sqlalchemy.exc import OperationalError

    async def original(self: Any, message: Any) -> str:
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    handle = rasa_changes.gated(original)
    processor = SimpleNamespace(domain=SimpleNamespace(responses={"utter_store_unavailable": [{"text": "neu"}]}))
    channel = FakeChannel()
    assert await handle(processor, SimpleNamespace(text="Hallo", output_channel=channel, sender_id="s")) is None
    assert channel.sent == ["neu"]


async def test_a_database_error_is_not_answered_as_a_new_conversation() -> None:
    """Rasa's fail-safe store returned no tracker when PostgreSQL was down: the follow-up question
    was answered without its context (tests/cluster)."""
    from rasa.core.tracker_store import FailSafeTrackerStore
    from sqlalchemy.exc import OperationalError

    assert getattr(FailSafeTrackerStore.retrieve, rasa_changes.MARK, False)

    class Store:
        def __init__(self, error: Exception) -> None:
            self.error = error
            self.domain = None
            self.event_broker = None

        async def retrieve(self, sender_id: str) -> Any:
            raise self.error

    errors: list[Exception] = []
    down = FailSafeTrackerStore(Store(OperationalError("SELECT", {}, Exception("refused"))), errors.append)
    with pytest.raises(OperationalError):
        await down.retrieve("s")
    other = FailSafeTrackerStore(Store(ValueError("bad json")), errors.append)
    assert await other.retrieve("s") is None and isinstance(errors[-1], ValueError)


async def test_action_server_calls_reuse_one_session() -> None:
    """Rasa opened a new HTTP session and TCP connection for every action-server call."""
    from rasa.utils.endpoints import EndpointConfig

    assert getattr(EndpointConfig.session, rasa_changes.MARK, False)
    endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
    async with endpoint.session() as first:
        pass
    async with endpoint.session() as second:
        assert second is first and not first.closed  # kept open after the block
    assert EndpointConfig("http://127.0.0.1:9/other").session().session is not first
    await first.close()
    async with endpoint.session() as third:  # a closed session is replaced
        assert third is not first and not third.closed
    await third.close()


async def test_failing_action_server_call_gets_an_answer() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    assert getattr(RemoteAction.run, rasa_changes.MARK, False)
    generated: list[str] = []

    class Nlg:
        async def generate(self, name: str, tracker: Any, channel: str) -> dict[str, str]:
            generated.append(name)
            return {"text": name}

    action = RemoteAction("action_reply", EndpointConfig("http://127.0.0.1:9/webhook"))
    for intent, expected in (("faq", "utter_action_unavailable"), ("greet", "utter_greet")):
        tracker = SimpleNamespace(latest_message=SimpleNamespace(intent={"name": intent}))
        action_run: Any = rasa_changes.answering_when_down(failing)
        events = await action_run(action, FakeChannel(), Nlg(), tracker, None)
        assert generated[-1] == expected and events[0].text == expected


async def failing(*args: Any) -> list:
    raise ConnectionRefusedError


def test_action_call_timeout() -> None:
    import rasa.core.actions.action as action_module

    assert action_module.DEFAULT_REQUEST_TIMEOUT == rasa_changes.ACTION_TIMEOUT_S == 3


def test_action_answers_are_validated_with_one_validator() -> None:
    from rasa.core.actions.action import RemoteAction

    validate = RemoteAction._validate_action_result
    assert getattr(validate, rasa_changes.MARK, False)
    action = RemoteAction("action_reply", None)
    assert validate(action, {"events": [], "responses": []})
    with pytest.raises(jsonschema.ValidationError):
        validate(action, {"events": "not a list"})


async def test_the_root_route_does_not_tell_the_rasa_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change 6: Rasa's ``GET /`` answered "Hello from Rasa: 3.6.21", telling anyone which version
    (and so which known flaws) runs. The route of the server Rasa builds (``create_app``)."""
    import rasa
    import rasa.server
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "_app_registry", dict(Sanic._app_registry))  # the app is forgotten afterwards
    monkeypatch.setattr(Sanic, "test_mode", True)  # another test may have built "rasa_server" already
    app = rasa.server.create_app()
    (root,) = [route for route in app.router.routes if route.path == ""]
    answer = await root.handler(None)
    assert (answer.status, answer.body) == (200, b"Hello from Rasa")
    assert rasa.__version__.encode() not in answer.body


CHECK = """
import sys
from engine.changes import skip_unused_imports
skip_unused_imports()
import tensorflow
import spacy, sklearn, rasa.core.agent
assert sys.modules["tensorflow.lite.python.util"]._xla_computation is None, "JAX was imported"
assert not [m for m in sys.modules if m.split('.')[0] in ('jax', 'jaxlib')]
try:
    import jax
except ImportError as error:
    assert "is not loaded" in str(error)
else:
    raise AssertionError("jax imported")
print("ok")
"""


def test_jax_is_skipped_and_tensorflow_still_loads() -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")


def test_log_lines_are_redacted_and_cut(caplog: pytest.LogCaptureFixture) -> None:
    """Rasa logged the original text of a request that timed out or failed (issue 13)."""
    import logging

    logger = logging.getLogger("rasa.core.channels.rest")
    with caplog.at_level(logging.ERROR):
        logger.error("Message handling timed out for user message '%s'.", "Meine IBAN ist DE89 3704 0044 0532 0130 00")
        logger.error("x" * 60_000)
    first, second = (r.getMessage() for r in caplog.records[-2:])
    assert "DE89" not in first and "[IBAN]" in first
    assert len(second) < rasa_changes.MAX_LOG_CHARS + 100


def test_structured_events_lose_their_text_and_tracebacks_their_locals() -> None:
    import structlog
    from rasa.utils import log_utils

    event = log_utils._anonymizer(None, "error", {"event": "rest.message.received.timeout", "text": "Erika"})
    assert event == {"event": "rest.message.received.timeout", "text": rasa_changes.REMOVED}
    renderer = structlog.processors.dict_tracebacks
    assert getattr(renderer, rasa_changes.MARK, False)
    assert renderer.format_exception.show_locals is False  # type: ignore[attr-defined]


def test_rasa_structlog_output_has_no_message_text(caplog: pytest.LogCaptureFixture) -> None:
    """Rasa's own logging configuration with the changes: the REST channel's timeout event."""
    import structlog
    from rasa.utils.log_utils import configure_structlog

    configure_structlog()
    structlog.get_logger().error("rest.message.received.timeout", text="Meine E-Mail ist erika@example.org")
    assert "rest.message.received.timeout" in caplog.text  # the event is logged ...
    assert "erika@example.org" not in caplog.text  # ... without the text


async def test_the_response_variation_follows_the_language_of_this_turn() -> None:
    """Rasa chose variations by the slots before the action ran: a language set in this turn came
    one message late (engine/nlg.py)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    from base.paths import DOMAIN
    from engine.nlg import LanguageNLG

    nlg = LanguageNLG(domain=Domain.load(str(DOMAIN)))
    tracker = DialogueStateTracker.from_events("s", [], slots=Domain.load(str(DOMAIN)).slots)
    english = await nlg.generate("utter_greet", tracker, "rest", language="en")
    assert english and english["text"].startswith("Hello!")
    assert [b["payload"] for b in english["buttons"]][0] == "What is a municipal Jobcenter?"
    assert english["metadata"] == {"feedback": False}  # the German variation's metadata
    lookup = await nlg.generate("utter_land_none", tracker, "rest", language="en", land="Bayern", source="S", stand="1")
    assert lookup and lookup["text"].startswith("In Bayern there is no municipal Jobcenter")
    # Rasa's Agent sets the domain's responses again once the model is loaded: the e2e run got
    # German only; the translations must survive that
    nlg.responses = Domain.load(str(DOMAIN)).responses
    again = await nlg.generate("utter_greet", tracker, "rest", language="uk")
    assert again and again["text"].startswith("Добрий день!")
    greeting = await nlg.generate("utter_greet", tracker, "rest", language="xx")  # unknown: the slots decide
    assert greeting and greeting["text"].startswith("Guten Tag")


class FakeSocketChannel(FakeChannel):
    """The widget's channel: replies as in FakeChannel, other socket.io events on ``sio``."""

    def __init__(self) -> None:
        super().__init__()
        self.sio = self

    def name(self) -> str:
        return "socketio"

    async def emit(self, event: str, data: dict[str, Any], room: str) -> None:
        assert room == data["session"] == "s"
        self.sent.append(f"{event}: {data['text']}")


async def test_the_widget_gets_every_question_as_stored_before_any_reply() -> None:
    """Issue 24: only changed questions were confirmed (on bot_uttered), so the widget took the next
    reply (possibly the greeting's) as "stored unchanged" and kept a typed e-mail address."""

    async def original(self: Any, message: Any) -> str:
        await message.output_channel.send_response(message.sender_id, {"text": "Antwort"})
        return "handled"

    handle = rasa_changes.gated(original)
    processor = SimpleNamespace(
        domain=SimpleNamespace(responses={"utter_personal_data_removed": [{"text": "entfernt"}]})
    )
    channel = FakeSocketChannel()
    for text in ["Was ist ein kommunales Jobcenter?", "Meine Mail ist erika.musterfrau@example.org, ist das so?"]:
        await handle(processor, SimpleNamespace(text=text, output_channel=channel, sender_id="s"))
    assert channel.sent == [
        "user_stored: Was ist ein kommunales Jobcenter?",
        "Antwort",
        "user_stored: Meine Mail ist [E-Mail], ist das so?",
        "entfernt",
        "Antwort",
    ]

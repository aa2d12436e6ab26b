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


async def test_the_pipeline_replaces_rasas_message_handling() -> None:
    """Change 1: Rasa's handle_message is the pipeline's (tests/test_pipeline.py tests its steps)."""
    from rasa.core.processor import MessageProcessor

    assert getattr(MessageProcessor.handle_message, rasa_changes.MARK, False)
    assert rasa_changes.installed()
    for part in rasa_changes.PROCESSOR_PARTS:  # what engine/conversation.py calls of Rasa
        assert callable(getattr(MessageProcessor, part))


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


def test_event_types_are_resolved_without_walking_the_class_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change 9: each type name's class is found once; later events of that type do not walk the
    ``Event`` class tree again (it did for every stored event on every message)."""
    import rasa.shared.utils.common as common
    from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

    assert getattr(Event.resolve_by_type, rasa_changes.MARK, False)
    assert Event.resolve_by_type("user") is UserUttered  # found (and kept) before counting
    walks: list[Any] = []
    original = common.all_subclasses

    def walking(cls: Any) -> list[Any]:
        walks.append(cls)
        return original(cls)

    monkeypatch.setattr(common, "all_subclasses", walking)
    for _ in range(100):
        assert Event.resolve_by_type("user") is UserUttered
    assert walks == []
    assert Event.from_parameters({"event": "slot", "name": "topic", "value": "x"}) == SlotSet("topic", "x")
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None  # Rasa's old events: ignored as before
    with pytest.raises(ValueError, match="no_such_event"):
        Event.resolve_by_type("no_such_event")


def test_debug_log_copies_are_made_only_when_debug_logging_is_on() -> None:
    """Change 10: in the modules it changes, every ``copy.deepcopy`` is an argument of a
    ``structlogger.debug`` call (read from Rasa's source: an upgrade that copies for another reason
    fails here), and copies are made only while the ``rasa`` logger logs at DEBUG."""
    import ast
    import importlib
    import inspect
    import logging

    for name in rasa_changes.DEBUG_COPY_MODULES:
        module = importlib.import_module(name)
        assert isinstance(module.copy, rasa_changes.DebugOnlyCopies)
        tree = ast.parse(inspect.getsource(module))
        in_debug: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "structlogger.debug":
                in_debug |= {id(n) for n in ast.walk(node)}
        copies = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func) == "copy.deepcopy"]
        assert copies and all(id(c) in in_debug for c in copies), name
        assert [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                and ast.unparse(n.value) == "copy" and n.attr != "deepcopy"] == []  # fmt: skip
    copier = rasa_changes.DebugOnlyCopies()
    value = {"events": [{"event": "user"}]}
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    try:
        rasa_logger.setLevel(logging.INFO)
        assert copier.deepcopy(value) is value
        rasa_logger.setLevel(logging.DEBUG)
        copied = copier.deepcopy(value)
        assert copied == value and copied is not value and copied["events"] is not value["events"]
    finally:
        rasa_logger.setLevel(level)


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


async def test_the_response_is_rendered_in_the_language_the_pipeline_decided() -> None:
    """Rasa chose variations by the slots before the action ran: a language set in this turn came
    one message late. The pipeline now sets the slot before the answer (pipeline/steps.py), and the
    NLG renders every response through pipeline/render.py in it (engine/nlg.py)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    from base.paths import DOMAIN
    from engine.nlg import LanguageNLG

    domain = Domain.load(str(DOMAIN))
    nlg = LanguageNLG(domain=domain)
    tracker = DialogueStateTracker.from_events("s", [SlotSet("language", "en")], slots=domain.slots)
    english = await nlg.generate("utter_greet", tracker, "rest")
    assert english and english["text"].startswith("Hello!")
    assert [b["payload"] for b in english["buttons"]][0] == "What is a municipal Jobcenter?"
    assert english["metadata"] == {"feedback": False}  # the German variation's metadata
    lookup = await nlg.generate("utter_land_none", tracker, "rest", land="Bayern", source="S", stand="1")
    assert lookup and lookup["text"].startswith("There is no municipal Jobcenter in Bayern")
    # Rasa's Agent sets the domain's responses again once the model is loaded: the e2e run got
    # German only; the translations must survive that
    nlg.responses = domain.responses
    tracker.update(SlotSet("language", "uk"))
    again = await nlg.generate("utter_greet", tracker, "rest")
    assert again and again["text"].startswith("Добрий день!")
    tracker.update(SlotSet("language", "xx"))
    greeting = await nlg.generate("utter_greet", tracker, "rest")  # unknown: German
    assert greeting and greeting["text"].startswith("Guten Tag")


def test_rasa_without_the_pipeline_refuses_to_load_the_nlg() -> None:
    """Issue 25: a plain `rasa run` loaded the same endpoints without the input gate."""
    code = (
        "from engine.nlg import LanguageNLG\n"
        "try:\n    LanguageNLG()\nexcept Exception as e:\n    print(type(e).__name__, e)\n    raise SystemExit(3)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "RasaChangeError" in done.stdout and "python -m engine" in done.stdout


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


@pytest.mark.model
def test_graphs_run_without_dask_with_dasks_results() -> None:
    """Change 11: the trained model's NLU and policy graphs give what dask gave: the same parse
    (intent, ranking, answer key, entities) and the same policy prediction."""
    import dask
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage
    from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import ActionExecuted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    from base.paths import MODEL

    assert getattr(DaskGraphRunner.run, rasa_changes.MARK, False)
    agent = Agent.load(str(MODEL))
    assert agent.processor is not None
    runner, metadata = agent.processor.graph_runner, agent.processor.model_metadata

    def by_dask(inputs: dict[str, Any], targets: list[str]) -> dict[str, Any]:
        graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(targets))
        runner._add_inputs_to_graph(inputs, graph)
        return dict(dask.get(graph, targets))

    keys = ("intent", "intent_ranking", "entities", "response_selector")
    for text in ("Ist das Jobcenter Bautzen kommunal?", "Was ist ein kommunales Jobcenter?", "Hallo"):
        tracker = DialogueStateTracker.from_events("c", [ActionExecuted("action_listen")], agent.domain.slots)
        inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker}
        ours, theirs = (run(inputs, [metadata.nlu_target]) for run in (runner.run, by_dask))
        parsed = [{k: m.get(k) for k in keys} for m in ours[metadata.nlu_target]]
        assert parsed == [{k: m.get(k) for k in keys} for m in theirs[metadata.nlu_target]]
        assert parsed[0]["intent"]["name"]
        tracker.update(UserUttered(text, parsed[0]["intent"]))
        core = {PLACEHOLDER_TRACKER: tracker}
        ours, theirs = (run(core, [metadata.core_target]) for run in (runner.run, by_dask))
        prediction, expected = ours[metadata.core_target], theirs[metadata.core_target]
        assert prediction.probabilities == expected.probabilities and prediction.policy_name == expected.policy_name

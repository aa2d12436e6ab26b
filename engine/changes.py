"""Every change this project makes to Rasa's internals, in one place, checked at start-up.

Written for Rasa Open Source ``RASA_VERSION``; ``install()`` refuses to start (``RasaChangeError``)
with another version or when an attribute it replaces is missing, so an upgrade cannot silently
turn a change off. Each change has a unit test (tests/test_rasa_changes.py) and a decision record
(docs/adr/0002-rasa-changes.md). The REST input checks are a channel class (channels/rest.py).

1. The pipeline (``MessageProcessor.handle_message``): replaced, not wrapped, by the steps of
   pipeline/steps.py (gate, read, language, notify, understand, answer, store), which call Rasa's
   own processor parts (``PROCESSOR_PARTS``, engine/conversation.py) in Rasa's order. Nothing of
   a message reaches Rasa's parser, log or store before the input gate. engine/nlg.py refuses to
   load in a Rasa without this change (``require_installed``): a plain ``rasa run`` cannot skip
   the gate.
2. Faults (``RemoteAction.run`` and the module's ``DEFAULT_REQUEST_TIMEOUT``): a call to the action
   server gives up after ``ACTION_TIMEOUT_S`` seconds; when the action server is down, slow or
   fails, the citizen still gets an answer (pipeline/steps.py ``without_actions``: the fixed
   response of an intent that needs no knowledge, else ``utter_action_unavailable``), rendered in
   the conversation's language. Nothing is cached: the next message tries the action server
   again, so the bot recovers by itself. Rasa's own rejection of an action still propagates.
3. Speed (``RemoteAction._validate_action_result``): Rasa validates every action-server answer
   with ``jsonschema.validate``, which checks the schema itself against the meta-schema on each
   call (46 % of Rasa's CPU per message in a py-spy profile, docs/performance.md). The schema never
   changes, so one validator is built once and reused; a bad answer still raises
   ``ValidationError``.
4. Start-up (not Rasa's code but TensorFlow's, which Rasa imports whether or not the model uses
   it): TensorFlow imports JAX, when installed, only for converting JAX functions to TensorFlow
   Lite, inside ``try/except ImportError`` (tensorflow/lite/python/util.py). The import is made to
   fail at once (~0.9 s of start-up). Nothing in Rasa or the model uses JAX.
5. Logs (``rasa.utils.log_utils._anonymizer``, structlog's ``dict_tracebacks`` and Python's log
   record factory): Rasa's REST channel logs the original, unredacted message text at ERROR when
   a request times out or fails, and its JSON tracebacks carry the frames' local variables. The
   anonymizer hook Rasa already calls for its structured events now removes every text-bearing
   key, tracebacks are rendered without locals, and every log line (any logger) passes the
   personal-data redaction and is cut to ``MAX_LOG_CHARS``; query strings of URLs are removed
   (Sanic logs a failed request's whole URL, which may carry a token).
6. Exposure (``rasa.server.add_root_route``): ``GET /`` answers "Hello from Rasa" without Rasa's
   version.
7. Database down (``FailSafeTrackerStore.retrieve``): Rasa answered a conversation whose history
   it could not read as a new one (a follow-up question then got a confidently wrong answer, and
   nothing was stored). A database error now reaches change 1, which answers
   ``utter_store_unavailable``; other errors are handled as before.
8. Speed (``EndpointConfig.session``): Rasa opened a new HTTP session, and so a new TCP
   connection, for every call to the action server; now each endpoint keeps one session per event
   loop with its connections (idle ones closed after ``KEEPALIVE_S``). Measured in
   docs/performance.md.
9. Speed (``Event.resolve_by_type``): reading a stored conversation turns each event's type name
   into its class by walking the whole ``Event`` class tree with ``inspect.isabstract`` for every
   event (about 40 % of a request's CPU in a long conversation, docs/performance.md). Each name's
   class is now looked up once and kept; an unknown name still raises, a default is still used.
10. Speed (the module ``copy`` of ``DEBUG_COPY_MODULES``): Rasa deep-copies the parse data, the
   events and the policies' state lists as arguments of its debug log calls, on every message,
   whether or not debug logging is on. In these modules every ``copy.deepcopy`` is such an
   argument (tests/test_rasa_changes.py reads their source to prove it), so there it copies only
   when the ``rasa`` logger logs at DEBUG (``rasa run --debug``).
11. Speed (``DaskGraphRunner.run``): Rasa runs its NLU and policy graphs through dask on every
   message: the schema's dependencies walked again, a dask graph built and ordered, the inputs
   (the message, the tracker) formatted into a debug line whether or not it is logged; about 2 ms
   a message around nodes that take microseconds (docs/performance.md). The nodes now run in one
   order computed once per set of targets, each called with its needs' outputs exactly as dask
   calls it (a need that is neither a node nor an input is passed as its name); the results and
   errors are dask's.
"""

from __future__ import annotations

import functools
import importlib
import importlib.abc
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from engine.speed import (  # changes 8-11
    DEBUG_COPY_MODULES,
    DebugOnlyCopies,
    cached_event_types,
    ordered_runs,
    reusing_connections,
)

logger = logging.getLogger(__name__)
RASA_VERSION = "3.6.21"
ACTION_TIMEOUT_S = float(os.environ.get("ACTION_TIMEOUT_S", "3"))
# What engine/conversation.py calls of Rasa's MessageProcessor (change 1).
PROCESSOR_PARTS = (
    "fetch_tracker_and_update_session",
    "_handle_message_with_tracker",
    "run_action_extract_slots",
    "_run_prediction_loop",
    "run_anonymization_pipeline",
    "save_tracker",
)
UNUSED_PACKAGES = ("jax", "jaxlib")
MARK = "_jobcenter_change"


class RasaChangeError(RuntimeError):
    """Rasa is not the version these changes were written for, or lacks what they replace."""


class _SkipUnused(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname.partition(".")[0] in UNUSED_PACKAGES:
            raise ImportError(f"{fullname} is not loaded (engine/changes.py: unused by Rasa and the model)")
        return None


def skip_unused_imports() -> None:
    """Change 4."""
    if not any(isinstance(finder, _SkipUnused) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkipUnused())


def check(version: str, targets: list[tuple[Any, str]]) -> None:
    """Refuse to go on unless ``version`` is RASA_VERSION and every (object, attribute) exists."""
    if version != RASA_VERSION:
        raise RasaChangeError(f"engine/changes.py is written for Rasa {RASA_VERSION}, not {version}")
    missing = [f"{getattr(obj, '__name__', obj)}.{name}" for obj, name in targets if not hasattr(obj, name)]
    if missing:
        raise RasaChangeError(f"Rasa {version} lacks what engine/changes.py replaces: {missing}")


def marked(function: Callable) -> Callable:
    setattr(function, MARK, True)
    return function


def through_pipeline() -> Callable:
    """Change 1: ``MessageProcessor.handle_message`` runs the pipeline's steps (pipeline/steps.py)."""
    from engine.conversation import handle_message as pipeline_handle_message

    async def handle_message(self: Any, message: Any) -> Any:
        return await pipeline_handle_message(self, message)

    return marked(handle_message)


def answering_when_down(original: Callable) -> Callable:
    """Change 2: ``RemoteAction.run`` that answers when the action server cannot."""
    from rasa.core.actions.action import ActionExecutionRejection, create_bot_utterance

    from engine import metrics_hooks
    from pipeline.steps import without_actions

    @functools.wraps(original)
    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list:
        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # down, slow (timeout) or failing action server
            logger.error(f"Action server did not answer for '{self.name()}': {type(error).__name__}")
            metrics_hooks.actions_failed()
            intent = str((tracker.latest_message.intent or {}).get("name"))
            response = without_actions(intent)
            message = await nlg.generate(response, tracker, output_channel.name())
            return [create_bot_utterance(message)] if message else []

    return marked(run)


def cached_validation(remote_action: Any) -> Callable:
    """Change 3: ``RemoteAction._validate_action_result`` with one validator built once."""
    import jsonschema

    @functools.lru_cache(maxsize=1)
    def validator() -> Any:
        schema = remote_action.action_response_format_spec()
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        try:
            validator().validate(result)
            return True
        except jsonschema.ValidationError as e:
            e.message += ". Failed to validate Action server response from API."
            raise

    return marked(validate_action_result)


MAX_LOG_CHARS = 2000
REMOVED = "[removed]"


def anonymizer(original: Callable, keys: Sequence[str]) -> Callable:
    """Change 5: Rasa's structlog anonymizer, removing every key that may carry message text."""

    def anonymize(logger: Any, name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
        event_dict = original(logger, name, event_dict)
        for key in keys:
            if key in event_dict:
                event_dict[key] = REMOVED
        return event_dict

    return marked(anonymize)


# A URL's or path's query string with parameters ("...?hub.verify_token=..."): Sanic's error handler
# logs the whole URL of a failed request; a query may hold a secret or what a citizen typed.
QUERY = re.compile(r"(?<=[^\s?#'\"])\?(?=[^\s#'\"]*=)[^\s#'\"]*")
QUERY_REMOVED = "?[query removed]"


def redacting_records(factory: Callable) -> Callable:
    """Change 5: log records whose message is redacted and cut, whatever logger writes them; the
    query string of any URL or path is removed; passwords and tokens are masked (base/secret_files.py)."""
    from base.secret_files import mask, secret_values
    from pipeline.pii import redact

    secrets = secret_values()  # the process's secrets (tokens, passwords) as it started

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        message = record.getMessage()
        cleaned = redact(QUERY.sub(QUERY_REMOVED, message) if "?" in message else message)[0]
        cleaned = mask(cleaned, values=secrets)
        if len(cleaned) > MAX_LOG_CHARS:
            cleaned = cleaned[:MAX_LOG_CHARS] + f" ... [{len(cleaned) - MAX_LOG_CHARS} characters cut]"
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    return marked(make_record)


def install_log_changes() -> None:
    """Change 5 (idempotent; install() has checked what it replaces)."""
    import structlog
    from rasa.utils import log_utils

    if not getattr(log_utils._anonymizer, MARK, False):
        log_utils._anonymizer = anonymizer(log_utils._anonymizer, TEXT_KEYS)
    if not getattr(structlog.processors.dict_tracebacks, MARK, False):
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        structlog.processors.dict_tracebacks = marked(structlog.processors.ExceptionRenderer(transformer))  # type: ignore[assignment]
    if not getattr(logging.getLogRecordFactory(), MARK, False):
        logging.setLogRecordFactory(redacting_records(logging.getLogRecordFactory()))


# The keys of Rasa's structured log events that may hold what a citizen typed (Rasa's own list of
# "anonymizable" keys in rasa/utils/log_utils.py, which it anonymizes only with a plugin).
TEXT_KEYS = (
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message", "metadata",
)  # fmt: skip


def quiet_root_route(app: Any) -> None:
    """Change 6: ``GET /`` without the version."""
    from sanic import response

    @app.get("/")
    async def hello(request: Any) -> Any:
        return response.text("Hello from Rasa")


def failing_loudly(store_class: Any) -> Callable:
    """Change 7: ``FailSafeTrackerStore.retrieve`` that lets a database error through."""
    from sqlalchemy.exc import SQLAlchemyError

    async def retrieve(self: Any, sender_id: str) -> Any:
        try:
            return await self._tracker_store.retrieve(sender_id)
        except SQLAlchemyError:
            raise  # answered by change 1 (utter_store_unavailable)
        except Exception as error:  # as Rasa: logged, the conversation starts afresh
            self.on_tracker_store_error(error)
            return None

    return marked(functools.wraps(store_class.retrieve)(retrieve))


def installed() -> bool:
    """Are the changes installed in this process (``python -m engine``)?"""
    from rasa.core.processor import MessageProcessor

    return bool(getattr(MessageProcessor.handle_message, MARK, False))


def require_installed() -> None:
    """Refuse to run Rasa without the pipeline: a plain ``rasa run`` would skip the input gate."""
    if not installed():
        raise RasaChangeError(
            "Rasa was started without the pipeline (input gate, redaction, rate limits): start it "
            "with `python -m engine run ...` (ops/services.py), never with `rasa run`."
        )


def install() -> None:
    """Install changes 1-11 once; raises RasaChangeError instead of starting a changed Rasa blindly."""
    skip_unused_imports()
    import rasa
    import rasa.core.actions.action as action_module
    import rasa.server
    import structlog
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.shared.core.events import Event
    from rasa.utils import log_utils
    from rasa.utils.endpoints import EndpointConfig

    check(
        rasa.__version__,
        [
            (MessageProcessor, "handle_message"),
            *((MessageProcessor, part) for part in PROCESSOR_PARTS),
            (RemoteAction, "run"),
            (RemoteAction, "_validate_action_result"),
            (RemoteAction, "action_response_format_spec"),
            (action_module, "DEFAULT_REQUEST_TIMEOUT"),
            (log_utils, "_anonymizer"),
            (structlog.processors, "dict_tracebacks"),
            (rasa.server, "add_root_route"),
            (FailSafeTrackerStore, "retrieve"),
            (FailSafeTrackerStore, "on_tracker_store_error"),
            (EndpointConfig, "session"),
            (Event, "resolve_by_type"),
            *((importlib.import_module(name), "copy") for name in DEBUG_COPY_MODULES),
            (DaskGraphRunner, "run"),
            (DaskGraphRunner, "_instantiate_nodes"),
        ],
    )
    install_log_changes()
    rasa.server.add_root_route = quiet_root_route
    if getattr(RemoteAction.run, MARK, False):
        return
    MessageProcessor.handle_message = through_pipeline()
    RemoteAction.run = answering_when_down(RemoteAction.run)
    RemoteAction._validate_action_result = cached_validation(RemoteAction)
    action_module.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_S
    FailSafeTrackerStore.retrieve = failing_loudly(FailSafeTrackerStore)
    EndpointConfig.session = marked(reusing_connections(EndpointConfig))
    Event.resolve_by_type = staticmethod(marked(cached_event_types(Event.resolve_by_type)))
    for name in DEBUG_COPY_MODULES:
        setattr(importlib.import_module(name), "copy", DebugOnlyCopies())  # noqa: B010
    DaskGraphRunner.run = marked(ordered_runs(DaskGraphRunner))

"""Runs Rasa with two measured changes to its remote-action client (see docs/performance.md and
docs/reliability.md). Start it like `rasa`: `python -m runtime run --model ...`.

1. Speed: Rasa validates every action-server answer with ``jsonschema.validate``, which checks the
   schema itself against the meta-schema on each call (46 % of Rasa's CPU per message in a
   py-spy profile here). The schema never changes, so a validator is built once and reused; the
   answer is still validated and a bad one still raises ``ValidationError``.
2. Faults: a call to the action server gives up after ``ACTION_TIMEOUT_S`` seconds, and when the
   action server is down, slow or fails, the citizen gets the German response
   ``utter_action_unavailable`` instead of silence. Nothing is cached: the next message tries the
   action server again, so the bot recovers by itself.
3. REST requests of the wrong shape (not a JSON object, "message" not a string, ...) get 400
   instead of an exception inside Rasa.
4. Input: before Rasa parses, logs or stores a message, personal data is replaced (runtime/pii.py)
   and the citizen is told so; control characters are dropped; an empty message gets a short
   request to type a question; a message over ``MAX_INPUT_CHARS`` is cut with a polite note.
5. Start-up: TensorFlow (which Rasa imports whether or not the model uses it) imports JAX, when
   installed, only for converting JAX functions to TensorFlow Lite, inside ``try/except ImportError``
   (tensorflow/lite/python/util.py). ``skip_unused_imports`` makes that import fail at once
   (~0.9 s of start-up per py-spy, docs/performance.md). Nothing in Rasa or the model uses JAX.
"""

from __future__ import annotations

import functools
import importlib.abc
import logging
import os
import re
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import Any

logger = logging.getLogger(__name__)
ACTION_TIMEOUT_S = float(os.environ.get("ACTION_TIMEOUT_S", "3"))
UNAVAILABLE_RESPONSE = "utter_action_unavailable"
MAX_INPUT_CHARS = int(os.environ.get("MAX_INPUT_CHARS", "1000"))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


UNUSED_PACKAGES = ("jax", "jaxlib")


class _SkipUnused(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None) -> None:
        if fullname.partition(".")[0] in UNUSED_PACKAGES:
            raise ImportError(f"{fullname} is not loaded by runtime/ (unused by Rasa and the model)")
        return None


def skip_unused_imports() -> None:
    if not any(isinstance(finder, _SkipUnused) for finder in sys.meta_path):
        sys.meta_path.insert(0, _SkipUnused())


def clean_input(text: str) -> tuple[str, list[str]]:
    """The text Rasa may see, and the notes (response names) the citizen gets about it."""
    from runtime.pii import redact

    notes = []
    text = CONTROL.sub("", text).strip()
    if len(text) > MAX_INPUT_CHARS:
        text = text[:MAX_INPUT_CHARS]
        notes.append("utter_message_too_long")
    text, found = redact(text)
    if found:
        notes.append("utter_personal_data_removed")
    if not text:
        notes.append("utter_empty_message")
    return text, notes


def patch_rest_input() -> None:
    from rasa.core.channels.rest import RestInput
    from sanic.exceptions import InvalidUsage

    def body(request: Any) -> dict[str, Any]:
        data = request.json  # Sanic answers 400 itself when the body is not JSON
        if not isinstance(data, dict):
            raise InvalidUsage("The body must be a JSON object with 'sender' and 'message'.")
        return data

    async def extract_sender(self: RestInput, request: Any) -> str | None:
        sender = body(request).get("sender")
        if sender is not None and not isinstance(sender, (str, int)):
            raise InvalidUsage("'sender' must be a string.")
        return None if sender is None else str(sender)

    def extract_message(self: RestInput, request: Any) -> str:
        message = body(request).get("message")
        if not isinstance(message, str):
            raise InvalidUsage("'message' must be a string.")
        return message

    def extract_input_channel(self: RestInput, request: Any) -> str:
        channel = body(request).get("input_channel")
        return channel if isinstance(channel, str) and channel else self.name()

    def get_metadata(self: RestInput, request: Any) -> dict[str, Any] | None:
        metadata = body(request).get("metadata")
        if metadata is not None and not isinstance(metadata, dict):
            raise InvalidUsage("'metadata' must be an object.")
        return metadata

    RestInput._extract_sender = extract_sender  # type: ignore[method-assign]
    RestInput._extract_message = extract_message  # type: ignore[method-assign]
    RestInput._extract_input_channel = extract_input_channel  # type: ignore[method-assign]
    RestInput.get_metadata = get_metadata  # type: ignore[method-assign]


def patch_rasa() -> None:
    import jsonschema
    import rasa.core.actions.action as action_module
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
    from rasa.core.channels.channel import UserMessage
    from rasa.core.processor import MessageProcessor

    if getattr(RemoteAction, "_jobcenter_patched", False):
        return

    @functools.lru_cache(maxsize=1)
    def validator() -> Any:
        schema = RemoteAction.action_response_format_spec()
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema)

    def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator().validate(result)
            return True
        except jsonschema.ValidationError as e:
            e.message += ". Failed to validate Action server response from API."
            raise

    original_run = RemoteAction.run

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list:
        try:
            return await original_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as error:  # down, slow (timeout) or failing action server
            logger.error(f"Action server did not answer for '{self.name()}': {type(error).__name__}")
            message = await nlg.generate(UNAVAILABLE_RESPONSE, tracker, output_channel.name())
            return [create_bot_utterance(message)] if message else []

    original_handle = MessageProcessor.handle_message

    async def handle_message(self: MessageProcessor, message: UserMessage) -> Any:
        if message.text is None or message.text.startswith("/"):  # button intents, /restart
            return await original_handle(self, message)
        message.text, notes = clean_input(message.text)
        if message.output_channel is not None:
            for note in notes:
                for variant in self.domain.responses.get(note, [])[:1]:
                    await message.output_channel.send_response(message.sender_id, {"text": variant["text"]})
        if not message.text:
            return None
        return await original_handle(self, message)

    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    patch_rest_input()
    action_module.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT_S
    if os.environ.get("CACHED_ACTION_VALIDATION", "1") != "0":  # "0" only to measure the lever
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    RemoteAction.run = run  # type: ignore[method-assign]
    RemoteAction._jobcenter_patched = True  # type: ignore[attr-defined]

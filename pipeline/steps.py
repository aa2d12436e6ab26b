"""The way of one message, in order: the one place that lists it.

Every message of every channel (REST, socket.io, Telegram, Facebook, Rasa's shell) runs these
steps over one ``Turn``; engine/changes.py runs ``handle`` in place of Rasa's
``MessageProcessor.handle_message`` and refuses to start Rasa without it (engine/nlg.py). A rating
("Hilfreich?") is no message: the channels hand it to pipeline/feedback.py, which stores it
without the NLU.

1. ``gate``        a text that is not a string is ignored; of the metadata only language codes;
                   the per-conversation rate limit (the per-address limit is the channels', before
                   a message exists); then normalise and redact, then cut (pipeline/gate.py,
                   pipeline/pii.py); the widget is shown the text as stored. A message that is
                   dropped or left empty ends here, its notice in the language chosen or of its
                   text (the conversation is not read for it)
2. ``read``        the conversation so far (the tracker store; a database error ends the turn
                   with ``utter_store_unavailable``)
3. ``language``    the conversation's language, decided once (pipeline/language.py): the
                   notices read ``turn.language``; the action and the NLG read the slot
                   ``language`` the understand step records it in
4. ``notify``      the notices of steps 1-3 (personal data removed, message too long, the
                   language note), rendered in that language (pipeline/render.py)
5. ``understand``  the NLU (nlp/: intent, answer key, Jobcenter and Land names); the message,
                   then the slot ``language`` when it changed, are logged on the conversation
6. ``answer``      routing and rendering: Rasa's rule predicts ``action_reply``, the action
                   server asks knowledge/routing.py ``route()`` for the reply (actions/reply.py),
                   and Rasa's NLG renders it in that language (engine/nlg.py ->
                   pipeline/render.py); a fixed answer when the action server cannot
7. ``store``       the conversation is saved (stores/tracker_store.py) and its new events go to the
                   report's copy (stores/event_broker.py)

A step ends the turn by setting ``turn.done``. The engine (``Conversation``) is what the steps
need of Rasa; engine/conversation.py implements it, tests pass a fake.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from base import metrics
from base.languages import GERMAN
from knowledge.routing import FIXED
from pipeline import gate as input_gate
from pipeline import language as languages
from pipeline import rate_limit
from pipeline.render import render

logger = logging.getLogger(__name__)
TOO_MANY = "utter_too_many_messages"
STORE_UNAVAILABLE = "utter_store_unavailable"
ACTIONS_UNAVAILABLE = "utter_action_unavailable"


class StoreUnavailable(Exception):
    """The conversation's store failed (database down or restarting)."""


@dataclass
class Turn:
    """One message on its way: what every step reads and writes."""

    sender: str
    text: Any  # as received; a str once the gate has passed it
    metadata: Any = None  # as received; the gate keeps language codes only
    notices: list[str] = field(default_factory=list)  # responses to send before the answer
    language: str = GERMAN
    language_changed: bool = False
    conversation: Any = None  # the engine's record of the conversation (Rasa: the tracker)
    done: bool = False
    outcome: str = ""  # set by a step that ends the turn early (base/metrics.py OUTCOMES)

    @property
    def chosen(self) -> str | None:
        return (self.metadata or {}).get("language")

    @property
    def platform(self) -> str | None:
        return (self.metadata or {}).get("platform_language")


class Conversation(Protocol):
    """What the steps need of the engine (engine/conversation.py: Rasa)."""

    async def show_stored(self, turn: Turn) -> None: ...  # the widget: the text as stored
    async def send(self, turn: Turn, message: dict[str, Any]) -> None: ...
    async def read(self, turn: Turn) -> Any: ...  # raises StoreUnavailable
    def language_of(self, conversation: Any) -> str | None: ...
    async def understand(self, turn: Turn) -> None: ...
    async def answer(self, turn: Turn) -> None: ...
    async def store(self, turn: Turn) -> None: ...


Step = Callable[[Turn, Conversation], Awaitable[None]]


async def tell(turn: Turn, engine: Conversation, response: str) -> None:
    """Send one response of the domain in the turn's language (never stored)."""
    message = render(response, turn.language)
    if message is not None:
        await engine.send(turn, {**message, "utter_action": response})


async def gate(turn: Turn, engine: Conversation) -> None:
    if not isinstance(turn.text, str):
        logger.warning("Ignored a message whose text is not a string.")
        turn.done, turn.outcome = True, "ignored"
        return
    turn.metadata = input_gate.kept_metadata(turn.metadata)  # a language code at most: never personal
    if not rate_limit.per_sender().allow(turn.sender):
        logger.warning("Message over the per-conversation rate limit dropped")
        metrics.rate_limited("sender")
        turn.outcome = "rate_limited"
        # the conversation is not read for a dropped message: its language from this text alone
        turn.language = languages.turn(turn.text[:200], None, turn.chosen, turn.platform).language
        await tell(turn, engine, TOO_MANY)
        turn.done = True
        return
    turn.text, turn.notices = input_gate.clean_input(turn.text)
    await engine.show_stored(turn)
    if not turn.text:  # nothing left to understand: the notices in the language chosen, if any
        turn.language = languages.turn("", None, turn.chosen, turn.platform).language
        await notify(turn, engine)
        turn.done, turn.outcome = True, "empty"


async def read(turn: Turn, engine: Conversation) -> None:
    turn.conversation = await engine.read(turn)


async def language(turn: Turn, engine: Conversation) -> None:
    now = languages.turn(turn.text, engine.language_of(turn.conversation), turn.chosen, turn.platform)
    turn.language, turn.language_changed = now.language, now.changed
    if now.note:
        turn.notices.append(now.note)


async def notify(turn: Turn, engine: Conversation) -> None:
    for notice in turn.notices:
        await tell(turn, engine, notice)
    turn.notices = []


async def understand(turn: Turn, engine: Conversation) -> None:
    await engine.understand(turn)


async def answer(turn: Turn, engine: Conversation) -> None:
    await engine.answer(turn)


def without_actions(intent: str) -> str:
    """The answer when the action server cannot give one (down, slow or failing): the fixed
    response of an intent that needs no knowledge (greeting, thanks, ...), else
    ``utter_action_unavailable``; rendered in ``turn.language`` like every answer."""
    return FIXED.get(intent, ACTIONS_UNAVAILABLE)


async def store(turn: Turn, engine: Conversation) -> None:
    await engine.store(turn)


STEPS: tuple[Step, ...] = (gate, read, language, notify, understand, answer, store)


async def handle(turn: Turn, engine: Conversation, steps: tuple[Step, ...] = STEPS) -> None:
    """Run the steps in order until one ends the turn; a store failure is told, in the turn's
    language, and ends it (the pool reconnects by itself: stores/tracker_store.py)."""
    for step in steps:
        try:
            await step(turn, engine)
        except StoreUnavailable as error:
            logger.error("Tracker store unavailable, message not handled: %s", error)
            metrics.error("tracker_store")
            turn.outcome = "store_unavailable"
            if turn.conversation is None:  # the language of this text alone
                turn.language = languages.turn(turn.text, None, turn.chosen, turn.platform).language
            await tell(turn, engine, STORE_UNAVAILABLE)
            return
        if turn.done:
            return

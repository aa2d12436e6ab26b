"""Where the Rasa process counts (base/metrics.py): each message with its outcome and time, and
the model it was answered with.

A message's outcome: the turns the pipeline ends early carry theirs (pipeline/steps.py
``Turn.outcome``: rate_limited, empty, ignored, store_unavailable); an answered turn is read off
the responses the bot sent for it (``outcome_of``), as evaluation/outcomes.py reads a test reply:
"Meinten Sie ...?", "cannot answer", a question back or a signposting answer (it gives no fact,
only a way on) is a ``fallback``; the fixed answer when the action server failed is
``actions_unavailable``; any other reply (an answer, a lookup, small talk) is ``answered``.
tests/test_metrics.py checks this against evaluation/outcomes.py for every response of the domain.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any

from base import metrics
from pipeline.steps import ACTIONS_UNAVAILABLE

# Replies that answer nothing (evaluation/outcomes.py NO_ANSWER and QUESTION_BACK).
FALLBACK_RESPONSES = frozenset({
    "utter_cannot_answer", "utter_suggest", "utter_suggest_topics", "utter_follow_up_unclear",
    "utter_lookup_unknown", "utter_lookup_ambiguous", "utter_land_unknown",
})  # fmt: skip
SIGNPOSTING = "utter_out_of_scope/"  # domain/signposting.yml
# Notices sent beside an answer (pipeline/render.py): they say nothing about the answer.
NOTICES = frozenset({"utter_personal_data_removed", "utter_message_too_long", "utter_language_note"})
MARK = "_jobcenter_metrics"
# Did the action server fail during this message? Set by engine/changes.py (change 2) inside the
# message's own asyncio task, read when the message is counted.
_ACTIONS_FAILED: ContextVar[bool] = ContextVar("actions_failed", default=False)


def start_turn() -> None:
    _ACTIONS_FAILED.set(False)


def actions_failed() -> None:
    """The action server did not answer for this message (engine/changes.py, change 2)."""
    metrics.error("action_server")
    _ACTIONS_FAILED.set(True)


def outcome_of(responses: Iterable[str | None]) -> str:
    """answered / fallback / actions_unavailable for the responses (names) sent for one message."""
    sent = [r for r in responses if r and r not in NOTICES]
    if ACTIONS_UNAVAILABLE in sent:
        return "actions_unavailable"
    if any(r in FALLBACK_RESPONSES or r.startswith(SIGNPOSTING) for r in sent):
        return metrics.FALLBACK
    return metrics.ANSWERED


def responses_of_turn(tracker: Any) -> list[str | None]:
    """The response names of the bot's messages since the latest user message (Rasa's tracker)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    found: list[str | None] = []
    for event in reversed(getattr(tracker, "events", None) or ()):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            found.append((event.metadata or {}).get("utter_action"))
    return found


def outcome_of_turn(turn: Any) -> str:
    if turn.outcome:
        return str(turn.outcome)
    if turn.conversation is None:
        return "ignored"
    if _ACTIONS_FAILED.get():
        return "actions_unavailable"
    return outcome_of(responses_of_turn(turn.conversation))


def count_message(channel: Any, turn: Any, started: float) -> None:
    """One message counted (``started``: ``time.perf_counter()`` at its arrival)."""
    metrics.message(channel, turn.language, outcome_of_turn(turn), time.perf_counter() - started)


def counting_loads(load_model: Callable) -> Callable:
    """``Agent.load_model`` that records the model's id and the time it was loaded."""

    @functools.wraps(load_model)
    def load(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = load_model(self, *args, **kwargs)
        metrics.model_loaded(getattr(self, "model_id", None))
        return result

    setattr(load, MARK, True)
    return load


def install() -> None:
    """Counts model loads (idempotent). The messages are counted by engine/conversation.py."""
    from rasa.core.agent import Agent

    if not getattr(Agent.load_model, MARK, False):
        Agent.load_model = counting_loads(Agent.load_model)

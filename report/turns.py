"""One record per citizen's message, from a conversation's stored Rasa events (JSON dicts in order)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from base.languages import GERMAN, SUPPORTED
from base.names import LANGUAGE_NOTE
from evaluation.outcomes import UNSURE, label_of
from report.labels import labels

# What a reply was, for the report: an answer (its label, "faq/<key>"), a signposting answer of an
# out-of-scope theme, no answer (fallback: "Meinten Sie ...?", cannot answer), or an answer the
# citizen rated not helpful. The last three are "ohne Antwort" (report/labels.yml without_answer):
# the one definition of the daily table, the unanswered questions and report.json.
ANSWERED, SIGNPOSTED, UNANSWERED, NOT_HELPFUL = "answered", "signposted", "unanswered", "not_helpful"
WITHOUT_ANSWER = (UNANSWERED, SIGNPOSTED, NOT_HELPFUL)
HELPFUL = "helpful"
FEEDBACK_SLOT = "feedback"  # pipeline/feedback.py SLOT


@dataclass(frozen=True)
class Turn:
    conversation: str
    time: dt.datetime  # UTC
    channel: str
    language: str
    text: str  # as stored: personal data already replaced by the input gate
    intent: str
    reply: str  # the label of the first reply past a language note (evaluation/outcomes.py)
    rating: str | None = None  # HELPFUL or NOT_HELPFUL: the citizen's last rating of this reply
    reason: str | None = None  # why not helpful (pipeline/feedback.py REASONS), if given
    # not understood, but the citizen's next message was a question offered ("Meinten Sie ...?"), answered
    took_suggestion: bool = False

    @property
    def kind(self) -> str:
        if self.rating == NOT_HELPFUL:
            return NOT_HELPFUL
        if (self.reply == UNSURE or self.reply == "unknown") and not self.took_suggestion:
            return UNANSWERED
        if self.reply.startswith("out_of_scope"):
            return SIGNPOSTED
        return ANSWERED

    @property
    def without_answer(self) -> bool:
        """ "Ohne Antwort" (report/labels.yml ``without_answer``): the one test of every count of it."""
        return self.kind in WITHOUT_ANSWER


def turns_of(conversation: str, events: Iterable[dict[str, Any]]) -> list[Turn]:
    """The citizen's messages of one conversation, each with the reply it got."""
    out: list[Turn] = []
    language = GERMAN
    pending: dict[str, Any] | None = None
    answered: int | None = None  # index in ``out`` of the latest message's turn once it got its reply
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == "language" and event.get("value") in SUPPORTED:
            # A turn's language is the one it was answered in. Rasa stores the custom action's
            # replies before the slots it sets (user, bot, bot, slot), so the slot set in this
            # turn, before the next user message, also changes the turn already recorded.
            language = str(event["value"])
            if pending is not None:
                pending["language"] = language
            elif answered is not None:
                out[answered] = replace(out[answered], language=language)
        elif kind == "slot" and event.get("name") == FEEDBACK_SLOT and isinstance(event.get("value"), dict):
            _rate(out, event["value"])
        elif kind == "user":
            if pending is not None:
                out.append(_turn(pending, "unknown"))
            answered = None
            parse = event.get("parse_data") or {}
            pending = {
                "conversation": conversation,
                "time": dt.datetime.fromtimestamp(float(event.get("timestamp") or 0), tz=dt.timezone.utc),
                "channel": str(event.get("input_channel") or "unknown"),
                "language": language,
                "text": str(event.get("text") or ""),
                "intent": str((parse.get("intent") or {}).get("name") or ""),
            }
        elif kind == "bot" and pending is not None:
            response = str((event.get("metadata") or {}).get("utter_action") or "")
            if response and response != LANGUAGE_NOTE:
                out.append(_turn(pending, label_of(response)))
                pending, answered = None, len(out) - 1
    if pending is not None:
        out.append(_turn(pending, "unknown"))
    return _suggestions_taken(out)


def _suggestions_taken(turns: list[Turn]) -> list[Turn]:
    """A question not understood counts as answered when the citizen's next message was the question
    of the answer it then got: a button of "Meinten Sie ...?" sends its question as a message (the
    event broker keeps no buttons: stores/event_broker.py ``for_report``), in the conversation's
    language."""
    for i, (turn, following) in enumerate(zip(turns, turns[1:], strict=False)):
        if turn.kind == UNANSWERED and labels().is_question_of(following.text, following.reply):
            turns[i] = replace(turn, took_suggestion=True)
    return turns


def _rate(turns: list[Turn], rating: dict[str, Any]) -> None:
    """The rating goes to the latest reply with the rated answer (an earlier rating of it is replaced)."""
    label = label_of(str(rating.get("answer") or ""))
    for i in range(len(turns) - 1, -1, -1):
        if turns[i].reply == label:
            helpful = rating.get("helpful") is True
            reason = rating.get("reason") if not helpful and isinstance(rating.get("reason"), str) else None
            turns[i] = replace(turns[i], rating=HELPFUL if helpful else NOT_HELPFUL, reason=reason)
            return


def _turn(pending: dict[str, Any], reply: str) -> Turn:
    return Turn(reply=reply, **pending)

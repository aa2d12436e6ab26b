"""A citizen's rating of one answer ("Hilfreich? Ja / Nein", and for "Nein" an optional reason).

Where it comes from:
- the widget sends ``{"answer": "<response name>", "helpful": true|false, "reason"?: ...}`` on
  the socket.io event ``feedback`` (channels/socketio.py);
- Telegram (inline buttons) and Facebook (quick replies) offer two buttons with every answer
  that may be rated (``rateable``); their payloads are ``feedback:<choice>|<answer>``
  (``button_payload``), the wording is the domain's (domain/feedback.yml, translated in
  translations/<code>.yml): after "Nicht hilfreich" the reasons are offered, then thanks.

Only the response name, the yes/no and a reason from ``REASONS`` are taken: no text, nothing the
citizen typed. ``store`` adds the rating to the conversation as the slot ``feedback`` (an event
like any other, so the tracker store keeps it and the event broker passes it to the editors'
report, report/), and only when that conversation got that answer among the events a tracker is read
with (stores/tracker_store.py ``WINDOW_EVENTS``: about its latest ten messages; an older answer's
rating is refused like one of an answer never given). Every rating counts against
the conversation's rate limit, the one its messages count against (pipeline/rate_limit.py
``per_sender``): over it, nothing is stored. Only the last rating of an answer counts: a rating
equal to the one the answer has already is not stored again, and the report takes the latest
rating of each answer (report/turns.py), so "Nein" and then a reason count as one rating.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from base import metrics
from base.languages import GERMAN
from pipeline import rate_limit
from pipeline.render import render

logger = logging.getLogger(__name__)
ANSWER_RE = re.compile(r"utter_[a-z0-9_]{1,60}(/[a-z0-9_]{1,60})?")
REASONS = ("wrong", "incomplete", "not_understood")  # the buttons of utter_feedback_reason, in order
SLOT = "feedback"
OFFER, ASK_REASON, THANKS = "utter_feedback_offer", "utter_feedback_reason", "utter_feedback_thanks"
PREFIX = "feedback:"
CHOICES = {"yes": (True, None), "no": (False, None), **{r: (False, r) for r in REASONS}}


@dataclass(frozen=True)
class Feedback:
    answer: str  # the response rated, e.g. "utter_faq/what_is_municipal"
    helpful: bool
    reason: str | None = None  # one of REASONS, only when not helpful

    def as_slot(self) -> dict[str, Any]:
        return {"answer": self.answer, "helpful": self.helpful, "reason": self.reason}


def parse(data: Any) -> Feedback | None:
    """The rating in a widget's payload, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    answer, helpful, reason = data.get("answer"), data.get("helpful"), data.get("reason")
    if not isinstance(answer, str) or not ANSWER_RE.fullmatch(answer) or not isinstance(helpful, bool):
        return None
    if reason is not None and (helpful or reason not in REASONS):
        return None
    return Feedback(answer, helpful, reason)


def rateable(answer: Any, metadata: Any) -> bool:
    """May the citizen rate this reply? Every response but those marked ``feedback: false``."""
    wanted = not (isinstance(metadata, dict) and metadata.get("feedback") is False)
    return isinstance(answer, str) and bool(ANSWER_RE.fullmatch(answer)) and wanted


def button_payload(payload: str, answer: str) -> str:
    """A feedback button's payload with the answer it rates ("utter_" left out: Telegram allows
    64 bytes; the longest is "feedback:not_understood|faq/jobcenter_vs_employment_agency", 58)."""
    return f"{payload}|{answer.removeprefix('utter_')}"


def from_button(payload: str) -> Feedback | None:
    """The rating a pressed feedback button stands for, or None when the text is not one."""
    if not payload.startswith(PREFIX):
        return None
    choice, _, answer = payload[len(PREFIX) :].partition("|")
    if choice not in CHOICES:
        return None
    helpful, reason = CHOICES[choice]
    return parse({"answer": f"utter_{answer}", "helpful": helpful, "reason": reason})


def wording(response: str, language: str = GERMAN) -> tuple[str, list[tuple[str, str]]]:
    """The text and the (title, payload) buttons of a feedback response in ``language``
    (pipeline/render.py: titles translated, payloads as in the domain)."""
    message = render(response, language) or {}
    return str(message.get("text") or ""), [(b["title"], b["payload"]) for b in message.get("buttons") or []]


def record(feedback: Feedback) -> None:
    metrics.rating(feedback.helpful)
    logger.info("feedback: answer=%s helpful=%s reason=%s", feedback.answer,
                "yes" if feedback.helpful else "no", feedback.reason or "-")  # fmt: skip


async def store(agent: Any, conversation: str, feedback: Feedback) -> str | None:
    """Adds the rating to the conversation (slot ``feedback``) when it got that answer and is
    within its rate limit; returns the conversation's language (for the reply's wording), or None
    when the rating was refused. A rating equal to the answer's last one is taken but not stored."""
    from rasa.shared.core.events import BotUttered, SlotSet

    if not rate_limit.per_sender().allow(conversation):
        logger.warning("feedback ignored: over the per-conversation rate limit")
        metrics.rate_limited("sender")
        return None
    async with agent.lock_store.lock(conversation):
        tracker = await agent.processor.get_tracker(conversation)
        last_rating: Any = None  # of this answer, since the conversation last got it
        answered = False
        for event in tracker.events:
            if isinstance(event, BotUttered) and (event.metadata or {}).get("utter_action") == feedback.answer:
                answered, last_rating = True, None
            elif isinstance(event, SlotSet) and event.key == SLOT and _rates(event.value, feedback.answer):
                last_rating = event.value
        if not answered:
            logger.warning("feedback ignored: no such answer in this conversation")
            return None
        if last_rating != feedback.as_slot():
            tracker.update(SlotSet(SLOT, feedback.as_slot()))
            await agent.processor.save_tracker(tracker)
            record(feedback)
    return str(tracker.get_slot("language") or GERMAN)


def _rates(value: Any, answer: str) -> bool:
    return isinstance(value, dict) and value.get("answer") == answer


def offer(kwargs: dict[str, Any]) -> list[dict[str, str]]:
    """The two rating buttons a messenger adds to a reply (none when it may not be rated)."""
    answer = kwargs.get("utter_action")
    if not rateable(answer, kwargs.get("metadata")):
        return []
    return rating_buttons(wording(OFFER, str(kwargs.get("language") or GERMAN))[1], str(answer))


def rating_buttons(buttons: list[tuple[str, str]], answer: str) -> list[dict[str, str]]:
    """A feedback response's (title, payload) buttons as a channel sends them, each naming ``answer``."""
    return [{"title": t, "payload": button_payload(p, answer)} for t, p in buttons]


async def answer_button(agent: Any, message: Any, rating: Feedback) -> None:
    """A messenger's rating button was pressed: store it, then ask for the reason ("Nicht
    hilfreich" without one) or thank. A rating of an answer the conversation did not get is dropped."""
    language = await store(agent, str(message.sender_id), rating) if agent is not None else None
    if language is None:  # refused (store says why)
        return
    response = ASK_REASON if not rating.helpful and rating.reason is None else THANKS
    text, titled = wording(response, language)
    buttons = rating_buttons(titled, rating.answer)
    out, recipient = message.output_channel, message.sender_id
    if buttons:
        await out.send_text_with_buttons(recipient, text, buttons)
    else:
        await out.send_text_message(recipient, text)

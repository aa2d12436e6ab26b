"""A citizen's rating of one answer ("Hilfreich? Ja / Nein" in the widget), as the server takes it.

The widget sends ``{"answer": "<response name>", "helpful": true|false}`` on the socket.io event
``feedback``; the conversation is the socket's own. Only the response name and the rating are
taken: no text, nothing the citizen typed. Storing and reporting come with the feedback report
(issue 17); until then a rating is one structured log line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)
ANSWER_RE = re.compile(r"utter_[a-z0-9_]{1,60}(/[a-z0-9_]{1,60})?")


@dataclass(frozen=True)
class Feedback:
    answer: str
    helpful: bool


def parse(data: Any) -> Feedback | None:
    """The rating in a widget's payload, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    answer, helpful = data.get("answer"), data.get("helpful")
    if not isinstance(answer, str) or not ANSWER_RE.fullmatch(answer) or not isinstance(helpful, bool):
        return None
    return Feedback(answer, helpful)


def record(feedback: Feedback) -> None:
    logger.info("feedback: answer=%s helpful=%s", feedback.answer, "yes" if feedback.helpful else "no")

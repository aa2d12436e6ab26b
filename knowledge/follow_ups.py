"""Short follow-up questions ("Und gemeinsame Einrichtungen?", "Seit wann?"), resolved from the
last answer by the rules of ``data/follow_ups.yml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.answers import Answers
from knowledge.files import read_yaml

SAME = "same"


@dataclass(frozen=True)
class FollowUpRule:
    after: tuple[str, ...]  # topics (domain files) or answer keys of the last answer; empty: any
    pattern: re.Pattern[str]
    answer: str


class FollowUps:
    def __init__(self, answers: Answers, rules: list[FollowUpRule]) -> None:
        self.answers = answers
        self.rules = rules

    @classmethod
    def load(cls, path: Path, answers: Answers) -> FollowUps:
        topics = set(answers.topics.values())
        rules = []
        for i, rule in enumerate(read_yaml(path).get("rules") or []):
            after = tuple(rule.get("after") or ())
            unknown = [t for t in after if t not in topics and t not in answers.questions]
            answer = rule.get("answer")
            if unknown or (answer != SAME and answer not in answers.questions):
                raise ValueError(f"{path}: rule {i} names unknown topics {unknown} or answer '{answer}'")
            rules.append(FollowUpRule(after, re.compile(rule["match"]), answer))
        return cls(answers, rules)

    def resolve(self, last_key: str | None, text: str) -> str | None:
        """The answer key for a follow-up ``text`` after the answer ``last_key``, or None."""
        lowered = text.lower()
        last_topic = self.answers.topics.get(last_key or "")
        for rule in self.rules:
            in_context = not rule.after or last_topic in rule.after or last_key in rule.after
            if in_context and rule.pattern.search(lowered):
                return last_key if rule.answer == SAME else rule.answer
        return None

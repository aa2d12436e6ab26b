"""Answer keys, suggested questions and follow-up rules, read from ``data/*.yml``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.facts import Facts
from actions.jobcenters import DATA_DIR, JobcenterDirectory, load_default_directory

SAME = "same"


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ValueError(f"File '{path}' does not exist.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"File '{path}' holds no mapping.")
    return data


@dataclass(frozen=True)
class Suggestions:
    questions: dict[str, str]
    default: list[str]

    @classmethod
    def load(cls, path: Path) -> Suggestions:
        raw = _read_yaml(path)
        questions = dict(raw.get("faq") or {})
        default = list(raw.get("default") or [])
        unknown = [key for key in default if key not in questions]
        if not questions or unknown:
            raise ValueError(f"{path}: no questions, or default keys without a question: {unknown}")
        return cls(questions, default)

    def buttons(self, keys: list[str], limit: int = 3) -> list[dict[str, str]]:
        """Quick-reply buttons; each sends its question as an ordinary message."""
        chosen = [k for k in dict.fromkeys(keys) if k in self.questions][:limit]
        return [{"title": self.questions[k], "payload": self.questions[k]} for k in chosen]


@dataclass(frozen=True)
class FollowUpRule:
    groups: tuple[str, ...]
    pattern: re.Pattern[str]
    answer: str


class FollowUps:
    def __init__(self, groups: dict[str, set[str]], rules: list[FollowUpRule]) -> None:
        self.groups = groups
        self.rules = rules

    @classmethod
    def load(cls, path: Path, answer_keys: set[str]) -> FollowUps:
        raw = _read_yaml(path)
        groups = {name: set(keys) for name, keys in (raw.get("groups") or {}).items()}
        rules = []
        for i, rule in enumerate(raw.get("rules") or []):
            names = tuple(rule.get("groups") or ())
            bad_groups = [g for g in names if g not in groups]
            answer = rule.get("answer")
            if bad_groups or (answer != SAME and answer not in answer_keys):
                raise ValueError(f"{path}: rule {i} names unknown groups {bad_groups} or answer '{answer}'")
            rules.append(FollowUpRule(names, re.compile(rule["match"]), answer))
        for name, keys in groups.items():
            if keys - answer_keys:
                raise ValueError(f"{path}: group '{name}' has unknown keys {sorted(keys - answer_keys)}")
        return cls(groups, rules)

    def resolve(self, topic: str | None, text: str) -> str | None:
        """The answer key for a follow-up ``text`` after an answer on ``topic``, or None."""
        lowered = text.lower()
        for rule in self.rules:
            in_context = not rule.groups or any(topic in self.groups[g] for g in rule.groups)
            if in_context and rule.pattern.search(lowered):
                if rule.answer == SAME:
                    return topic
                return rule.answer
        return None


@dataclass(frozen=True)
class Knowledge:
    directory: JobcenterDirectory
    facts: Facts
    suggestions: Suggestions
    follow_ups: FollowUps


def load_knowledge(data_dir: Path = DATA_DIR) -> Knowledge:
    directory = (
        load_default_directory() if data_dir == DATA_DIR else JobcenterDirectory.load(data_dir / "jobcenter_2026.csv")
    )
    facts = Facts.load(data_dir / "facts.yml", directory)
    suggestions = Suggestions.load(data_dir / "suggestions.yml")
    follow_ups = FollowUps.load(data_dir / "follow_ups.yml", set(suggestions.questions))
    return Knowledge(directory, facts, suggestions, follow_ups)

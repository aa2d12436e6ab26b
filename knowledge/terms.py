"""The words each FAQ answer is about (``data/answer_terms.yml``): the routing sends an answer only
to a question that contains them, so a question about something else gets "Meinten Sie ...?"
rather than a confident answer to another question."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.directory import folded  # the form the patterns are written in
from knowledge.files import read_yaml

Rule = tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]  # (all must, none may occur)


@dataclass(frozen=True)
class Terms:
    """Per answer key its German rule (``answers``) and, for the other languages (issue 16), a
    rule per language (``languages: {en: {<key>: {all: [...], none: [...]}}}``). A question passes
    when it passes the German rule or the rule of the conversation's language: mixed German and
    Ukrainian ("Jobcenter kommunal що це") passes on its German words; an English word inside a
    German one ("erreichbar") does not count in a German conversation."""

    required: dict[str, tuple[re.Pattern[str], ...]]  # answer key -> each must occur
    excluded: dict[str, tuple[re.Pattern[str], ...]]  # answer key -> none may occur
    languages: dict[str, dict[str, Rule]] = field(default_factory=dict)  # key -> language -> rule
    # (answers, words): a question with one of the words never gets one of the answers
    # ("without the Arbeitsagentur" is no joint facility, "how much do they pay" no count)
    exclusions: tuple[tuple[frozenset[str], tuple[re.Pattern[str], ...]], ...] = ()
    personal_words: tuple[re.Pattern[str], ...] = ()  # a citizen's own case: the signposting

    @classmethod
    def load(cls, path: Path, keys: set[str] | None = None) -> Terms:
        """Reads the file; with ``keys`` (the answer keys of the domain) every key must have an
        entry and every entry a key."""
        entries = read_yaml(path).get("answers") or {}
        if keys is not None and set(entries) != keys:
            raise ValueError(f"{path}: entries {sorted(set(entries) ^ keys)} do not match the answer keys")
        required, excluded = {}, {}
        for key, entry in entries.items():
            if not entry.get("all"):
                raise ValueError(f"{path}: '{key}' has no `all` patterns")
            required[key], excluded[key] = _rule(entry)
        languages: dict[str, dict[str, Rule]] = {}
        for code, by_key in (read_yaml(path).get("languages") or {}).items():
            if keys is not None and not set(by_key) <= keys:
                raise ValueError(f"{path}: {code}: {sorted(set(by_key) - keys)} are no answer keys")
            for key, entry in by_key.items():
                if not entry.get("all"):
                    raise ValueError(f"{path}: {code}: '{key}' has no `all` patterns")
                languages.setdefault(key, {})[str(code)] = _rule(entry)
        exclusions = []
        for entry in read_yaml(path).get("exclusions") or []:
            if keys is not None and not set(entry.get("keys") or []) <= keys:
                raise ValueError(f"{path}: exclusion keys {sorted(set(entry['keys']) - keys)} are no answer keys")
            exclusions.append((frozenset(entry["keys"]), tuple(re.compile(p) for p in entry["words"])))
        return cls(
            required,
            excluded,
            languages,
            exclusions=tuple(exclusions),
            personal_words=tuple(re.compile(p) for p in read_yaml(path).get("personal") or []),
        )

    def personal(self, text: str) -> bool:
        """The question is about the citizen's own case (``personal`` in the file)."""
        question = folded(text)
        return any(p.search(question) for p in self.personal_words)

    def allow(self, key: str, text: str, language: str = "de") -> bool:
        """The question is about what answer ``key`` is about (keys without an entry: always):
        by the German words, or by the words of the conversation's ``language``."""
        question = folded(text)
        if any(key in keys and any(p.search(question) for p in words) for keys, words in self.exclusions):
            return False  # "… without the Arbeitsagentur" is never about the joint facility
        rules = [(self.required.get(key, ()), self.excluded.get(key, ()))]
        if language in self.languages.get(key, {}):
            rules.append(self.languages[key][language])
        return any(_passes(rule, question) for rule in rules)


def _rule(entry: dict[str, list[str]]) -> Rule:
    return tuple(re.compile(p) for p in entry.get("all") or []), tuple(re.compile(p) for p in entry.get("none") or [])


def _passes(rule: Rule, question: str) -> bool:
    required, excluded = rule
    return all(p.search(question) for p in required) and not any(p.search(question) for p in excluded)

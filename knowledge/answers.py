"""The FAQ answer keys, read from the domain: each ``utter_faq/<key>`` response is one key.

Next to each answer's text the domain keeps, in the response's ``metadata``, the question offered
as a button for it (``question``) and, for a few, the rank among the questions offered when
nothing better is known (``suggest_first``). The file an answer lives in
(``domain/faq_<topic>.yml``) is its topic, which the follow-up rules name. Adding an answer
touches 16 files: its response here, its German examples, its held-out question, its answer words
and, in each of the six other languages, its translation and its examples (README, "Adding a
FAQ"); ``python -m authoring add-faq`` writes them and ``python -m authoring check`` lists what is
missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from knowledge.files import read_yaml
from knowledge.translations import Translation

PREFIX = "utter_faq/"
FILE_PREFIX = "faq_"
THEME_PREFIX = "utter_out_of_scope/"  # signposting answers (domain/signposting.yml)


@dataclass(frozen=True)
class Answers:
    questions: dict[str, str]  # answer key -> question for its button
    topics: dict[str, str]  # answer key -> topic (domain file faq_<topic>.yml)
    default: list[str]  # offered when nothing better is known
    themes: frozenset[str] = frozenset()  # signposting themes: utter_out_of_scope/<theme>

    @classmethod
    def load(cls, domain_dir: Path) -> Answers:
        questions: dict[str, str] = {}
        topics: dict[str, str] = {}
        ranked: list[tuple[int, str]] = []
        themes: set[str] = set()
        for path in sorted(domain_dir.glob("*.yml")):
            responses = read_yaml(path).get("responses") or {}
            for name, variants in responses.items():
                if name.startswith(THEME_PREFIX):
                    themes.add(name[len(THEME_PREFIX) :])
                if not name.startswith(PREFIX):
                    continue
                key = name[len(PREFIX) :]
                if not path.stem.startswith(FILE_PREFIX):
                    raise ValueError(f"{path}: {name} belongs in a file {FILE_PREFIX}<topic>.yml")
                metadata = (variants[0] or {}).get("metadata") or {}
                if not isinstance(metadata.get("question"), str):
                    raise ValueError(f"{path}: {name} has no metadata.question (the question of its button)")
                questions[key] = metadata["question"]
                topics[key] = path.stem[len(FILE_PREFIX) :]
                if "suggest_first" in metadata:
                    ranked.append((int(metadata["suggest_first"]), key))
        if not questions or not ranked:
            raise ValueError(f"{domain_dir}: no {PREFIX}* responses, or none with metadata.suggest_first")
        return cls(questions, topics, [key for _, key in sorted(ranked)], frozenset(themes))

    def in_topic(self, topic: str) -> set[str]:
        return {key for key, t in self.topics.items() if t == topic}

    def question(self, key: str, translation: Translation | None = None) -> str:
        """The question of an answer's button, in the translation's language if it has one."""
        return (translation.question(PREFIX + key) if translation else None) or self.questions[key]

    def buttons(self, keys: list[str], limit: int = 3, translation: Translation | None = None) -> list[dict[str, str]]:
        """Quick-reply buttons; each sends its question (in the conversation's language) as an
        ordinary message."""
        chosen = [k for k in dict.fromkeys(keys) if k in self.questions][:limit]
        return [{"title": q, "payload": q} for q in (self.question(k, translation) for k in chosen)]

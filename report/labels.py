"""What the report shows instead of codes: an answer's question, channels, languages, other replies.

The question of an answer (``faq/<key>``) is the one its "Meinten Sie …?" button offers: the
``metadata.question`` of its response in domain/faq_*.yml (read through pipeline/render.py, the
one reader of the domain's responses), so a question edited there is the report's too; its
translations (translations/<code>.yml ``question``) tell a button pressed in any language. The other
names and the definition of "ohne Antwort" are in report/labels.yml. A code without a name is
shown as it is: a new channel or answer never breaks the report.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from base.paths import DOMAIN, TRANSLATIONS
from evaluation.outcomes import normalised
from pipeline.render import german_responses

LABELS_FILE = Path(__file__).with_name("labels.yml")
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's reader: the translations are long
FAQ, SIGNPOSTING = "faq/", "out_of_scope/"


@dataclass(frozen=True)
class Labels:
    without_answer: str  # the definition of "ohne Antwort"
    kinds: dict[str, str]
    channels: dict[str, str]
    languages: dict[str, str]
    replies: dict[str, str]
    signposting: str  # "Verweis: {theme}"
    themes: dict[str, str]
    left_out: dict[str, str]
    questions: dict[str, str]  # answer label faq/<key> -> its German question
    # answer label -> its question in every language (normalised): what its button sends
    asked_as: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = LABELS_FILE, domain_dir: Path = DOMAIN, translations: Path = TRANSLATIONS) -> Labels:
        data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        questions = {
            name.removeprefix("utter_"): str(response["metadata"]["question"])
            for name, response in german_responses(domain_dir).items()
            if name.startswith("utter_" + FAQ) and isinstance((response.get("metadata") or {}).get("question"), str)
        }
        asked_as: dict[str, set[str]] = {label: {normalised(q)} for label, q in questions.items()}
        for file in sorted(translations.glob("*.yml")):
            translation = yaml.load(file.read_text(encoding="utf-8"), Loader=LOADER) or {}
            for name, spec in (translation.get("responses") or {}).items():
                label = str(name).removeprefix("utter_")
                if label in asked_as and isinstance((spec or {}).get("question"), str):
                    asked_as[label].add(normalised(spec["question"]))
        texts = {key: {str(k): str(v) for k, v in (data.get(key) or {}).items()}
                 for key in ("kinds", "channels", "languages", "replies", "themes", "left_out")}  # fmt: skip
        if not data.get("without_answer") or not data.get("signposting"):
            raise ValueError(f"{path}: `without_answer` and `signposting` are needed")
        return cls(" ".join(str(data["without_answer"]).split()), texts["kinds"], texts["channels"],
                   texts["languages"], texts["replies"], str(data["signposting"]), texts["themes"],
                   texts["left_out"], questions, {k: frozenset(v) for k, v in asked_as.items()})  # fmt: skip

    def channel(self, code: str) -> str:
        return self.channels.get(code, code)

    def language(self, code: str) -> str:
        return self.languages.get(code, code)

    def question(self, label: str) -> str | None:
        """The German question an answer ``faq/<key>`` answers; None for any other reply."""
        return self.questions.get(label)

    def is_question_of(self, text: str, label: str) -> bool:
        """Whether ``text`` is the question of the answer ``label`` in one of the languages, as
        its "Meinten Sie ...?" button sends it."""
        return normalised(text) in self.asked_as.get(label, frozenset())

    def reply(self, label: str) -> str:
        """A reply as the editors read it: an answer's question, "Verweis: <theme>", or the name of
        another reply (the label itself when it has none)."""
        if label in self.questions:
            return self.questions[label]
        if label.startswith(SIGNPOSTING):
            theme = label.removeprefix(SIGNPOSTING)
            return self.signposting.format(theme=self.themes.get(theme, theme))
        return self.replies.get(label, label)


@functools.lru_cache(maxsize=1)
def labels() -> Labels:
    """The project's labels, read once per process."""
    return Labels.load()

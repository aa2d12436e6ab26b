"""Where an answer key and a language must exist: the one list of places, and the files' paths
under a root directory (the repository, or a copy of its data in a test).

An editor's placeholder carries ``MARKER``; ``python -m authoring check`` reports every place that
still holds it, or lacks what the tests require.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from base.languages import GERMAN
from base.paths import ROOT
from knowledge.files import plain_text

MARKER = "TODO"  # a placeholder an editor still has to replace; never in finished data
KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")  # ASCII snake_case
CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{1,8})*")  # a BCP 47 tag in lower case: "fr", "de-x-ls"
MIN_GERMAN_EXAMPLES = 15  # tests/test_training_data.py MIN_EXAMPLES
MIN_LANGUAGE_EXAMPLES = 10  # tests/test_nlu_languages.py MIN_EXAMPLES
MIN_GERMAN_HOLDOUT = 1  # per answer key (README, "Adding a FAQ")
MIN_LANGUAGE_HOLDOUT = 30  # per language, tests/test_nlu_languages.py MIN_HOLDOUT

# "Adding a FAQ": 16 files (README); {topic}, {code} for each language but German.
FAQ_PLACES = (
    "domain/faq_{topic}.yml: the German answer utter_faq/<key> and its button question",
    f"data/nlu/faq_{{topic}}.yml: at least {MIN_GERMAN_EXAMPLES} German examples",
    "tests/data/nlu_holdout.yml: at least one German held-out question",
    "knowledge/data/answer_terms.yml: the answer's words (German; per language where its questions lack them)",
    "translations/{code}.yml (6 files): the answer's text and its button question",
    f"data/nlu/lang_{{code}}.yml (6 files): at least {MIN_LANGUAGE_EXAMPLES} examples",
)
# "Adding a language": 6 data files, 2 code places that need a person (README).
LANGUAGE_PLACES = (
    "knowledge/data/languages.yml: its own name, Babel locale and switch phrases",
    "translations/{code}.yml: every response, its buttons, and the words the answers need",
    f"data/nlu/lang_{{code}}.yml: at least {MIN_LANGUAGE_EXAMPLES} examples per answer key",
    f"tests/data/holdout/{{code}}.yml: at least {MIN_LANGUAGE_HOLDOUT} held-out questions",
    "web/public/static/widget-texts.json: the menu's name and the widget's texts (and rtl)",
    "knowledge/data/answer_terms.yml: languages.{code}, the answers' words in the language",
    "code: pipeline/language.py, how a message is recognised as the language",
    'code: pipeline/pii_patterns.py, the name cues ("my name is") that personal-data removal looks for',
)


@dataclass(frozen=True)
class Layout:
    """The project's data files under ``root``."""

    root: Path = ROOT

    @property
    def domain(self) -> Path:
        return self.root / "domain"

    @property
    def nlu(self) -> Path:
        return self.root / "data" / "nlu"

    @property
    def knowledge_data(self) -> Path:
        return self.root / "knowledge" / "data"

    @property
    def languages(self) -> Path:
        return self.knowledge_data / "languages.yml"

    @property
    def answer_terms(self) -> Path:
        return self.knowledge_data / "answer_terms.yml"

    @property
    def translations(self) -> Path:
        return self.root / "translations"

    @property
    def holdout(self) -> Path:
        return self.root / "tests" / "data" / "nlu_holdout.yml"

    @property
    def language_holdout(self) -> Path:
        return self.root / "tests" / "data" / "holdout"

    @property
    def widget_texts(self) -> Path:
        return self.root / "web" / "public" / "static" / "widget-texts.json"

    def domain_topic(self, topic: str) -> Path:
        return self.domain / f"faq_{topic}.yml"

    def nlu_topic(self, topic: str) -> Path:
        return self.nlu / f"faq_{topic}.yml"

    def translation(self, code: str) -> Path:
        return self.translations / f"{code}.yml"

    def nlu_language(self, code: str) -> Path:
        return self.nlu / f"lang_{code}.yml"

    def holdout_language(self, code: str) -> Path:
        return self.language_holdout / f"{code}.yml"

    def relative(self, path: Path) -> str:
        return str(path.relative_to(self.root)) if path.is_relative_to(self.root) else str(path)


def load_yaml(text: str) -> Any:
    """The YAML text's data, with libyaml's parser where installed (ten times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (a safe loader)


def read_yaml(path: Path) -> dict[str, Any]:
    """The file's mapping ({} when it holds none)."""
    data = load_yaml(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def examples(data: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(text, intent) of every intent block of a Rasa NLU file's data, entity markup removed (as
    knowledge/files.py nlu_examples and plain_text, on libyaml's parse)."""
    return [
        (plain_text(line.strip().removeprefix("- ")), str(block["intent"]))
        for block in (data or {}).get("nlu") or []
        if isinstance(block, dict) and "intent" in block
        for line in str(block.get("examples") or "").splitlines()
        if line.strip()
    ]


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def others(codes: list[str]) -> list[str]:
    return [code for code in codes if code != GERMAN]


# ---- inserting text into a YAML file, keeping its comments and layout --------------------------------
def section_end(lines: list[str], start: int, boundary: re.Pattern[str]) -> int:
    """The index after the last non-blank line from ``start`` on before a line matching
    ``boundary`` (or the end of the file)."""
    end = len(lines)
    for i in range(start + 1, len(lines)):
        if boundary.match(lines[i]):
            end = i
            break
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return end


def insert_lines(lines: list[str], at: int, new: list[str]) -> list[str]:
    return [*lines[:at], *new, *lines[at:]]


def with_trailing_newline(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"

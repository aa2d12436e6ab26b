"""What the assistant knows and how it reads it: plain Python, no Rasa.

    from knowledge import load
    kn = load()                       # cached: the files are read once per process
    kn.directory.find("Ist Bautzen kommunal?")

- ``data/facts.yml``: every figure with value, unit, Stand and source (facts.py);
- ``data/jobcenter_2026.csv``, ``data/zugelassene_kommunale_traeger.csv``,
  ``data/jobcenter_names.yml``: the 404 Jobcenter and the names people use (directory.py);
- ``domain/faq_*.yml`` (the responses): the answer keys and their button questions (answers.py);
- ``data/follow_ups.yml``: short follow-up questions (follow_ups.py);
- ``data/answer_terms.yml``: the words each FAQ answer is about (terms.py);
- ``translations/<code>.yml``: the responses and the words they need in the other languages
  (translations.py);
- routing.py decides each reply from the NLU result with the thresholds of thresholds.py.

Importing this package reads nothing; ``load`` does, and fails loudly on a bad file. Tests pass a
tiny data folder and domain folder of their own.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path

from base.paths import DOMAIN, TRANSLATIONS
from knowledge.answers import Answers
from knowledge.directory import JobcenterDirectory, load_directory
from knowledge.facts import Facts
from knowledge.follow_ups import FollowUps
from knowledge.terms import Terms
from knowledge.translations import Translation, load_translations

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Knowledge:
    directory: JobcenterDirectory
    facts: Facts
    answers: Answers
    follow_ups: FollowUps
    terms: Terms
    placeholders: dict[str, str]  # every {value} a response may use, German (facts.Facts.placeholders)
    translations: dict[str, Translation] = dataclasses.field(default_factory=dict)  # by language code
    localized: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)  # placeholders by language

    def placeholders_in(self, language: str) -> dict[str, str]:
        """The placeholders with figures and dates in ``language`` (German when it has none)."""
        return self.localized.get(language, self.placeholders)

    def translation(self, language: str) -> Translation | None:
        return self.translations.get(language)


@functools.lru_cache(maxsize=4)
def load(data_dir: Path = DATA_DIR, domain_dir: Path = DOMAIN, translations_dir: Path = TRANSLATIONS) -> Knowledge:
    directory = load_directory(data_dir)
    facts = Facts.load(data_dir / "facts.yml", directory)
    answers = Answers.load(domain_dir)
    follow_ups = FollowUps.load(data_dir / "follow_ups.yml", answers)
    terms = Terms.load(data_dir / "answer_terms.yml", set(answers.questions))
    translations = load_translations(translations_dir)
    localized = {code: facts.placeholders(code, t.figures, t.date_format) for code, t in translations.items()}
    return Knowledge(directory, facts, answers, follow_ups, terms, facts.placeholders(), translations, localized)

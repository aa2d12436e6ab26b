"""What each answer key and each language still lacks, mirroring what the tests require:

- per answer key: its German answer and button question (``domain/faq_<topic>.yml``), German
  examples in its topic's NLU file, a German held-out question, its answer words (and that every
  example and button question in each language contains them, tests/test_answer_terms.py), its
  text and button question in every translation, examples in every ``data/nlu/lang_<code>.yml``;
- per language: its entry in ``knowledge/data/languages.yml`` (name, Babel locale, switch
  phrases), every response and the words of ``translations/<code>.yml``
  (tests/test_translations.py), its NLU and held-out files (tests/test_nlu_languages.py), its
  widget texts (``web/public/static/widget-texts.json``).

A value holding ``MARKER`` counts as missing. Plain Python: reads the files, trains nothing.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from babel import Locale, UnknownLocaleError

from authoring.places import (
    MARKER,
    MIN_GERMAN_EXAMPLES,
    MIN_GERMAN_HOLDOUT,
    MIN_LANGUAGE_EXAMPLES,
    MIN_LANGUAGE_HOLDOUT,
    Layout,
    examples,
    load_yaml,
    others,
)
from base.languages import GERMAN
from base.paths import ROOT
from knowledge.directory import load_directory
from knowledge.routing import FOLLOW_UP, PARTNER
from knowledge.terms import Terms
from knowledge.translations import placeholder_names

FAQ_RESPONSE = "utter_faq/"
FAQ_INTENT = "faq/"


@dataclass(frozen=True)
class Missing:
    subject: str  # "faq/<key>" or "language <code>"
    what: str
    where: str  # the file, relative to the root

    def line(self) -> str:
        return f"{self.subject}: {self.what} ({self.where})"


def _yaml(path: Path) -> dict[str, Any] | None:
    """The file's mapping, None when it does not exist; a malformed file raises ValueError."""
    if not path.is_file():
        return None
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: {error}") from error
    return data if isinstance(data, dict) else {}


def _todo(value: object) -> bool:
    return isinstance(value, str) and MARKER in value


def _placeholders(text: object) -> set[str]:
    return placeholder_names(text) if isinstance(text, str) else set()


class Checker:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.missing: list[Missing] = []

    def add(self, subject: str, what: str, path: Path) -> None:
        self.missing.append(Missing(subject, what, self.layout.relative(path)))

    # ---- what there is ---------------------------------------------------------------------------
    def read(self) -> None:
        lay = self.layout
        self.languages: dict[str, dict[str, Any]] = dict((_yaml(lay.languages) or {}).get("languages") or {})
        self.german: dict[str, tuple[Path, dict[str, Any]]] = {}  # response -> (file, German variation)
        self.topics: dict[str, str] = {}  # answer key -> topic
        for path in sorted(lay.domain.glob("*.yml")):
            for name, variations in ((_yaml(path) or {}).get("responses") or {}).items():
                self.german[str(name)] = (path, (variations or [{}])[0] or {})
                if str(name).startswith(FAQ_RESPONSE) and path.stem.startswith("faq_"):
                    self.topics[str(name).removeprefix(FAQ_RESPONSE)] = path.stem.removeprefix("faq_")
        self.nlu = {path.stem: examples(_yaml(path)) for path in sorted(lay.nlu.glob("*.yml"))}
        found = {p.stem for p in lay.translations.glob("*.yml")}
        found |= {p.stem.removeprefix("lang_") for p in lay.nlu.glob("lang_*.yml")}
        found |= {p.stem for p in lay.language_holdout.glob("*.yml")}
        self.widget: dict[str, Any] = json.loads(lay.widget_texts.read_text(encoding="utf-8"))
        found |= set(self.widget.get("texts") or {})
        self.codes = [*self.languages, *sorted(found - set(self.languages))]

    # ---- per answer key --------------------------------------------------------------------------
    def answers(self) -> None:
        lay = self.layout
        holdout = Counter(intent for _, intent in examples(_yaml(lay.holdout)))
        for key, topic in self.topics.items():
            subject, (path, german) = FAQ_INTENT + key, self.german[FAQ_RESPONSE + key]
            if not str(german.get("text") or "").strip() or _todo(german.get("text")):
                self.add(subject, "German answer text is missing or a placeholder", path)
            question = (german.get("metadata") or {}).get("question")
            if not isinstance(question, str) or not question.strip() or _todo(question):
                self.add(subject, "German button question (metadata.question) is missing or a placeholder", path)
            count = sum(intent == subject and not _todo(t) for t, intent in self.nlu.get(f"faq_{topic}", []))
            if count < MIN_GERMAN_EXAMPLES:
                self.add(subject, f"{count} of {MIN_GERMAN_EXAMPLES} German examples", lay.nlu_topic(topic))
            if holdout[subject] < MIN_GERMAN_HOLDOUT:
                self.add(subject, f"{holdout[subject]} of {MIN_GERMAN_HOLDOUT} German held-out questions", lay.holdout)
            for code in others(self.codes):
                count = sum(intent == subject and not _todo(t) for t, intent in self.nlu.get(f"lang_{code}", []))
                if count < MIN_LANGUAGE_EXAMPLES and lay.nlu_language(code).is_file():
                    self.add(subject, f"{count} of {MIN_LANGUAGE_EXAMPLES} examples in {code}", lay.nlu_language(code))

    def answer_terms(self, translations: dict[str, dict[str, Any]]) -> None:
        """Every key has German words; every example and button question in each language has the
        words of its answer (German or the language's); no entry without an answer key."""
        path = self.layout.answer_terms
        raw = _yaml(path) or {}
        entries = raw.get("answers") or {}
        for key in sorted(set(entries) - set(self.topics)):
            self.add(f"answer words {key}", "no answer key has this entry", path)
        for code, by_key in (raw.get("languages") or {}).items():
            for key in sorted(set(by_key or {}) - set(self.topics)):
                self.add(f"answer words {code}.{key}", "no answer key has this entry", path)
        ready = set()
        for key in self.topics:
            entry = entries.get(key) or {}
            patterns = entry.get("all") or []
            if not patterns or any(_todo(p) for p in [*patterns, *(entry.get("none") or [])]):
                self.add(FAQ_INTENT + key, "German answer words (answers.<key>.all) missing or a placeholder", path)
            else:
                ready.add(key)
        try:
            terms = Terms.load(path)
        except ValueError as error:
            self.add("answer words", str(error), path)
            return
        questions: list[tuple[str, str, str]] = []  # (text, key, language)
        for stem, pairs in self.nlu.items():
            code = stem.removeprefix("lang_") if stem.startswith("lang_") else GERMAN
            questions += [(t, i.removeprefix(FAQ_INTENT), code) for t, i in pairs if i.startswith(FAQ_INTENT)]
        questions += [(str((g.get("metadata") or {}).get("question") or ""), key, GERMAN)
                      for key in self.topics for _, g in [self.german[FAQ_RESPONSE + key]]]  # fmt: skip
        for code, translation in translations.items():
            responses = translation.get("responses") or {}
            questions += [(str((responses.get(FAQ_RESPONSE + key) or {}).get("question") or ""), key, code)
                          for key in self.topics]  # fmt: skip
        lacking: dict[tuple[str, str], list[str]] = defaultdict(list)
        for text, key, code in questions:
            if key in ready and text.strip() and not _todo(text) and not terms.allow(key, text, code):
                lacking[key, code].append(text)
        for (key, code), texts in sorted(lacking.items()):
            entry = f"answers.{key}" if code == GERMAN else f"answers.{key} or languages.{code}.{key}"
            self.add(
                FAQ_INTENT + key, f"{len(texts)} question(s) in {code} lack the words of {entry}: {texts[0]!r}", path
            )

    # ---- per language ----------------------------------------------------------------------------
    def language_entries(self) -> None:
        path = self.layout.languages
        for code in self.codes:
            subject, spec = f"language {code}", self.languages.get(code)
            if spec is None:
                self.add(subject, "no entry in languages (its files exist)", path)
                continue
            for field in ("name", "locale"):
                if not isinstance(spec.get(field), str) or not spec[field].strip() or _todo(spec[field]):
                    self.add(subject, f"{field} is missing or a placeholder", path)
            try:
                Locale.parse(str(spec.get("locale") or ""))
            except (ValueError, TypeError, LookupError, UnknownLocaleError):
                self.add(subject, f"locale {spec.get('locale')!r} is no Babel locale", path)
            switch = spec.get("switch") or []
            if not switch or any(_todo(s) for s in switch):
                self.add(subject, "switch phrases are missing or a placeholder", path)

    def translations(self) -> dict[str, dict[str, Any]]:
        found = {}
        partner_kinds = {kind.lower() for kind in PARTNER}
        notes = {j.name for j in load_directory(self.layout.knowledge_data).jobcenters if j.note}
        for code in others(self.codes):
            path, subject = self.layout.translation(code), f"language {code}"
            data = _yaml(path)
            if data is None:
                self.add(subject, "no translation file", path)
                continue
            found[code] = data
            if data.get("language") != code:
                self.add(subject, f"`language: {code}` is missing", path)
            responses = data.get("responses") or {}
            for name, (_, german) in self.german.items():
                self._response(code, name, german, responses.get(name), path)
            for name in sorted(set(responses) - set(self.german)):
                self.add(subject, f"{name} has no German response in domain/", path)
            partner = data.get("partner") or {}
            if set(partner) != partner_kinds:
                self.add(subject, f"partner must have exactly {sorted(partner_kinds)}", path)
            if "{name}" not in str(data.get("lookup_question") or ""):
                self.add(subject, "lookup_question with {name} is missing", path)
            if set(data.get("notes") or {}) != notes:
                self.add(subject, f"notes must have exactly {sorted(notes)}", path)
            words = [
                *[(f"partner.{k}", v) for k, v in partner.items()],
                ("lookup_question", data.get("lookup_question")),
                *[(f"notes.{k}", v) for k, v in (data.get("notes") or {}).items()],
                *[(f"figures.{k}.{f}", v) for k, spec in (data.get("figures") or {}).items() for f, v in spec.items()],
            ]
            for where, value in words:
                if _todo(value):
                    self.add(subject, f"{where} is a placeholder", path)
        return found

    def _response(self, code: str, name: str, german: dict[str, Any], spec: Any, path: Path) -> None:
        faq = name.startswith(FAQ_RESPONSE)
        subject = FAQ_INTENT + name.removeprefix(FAQ_RESPONSE) if faq else f"language {code}"
        what = f"translation {code}: " + ("answer" if faq else name)
        if not isinstance(spec, dict):
            self.add(subject, f"{what} is missing", path)
            return
        text = spec.get("text")
        if not isinstance(text, str) or not text.strip() or _todo(text):
            self.add(subject, f"{what} text is missing or a placeholder", path)
        elif _placeholders(text) != _placeholders(german.get("text")):
            self.add(subject, f"{what} text has other {{placeholders}} than the German one", path)
        buttons = spec.get("buttons") or []
        if len(buttons) != len(german.get("buttons") or []):
            self.add(
                subject, f"{what} has {len(buttons)} buttons, the German one {len(german.get('buttons') or [])}", path
            )
        if any(_todo(b) for b in buttons):
            self.add(subject, f"{what} buttons are placeholders", path)
        question = spec.get("question")
        if faq and (not isinstance(question, str) or not question.strip() or _todo(question)):
            self.add(subject, f"{what} button question is missing or a placeholder", path)

    def language_files(self) -> None:
        lay = self.layout
        for code in others(self.codes):
            subject = f"language {code}"
            if not lay.nlu_language(code).is_file():
                self.add(
                    subject,
                    f"no NLU examples (at least {MIN_LANGUAGE_EXAMPLES} per answer key)",
                    lay.nlu_language(code),
                )
            path = lay.holdout_language(code)
            count = sum(i != FOLLOW_UP and not _todo(t) for t, i in examples(_yaml(path)))
            if count < MIN_LANGUAGE_HOLDOUT:
                self.add(subject, f"{count} of {MIN_LANGUAGE_HOLDOUT} held-out questions", path)

    def widget_texts(self) -> None:
        path, data = self.layout.widget_texts, self.widget
        menu = dict(data.get("languages") or [])
        texts = data.get("texts") or {}
        german = texts.get(GERMAN) or {}
        for code in self.codes:
            subject, name = f"language {code}", (self.languages.get(code) or {}).get("name")
            if menu.get(code) != name:
                self.add(subject, f"widget menu name is {menu.get(code)!r}, not {name!r} (languages)", path)
            if code not in texts:
                self.add(subject, "no widget texts", path)
                continue
            for key in sorted(set(german) - set(texts[code])):
                self.add(subject, f"widget text {key} is missing", path)
            for key, text in texts[code].items():
                if key not in german:
                    self.add(subject, f"widget text {key} is not in the German texts", path)
                elif _todo(text):
                    self.add(subject, f"widget text {key} is a placeholder", path)
                elif _placeholders(text) != _placeholders(german[key]):
                    self.add(subject, f"widget text {key} has other {{placeholders}} than the German one", path)
        for code in sorted(set(menu) - set(self.codes)):
            self.add(f"language {code}", "in the widget's menu but no language", path)
        self.widget_plurals()

    def widget_plurals(self) -> None:
        """Counted widget texts (the retention note's days, the counter; issue 26): every word the
        German texts count, in every form the language's plural rules need (CLDR, Babel)."""
        path, plurals = self.layout.widget_texts, self.widget.get("plurals") or {}
        for code in self.codes:
            locale = (self.languages.get(code) or {}).get("locale")
            if not locale:
                continue
            needed = set(Locale.parse(locale).plural_form.tags) | {"other"}
            words = plurals.get(code) or {}
            for word in sorted(set(plurals.get(GERMAN) or {}) - set(words)):
                self.add(f"language {code}", f"widget plural {word} is missing", path)
            for word, forms in words.items():
                for category in sorted(needed - set(forms or {})):
                    self.add(f"language {code}", f"widget plural {word} lacks the form {category}", path)


def check(root: Path = ROOT) -> list[Missing]:
    """Everything an answer key or a language still lacks under ``root``; [] when complete."""
    checker = Checker(Layout(root))
    checker.read()
    checker.answers()
    checker.language_entries()
    translations = checker.translations()
    checker.answer_terms(translations)
    checker.language_files()
    checker.widget_texts()
    return checker.missing


def report(missing: list[Missing]) -> str:
    lines = [m.line() for m in missing]
    return "\n".join([*lines, f"{len(missing)} missing" if missing else "nothing missing"])

"""Which language a conversation is in (issue 16): plain Python, no Rasa.

``choose(text, current)`` gives the conversation's language after one message, one of
``SUPPORTED``: a switch the citizen typed ("Leichte Sprache", "English please"; knowledge/data/languages.yml)
wins; else the message's script and, for Latin script, an offline detector decide
(lingua-language-detector, its models ship in the wheel, restricted to the supported languages);
a short or unclear message keeps the current language, and German text keeps Leichte Sprache.

- Arabic letters: ``ar``. Cyrillic: ``uk`` with a letter only Ukrainian has (і ї є ґ), ``ru``
  with one only Russian has (ы э ъ ё), else more question words of the one than of the other
  ("що", "что"; knowledge/data/languages.yml), else the detector between the two. So mixed German and
  Ukrainian ("Jobcenter kommunal що це") is Ukrainian: a German reader would not type Cyrillic.
- Latin script: a letter only Turkish has (ç ğ ı ş) makes ``tr``; else the detector among German,
  English and Turkish, from ``MIN_LETTERS`` letters and
  ``MIN_CONFIDENCE`` on; a message found German is looked at again without the German names any
  language keeps ("Jobcenter Erzgebirgskreis", "Agentur für Arbeit"; knowledge/data/languages.yml
  ``neutral``): "When did the Jobcenter Erzgebirgskreis become municipal?" is English. In a
  conversation in another language a German verdict switches only when it is sure
  (``OVERTURN_CONFIDENCE``) or the text is German without those names too. The little words
  decide where names outvote them (issue 26): a message with ``MIN_FUNCTION_WORDS`` function
  words of one language (spaCy's stop word lists, the words the languages share left out) and
  none of the others is in that language ("Is the Jobcenter in Leipzig municipal?": "is",
  "the"), whatever its names suggest to the detector; and a message with a function word of the
  conversation's language and none of the detected one keeps the conversation's language
  (Turkish typed without Turkish letters: "jobcenter ne is yapar").
- Between Ukrainian and Russian only a letter or question word of one of them switches; the
  detector's guess keeps the conversation's language.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from base.languages import EASY_GERMAN, GERMAN, SUPPORTED
from base.names import LANGUAGE_NOTE
from base.paths import KNOWLEDGE_DATA
from knowledge.files import read_yaml

DATA = KNOWLEDGE_DATA / "languages.yml"
MIN_LETTERS = 12
MIN_CONFIDENCE = 0.7
ONLY_UKRAINIAN, ONLY_RUSSIAN = set("іїєґІЇЄҐ"), set("ыэъёЫЭЪЁ")
ONLY_TURKISH = set("çğışÇĞİŞ")  # among German, English and Turkish
TURKISH_ASCII = str.maketrans("çğışöü", "cgisou")
# A German verdict is overturned by the text without German names only with this confidence.
OVERTURN_CONFIDENCE = 0.9
MIN_FUNCTION_WORDS = 2


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s-]", " ", unicodedata.normalize("NFC", text).casefold()).split())


@functools.lru_cache(maxsize=1)
def _languages() -> dict[str, Any]:
    """knowledge/data/languages.yml, read once: per code its name, switch phrases and question words."""
    raw = read_yaml(DATA)["languages"]
    if set(raw) != set(SUPPORTED):
        raise ValueError(f"{DATA}: languages must be exactly {SUPPORTED}")
    return dict(raw)


@functools.lru_cache(maxsize=1)
def _neutral() -> re.Pattern[str]:
    """The German names every language keeps (knowledge/data/languages.yml ``neutral``), as one pattern."""
    words = sorted((str(w) for w in read_yaml(DATA).get("neutral") or []), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def without_names(text: str) -> str:
    """The message without the German names it would keep in any language."""
    return _neutral().sub(" ", text)


@functools.lru_cache(maxsize=1)
def switches() -> dict[str, str]:
    """Typed phrase (folded) -> language code."""
    return {_folded(phrase): code for code, spec in _languages().items() for phrase in spec["switch"]}


@functools.lru_cache(maxsize=8)
def question_words(code: str) -> frozenset[str]:
    """Short words that tell Ukrainian from Russian (knowledge/data/languages.yml ``words``)."""
    return frozenset(_folded(w) for w in _languages()[code].get("words", []))


def names() -> dict[str, str]:
    """Each language's own name (the widget's menu)."""
    return {code: spec["name"] for code, spec in _languages().items()}


def requested(text: str) -> str | None:
    """The language a message asks for by itself ("Leichte Sprache", "English please")."""
    return switches().get(_folded(text))


@functools.lru_cache(maxsize=2)
def _detector(codes: tuple[str, ...]) -> Any:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def _likeliest(text: str, codes: tuple[str, ...]) -> tuple[str, float]:
    values = _detector(codes).compute_language_confidence_values(text)
    best = values[0]
    return best.language.iso_code_639_1.name.lower(), float(best.value)


def detect(text: str) -> str | None:
    """The language of one message, or None when it is too short or unclear."""
    return _verdict(text)[0]


def _verdict(text: str) -> tuple[str | None, bool]:
    """The language of one message and whether the verdict is sure enough to leave a language the
    conversation is in: for German, sure (``OVERTURN_CONFIDENCE``) or German without the names too;
    between Ukrainian and Russian, by a letter or question words of one of them. Each text goes
    through the detector once."""
    letters = [c for c in text if c.isalpha()]
    arabic = sum("ARABIC" in unicodedata.name(c, "") for c in letters)
    cyrillic = [c for c in letters if "CYRILLIC" in unicodedata.name(c, "")]
    if arabic >= 2:
        return "ar", True
    if len(cyrillic) >= 2:
        if ONLY_UKRAINIAN & set(cyrillic):
            return "uk", True
        if ONLY_RUSSIAN & set(cyrillic):
            return "ru", True
        words = set(_folded(text).split())
        uk, ru = len(words & question_words("uk")), len(words & question_words("ru"))
        if uk != ru:
            return ("uk" if uk > ru else "ru"), True
        code, confidence = _likeliest("".join(c if c in cyrillic or c == " " else " " for c in text), ("uk", "ru"))
        return (code if confidence >= MIN_CONFIDENCE else None), False
    if ONLY_TURKISH & set(letters):
        return "tr", True
    latin, confidence = _latin(text)
    voted = _by_function_words(text)
    if voted not in (None, GERMAN):
        return voted, True  # "Is the Jobcenter in Leipzig municipal?": names outvote no "is the"
    if latin is None or confidence < MIN_CONFIDENCE:
        return None, False
    if latin != GERMAN:
        return latin, True
    # German, or another language with German names in it?
    other, other_confidence = _latin(without_names(text))
    if other not in (None, GERMAN) and other_confidence >= OVERTURN_CONFIDENCE:
        return other, True
    return GERMAN, confidence >= OVERTURN_CONFIDENCE or (other == GERMAN and other_confidence >= MIN_CONFIDENCE)


@functools.lru_cache(maxsize=1)
def _function_words() -> dict[str, frozenset[str]]:
    """Per Latin-script language the stop words only it has among German, English and Turkish."""
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.tr.stop_words import STOP_WORDS as TR

    words = {"de": set(DE), "en": set(EN), "tr": set(TR)}
    own = {code: w - set().union(*(o for c, o in words.items() if c != code)) for code, w in words.items()}
    own["tr"] |= {w.translate(TURKISH_ASCII) for w in own["tr"]} - words["de"] - words["en"]  # "nasil", "kac"
    return {code: frozenset(w) for code, w in own.items()}


def _function_word_counts(text: str) -> dict[str, int]:
    tokens = _folded(text).split()
    return {code: sum(t in words for t in tokens) for code, words in _function_words().items()}


def _by_function_words(text: str) -> str | None:
    """The one language with ``MIN_FUNCTION_WORDS`` of its own function words in ``text`` while
    the others have none, else None."""
    counts = _function_word_counts(text)
    found = [code for code, n in counts.items() if n >= MIN_FUNCTION_WORDS]
    if len(found) == 1 and sum(counts.values()) == counts[found[0]]:
        return found[0]
    return None


def _latin(text: str) -> tuple[str | None, float]:
    """The likeliest of German, English and Turkish with its confidence (None when too short)."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None, 0.0
    return _likeliest(text, ("de", "en", "tr"))


def choose(text: str, current: str | None) -> str:
    """The conversation's language after ``text``; ``current`` is the language so far."""
    current = current if current in SUPPORTED else GERMAN
    asked = requested(text)
    if asked:
        return asked
    found, sure = _verdict(text)
    if found is None:
        return current
    if found == GERMAN and current == EASY_GERMAN:
        return EASY_GERMAN
    if found == GERMAN and current != GERMAN and not sure:
        return current  # German only by its names ("What is a Jobcenter for?"): no switch
    if {found, current} == {"uk", "ru"} and not sure:
        return current  # the detector's guess between two close languages does not switch
    counts = _function_word_counts(text)  # German, English and Turkish: another script decided above
    if found in counts and counts.get(current, 0) and not counts[found] and requested(text) is None:
        return current  # "jobcenter ne is yapar" in a Turkish conversation: its little words stay
    return found


@dataclass(frozen=True)
class Turn:
    """The conversation's language for this turn, whether it changed, and the note to send first."""

    language: str
    changed: bool
    note: str | None = None


def turn(text: str, current: str | None, chosen: str | None = None, platform: str | None = None) -> Turn:
    """The conversation's language after ``text``, and the language note when it has just
    changed to a language other than German.

    ``chosen``: picked explicitly (the widget's menu; REST and socket.io metadata ``language``),
    it wins. ``platform``: the messenger's user language (Telegram ``language_code``), the
    language a conversation starts in until the citizen's text says otherwise."""
    before = current if current in SUPPORTED else GERMAN
    # chosen wins; else the text decides, from the current language or the platform's (choose()
    # takes an unknown one as German)
    language = str(chosen) if chosen in SUPPORTED else choose(text, current if current in SUPPORTED else platform)
    changed = language != before
    return Turn(language, changed, LANGUAGE_NOTE if changed and language != GERMAN else None)


def metadata_language(value: object) -> str | None:
    """A language code as a channel may pass it on ("en", "uk", "de-x-ls"; Telegram's "en-US"
    becomes "en"), or None."""
    if not isinstance(value, str) or len(value) > 16:
        return None
    code = value.strip().lower()
    if code in SUPPORTED:
        return code
    base = code.split("-")[0]  # "en-us" -> "en", "de-at" -> "de"
    return base if base in SUPPORTED else None

"""Redaction against a generated corpus (issue 24): every kind of personal data x where it stands
(start, middle, end; followed by punctuation or by a word) x a sentence frame in each of the 7
languages x the ways people and their keyboards write it (other scripts' digits, fullwidth forms,
invisible characters between the characters, look-alike letters, other separators). 0 leaks.
And the must-keep list: years, year ranges, versions, every text of the bot's own answers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from base.paths import DOMAIN, TRANSLATIONS
from pipeline.gate import clean_input
from pipeline.pii import normalise, redact, skeleton

# ---- personal data: (kind, value, what must not survive) -----------------------------------------
NUMBERS = [
    ("IBAN", "DE89370400440532013000"),
    ("IBAN", "DE89 3704 0044 0532 0130 00"),
    ("IBAN", "DE89  3704  0044  0532  0130  00"),
    ("IBAN", "DE89_3704_0044_0532_0130_00"),
    ("IBAN", "DE89,3704,0044,0532,0130,00"),
    ("IBAN", "DE89–3704–0044–0532–0130–00"),
    ("IBAN", "DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000"),
    ("IBAN", "de89 3704 0044 0532 0130 00"),
    ("IBAN", "DE12 3704 0044 0532 0130 00"),  # wrong check digits: still the citizen's
    ("IBAN", "DE89 3704 0044 0532 0130 0"),  # a digit missing
    ("IBAN", "AT61 1904 3002 3457 3201"),
    ("IBAN", "GB82 WEST 1234 5698 7654 32"),
    ("IBAN", "NL91ABNA0417164300"),
    ("Telefonnummer", "0371 1234567"),
    ("Telefonnummer", "+49 151 12345678"),
    ("Telefonnummer", "0151-12345678"),
    ("Steuer-ID", "86095742719"),
    ("Steuer-ID", "86 095 742 719"),
    ("Steuer-ID", "65 - 929 - 970 - 489"),
    ("Datum", "12.03.1985"),
    ("Datum", "12/03/1985"),
    ("Datum", "12-03-1985"),
    ("Datum", "1985-03-12"),
    ("Sozialversicherungsnummer", "12 150385 M 123"),
    ("BG-Nummer", "07146BG0012345"),
    ("Kundennummer", "123D456789"),
    ("Ausweisnummer", "L01X00T47"),
]
EMAILS = [
    ("erika.musterfrau@example.org", "musterfrau"),
    ("max.mustermann at gmx dot de", "mustermann"),
    ("anna.schmidt @ example.de", "schmidt"),
    ("erika(at)example.org", "erika"),
    ("erika [at] example [dot] org", "erika"),
    ("ivan.petrov собака mail точка ru", "petrov"),
]
NAMES = {  # language: (cue + name, surname)
    "de": [("ich heiße Erika Musterfrau", "musterfrau"), ("ich heiße anna schmidt", "schmidt"),
           ("Mein Name ist Max Mustermann", "mustermann")],
    "de-x-ls": [("Ich heiße Erika Musterfrau", "musterfrau")],
    "en": [("my name is John Smith", "smith"), ("My name is anna schmidt", "schmidt")],
    "uk": [("мене звати Олена Коваленко", "коваленко"), ("Моє ім'я Тарас Шевченко", "шевченко")],
    "ru": [("меня зовут Ирина Петрова", "петрова"), ("Моё имя Иван Сидоров", "сидоров")],
    "ar": [("اسمي فاطمة الزهراء", "الزهراء"), ("انا اسمي أحمد", "أحمد")],
    "tr": [("benim adım Ayşe Yılmaz", "yılmaz"), ("Benim ismim Mehmet Demir", "demir")],
}  # fmt: skip

# ---- sentence frames: language -> (start, middle, end) with {v} and the word that follows ---------
FRAMES = {
    "de": ("{v}{f} Ist das Jobcenter kommunal?", "Hallo, hier {v}{f} Ist das Jobcenter kommunal?",
           "Ist das Jobcenter kommunal? {v}{f}"),
    "de-x-ls": ("{v}{f} Was ist ein Jobcenter?", "Ich schreibe {v}{f} Was ist ein Jobcenter?",
                "Was ist ein Jobcenter? {v}{f}"),
    "en": ("{v}{f} Is the job center municipal?", "Hello, here is {v}{f} is it municipal?",
           "Is the job center municipal? {v}{f}"),
    "uk": ("{v}{f} Чи є джобцентр комунальним?", "Привіт, ось {v}{f} що таке джобцентр?", "Що таке джобцентр? {v}{f}"),
    "ru": ("{v}{f} Джобцентр коммунальный?", "Здравствуйте, вот {v}{f} что такое джобцентр?",
           "Что такое джобцентр? {v}{f}"),
    "ar": ("{v}{f} هل مركز العمل بلدي؟", "مرحبا، هذا {v}{f} ما هو مركز العمل؟", "ما هو مركز العمل؟ {v}{f}"),
    "tr": ("{v}{f} Jobcenter belediyeye mi ait?", "Merhaba, işte {v}{f} Jobcenter nedir?", "Jobcenter nedir? {v}{f}"),
}  # fmt: skip
FOLLOWERS = {  # punctuation, or a word right after
    "de": [".", ",", " und"], "de-x-ls": [".", " und"], "en": [".", " and"], "uk": [".", " і"],
    "ru": [".", " и"], "ar": [".", "،", " و"], "tr": [".", " ve"],
}  # fmt: skip


# ---- how it is typed --------------------------------------------------------------------------------
def between(mark: str) -> Callable[[str], str]:
    return lambda value: mark.join(value)


def digits_of(zero: int) -> Callable[[str], str]:
    return lambda value: "".join(chr(zero + int(c)) if c.isdigit() else c for c in value)


def fullwidth(value: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in value)


def lookalikes(value: str) -> str:
    return value.translate(str.maketrans("AEKMOPTCXaeopcx", "АЕКМОРТСХаеорсх"))  # Cyrillic


VARIANTS: dict[str, Callable[[str], str]] = {
    "plain": lambda value: value,
    "fullwidth": fullwidth,
    "arabic-indic digits": digits_of(0x0660),
    "persian digits": digits_of(0x06F0),
    "devanagari digits": digits_of(0x0966),
    "word joiner": between("\u2060"),
    "soft hyphen": between("\u00ad"),
    "combining grapheme joiner": between("\u034f"),
    "zero-width space": between("\u200b"),
    "cyrillic look-alikes": lookalikes,
}


def corpus() -> Iterator[tuple[str, str, str]]:
    """(sentence, secret that must not survive, description)."""
    for language, frames in FRAMES.items():
        values = [(kind, value, value) for kind, value in NUMBERS]
        values += [("E-Mail", value, secret) for value, secret in EMAILS]
        values += [("Name", value, secret) for value, secret in NAMES[language]]
        for (kind, value, secret), (variant, typed) in itertools.product(values, VARIANTS.items()):
            if kind == "Name" and variant == "cyrillic look-alikes":
                continue  # a Latin name in Cyrillic letters is another name, not a disguise
            for frame, follower in itertools.product(frames, FOLLOWERS[language]):
                sentence = frame.format(v=typed(value), f=follower)
                yield sentence, secret, f"{language}/{kind}/{variant}: {sentence!r}"


CORPUS = list(corpus())


def leaks(cleaned: str, secret: str) -> bool:
    """A number leaks when any digit survives (the frames have none); a name or address when its
    distinctive word survives, in any case and in look-alike letters."""
    if any(c.isdigit() for c in secret):
        return bool(re.search(r"\d", cleaned))
    return skeleton(secret.lower()) in skeleton(cleaned.lower())


def test_the_generated_corpus_is_large_leaks_nothing_and_tells_the_citizen() -> None:
    assert len(CORPUS) >= 2000
    leaked, silent = [], []
    for sentence, secret, description in CORPUS:
        cleaned, notes = clean_input(sentence)
        if leaks(cleaned, secret):
            leaked.append(description)
        if "utter_personal_data_removed" not in notes:
            silent.append(description)
    assert not leaked, f"{len(leaked)} of {len(CORPUS)} leak, e.g. {leaked[:5]}"
    assert not silent, f"{len(silent)} of {len(CORPUS)} without the notice, e.g. {silent[:5]}"


SAFE_TEXT = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Zs"), max_codepoint=0x04FF), max_size=30
).map(lambda text: " " + text.strip() + " ")


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    before=SAFE_TEXT,
    after=SAFE_TEXT,
    number=st.sampled_from(NUMBERS),
    variant=st.sampled_from(sorted(VARIANTS)),
    separator=st.sampled_from(["", ".", ",", "!", "?", ":", ";"]),
)
def test_numbers_in_random_text_leave_no_digit(
    before: str, after: str, number: tuple[str, str], variant: str, separator: str
) -> None:
    cleaned, notes = clean_input(before + VARIANTS[variant](number[1]) + separator + after)
    assert not re.search(r"\d", cleaned), cleaned
    assert "utter_personal_data_removed" in notes


# ---- the cut at MAX_INPUT_CHARS ----------------------------------------------------------------------
@pytest.mark.parametrize("offset", range(0, 30, 3))
@pytest.mark.parametrize("value", ["DE89 3704 0044 0532 0130 00", "+49 151 12345678", "86095742719"])
def test_no_fragment_of_a_number_survives_the_cut(offset: int, value: str) -> None:
    cleaned, notes = clean_input("a " * ((1000 - offset) // 2) + value + " und mehr Text" * 10)
    assert not re.search(r"\d", cleaned), cleaned[-40:]
    assert "utter_message_too_long" in notes


def test_invisible_characters_cannot_push_a_number_past_the_raw_cut() -> None:
    cleaned, _ = clean_input("\u2060" * 1990 + "DE89 3704 0044 0532 0130 00")
    assert not re.search(r"\d", cleaned), cleaned


# ---- must keep ---------------------------------------------------------------------------------
MUST_KEEP = [
    "2012", "Seit 2012", "2005-2010", "2005–2010", "2012/2013", "zwischen 2012 und 2018", "§ 6a SGB II", "§§ 6a, 44b",
    "104 Jobcenter", "404 Jobcenter", "1,5 Mio. Menschen", "250.000 Integrationen", "22 Mio. Einwohner",
    "Version 3.6.21", "Rasa 3.6.21", "rasa 3.6.21 und python 3.10", "v3.6.21", "Stand 1. Januar 2026",
    "Seit dem 1. Januar 2012", "Since 1 January 2012", "Art. 91e GG", "EinglMV 2026", "look at jobcenter.de",
    "Ich heiße Sie willkommen", "Mein Name ist egal", "my name is not important", "Ist der Landkreis Görlitz kommunal?",
    "١٠٤ مراكز عمل", "Es gibt 104 Jobcenter, 303 gemeinsame Einrichtungen und 404 insgesamt",
]  # fmt: skip


@pytest.mark.parametrize("text", MUST_KEEP)
def test_must_keep(text: str) -> None:
    assert redact(text) == (normalise(text), [])


def answer_texts() -> Iterator[str]:
    """Every text of the bot's own answers, German and the six other languages."""

    def strings(node: object) -> Iterator[str]:
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from strings(value)
        elif isinstance(node, list):
            for value in node:
                yield from strings(value)

    for path in [*sorted(Path(DOMAIN).glob("*.yml")), *sorted(Path(TRANSLATIONS).glob("*.yml"))]:
        yield from strings((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {}))


def test_the_bots_own_answers_are_not_redacted() -> None:
    texts = list(answer_texts())
    assert len(texts) > 500
    redacted = [(text[:80], redact(text)[1]) for text in texts if redact(text)[1]]
    assert not redacted, redacted[:5]

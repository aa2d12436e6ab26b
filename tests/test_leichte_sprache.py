"""Leichte Sprache (translations/de-x-ls.yml) by the rules of the Netzwerk Leichte Sprache and DIN
SPEC 33429: every response, with its figures and a lookup's values filled in, has short sentences,
active verbs, the indicative, no genitive, no abbreviations or percentages, and explains its hard
words where they appear.

No tagger: each rule looks for clear markers only (a form of "werden" next to a participle, "des",
"möchten", "z. B.", ...), so that it flags a bad sentence without firing on a good one. A source's
title ({..._source}) is a citation kept as published and is left out; so are addresses."""

from __future__ import annotations

import re

import pytest

import knowledge
from base.languages import EASY_GERMAN, LOCALES
from evaluation.readability import MAX_AVERAGE_WORDS, average_words, sentences
from knowledge.translations import PLACEHOLDER, choose_plurals, load_translations

KN = knowledge.load()
LS = load_translations()[EASY_GERMAN]
MAX_WORDS = 15  # per sentence

# What the routing fills in at run time (knowledge/routing.py lookup, land_list).
LOOKUP = {
    "name": "Landkreis Görlitz",
    "land": "Sachsen",
    "year": "2005",
    "partner": LS.partner["landkreis"],
    "count": "5",
    "names": "Erzgebirgskreis, Landkreis Bautzen",
    "stand": "1. Januar 2026",
    "official_website": "https://www.erzgebirgskreis.de",
}
SOURCE = "Quelle-Titel"
URL = re.compile(r"https?://\S*[^\s.,]")
QUOTED = re.compile(r"„[^“]*“")  # names and example questions: „Tag der kommunalen Jobcenter“

WERDEN = re.compile(r"\b(?:wird|werden|wurde|wurden|worden)\b")
PARTICIPLE = re.compile(
    r"\b(?:ab|an|auf|aus|bei|ein|fest|mit|nach|vor|weg|zu|zurück|zusammen)?ge[a-zäöüß]{2,}(?:t|en)\b"
    r"|\b(?:be|ent|er|ver|zer)[a-zäöüß]{2,}t\b|\b[a-zäöüß]{3,}iert\b"
)
KONJUNKTIV = re.compile(
    r"\b(?:möchte|möchten|möchtest|könnte|könnten|würde|würden|hätte|hätten|wäre|wären|müsste|müssten"
    r"|sollte|sollten|dürfte|dürften)\b",
    re.IGNORECASE,
)
# "des"/"eines", or a noun + "der"/"einer" + noun ("im Gebiet der kommunalen Jobcenter")
GENITIVE = re.compile(r"\b(?:des|eines)\b|\w+ (?!Sie\b|Ihnen\b)[A-ZÄÖÜ][\w-]* (?:der|einer) (?:[a-zäöüß]+ )*[A-ZÄÖÜ]")
ABBREVIATION = re.compile(
    r"\b(?:z\.\s?B|d\.\s?h|u\.\s?a|Mio|Mrd|usw|bzw|ca|Nr|etc|evtl|ggf|inkl|vgl|bspw|Tel|Abs|Art|Str|sog)\."
    r"|§|\b[A-ZÄÖÜ]{2,}\b"  # the paragraph sign; acronyms ("SGB", "IBAN")
    r"|\b(?i:der|die|das|dem|den|im|am|zum|vom|beim) \d+\. (?!und\b)"  # an ordinal with a dot: "das 1. Amt"
)
MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"
DAY = re.compile(rf"\b(\d+)\. (?=(?:{MONTHS})\b)")  # "27. November": no end of a sentence
PERCENT = re.compile(r"%|\bProzent", re.IGNORECASE)
# Leichte Sprache splits long nouns ("Bürger-Geld"), never verbs or adjectives ("zusammen-arbeiten").
HYPHENATED_NON_NOUN = re.compile(r"(?<![\w-])[a-zäöüß]+-[a-zäöüß]+")
# Words to avoid, with what to write instead.
AVOID = {"Infos": "Informationen", "Werbung": "Aktion (for the campaign)"}
# A hard word and the words that show it is explained in the same response.
EXPLAINED = {
    "Landratsamt": "Amt vom Landkreis",
    "Kommunalträger-Zulassungsverordnung": "Liste",
    "Familien-Management": "ganzen? Familie",
    "Grund-Gesetz": "wichtigste Gesetz",
    "kreisfreie": "zu keinem Landkreis",
    "Paragraf": "Teil von einem Gesetz",
    "Kreis-Tag": "Politiker",
    "Bundes-Verfassungs-Gericht": "höchste Gericht",
    "Bescheid": "Brief",
    "Widerspruch": "nicht einverstanden",
    "Sanktion": "weniger Geld",
    "Kampagne": "Aktion",
    "Landkreistag": "Landkreise (?:Mitglied|zusammen)",
    "Städtetag": "Städte (?:Mitglied|zusammen)",
    "Bezirk": "Teil von Berlin",
}


def filled(text: str, note: str = LS.notes["Hanau"]) -> str:
    """The response as a citizen reads it: plurals chosen, figures, dates and lookup values in."""
    values = {**KN.placeholders_in(EASY_GERMAN), **LOOKUP, "note": note}
    values |= {key: SOURCE for key in values if key.endswith("_source")} | {"source": SOURCE}
    text = choose_plurals(text, LOCALES[EASY_GERMAN], KN.facts.numbers())
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)


TEXTS = {name: filled(spec["text"]) for name, spec in LS.responses.items()}
PLAIN = {name: DAY.sub(r"\1 ", URL.sub("Internet-Adresse", text)) for name, text in TEXTS.items()}


def offending(pattern: re.Pattern[str], texts: dict[str, str] = PLAIN) -> list[tuple[str, str]]:
    """(response, sentence) for every sentence in which ``pattern`` finds something."""
    return [(name, s) for name, text in texts.items() for s in sentences(text) if pattern.search(s)]


def test_every_placeholder_is_filled() -> None:
    assert [name for name, text in TEXTS.items() if "{" in text] == []


def test_sentences_are_short() -> None:
    long = [(name, s) for name, text in PLAIN.items() for s in sentences(text) if len(s.split()) > MAX_WORDS]
    assert long == []
    assert average_words(list(PLAIN.values())) <= MAX_AVERAGE_WORDS


def test_no_passive() -> None:
    passive = [(n, s) for n, s in offending(WERDEN) if PARTICIPLE.search(s) or "worden" in s]
    assert passive == []


def test_no_konjunktiv() -> None:
    assert offending(KONJUNKTIV) == []


def test_no_genitive() -> None:
    assert offending(GENITIVE, {name: QUOTED.sub("„Name“", text) for name, text in PLAIN.items()}) == []


def test_no_abbreviations_or_percentages() -> None:
    """Over the whole text: "das 1. Amt" would otherwise end a sentence at "1."."""
    found = [(name, m.group()) for name, text in PLAIN.items() for m in ABBREVIATION.finditer(text)]
    assert found == []
    assert offending(PERCENT) == []


def test_hyphens_only_in_nouns_and_no_words_to_avoid() -> None:
    assert offending(HYPHENATED_NON_NOUN) == []
    assert [(name, word) for name, text in PLAIN.items() for word in AVOID if re.search(rf"\b{word}\b", text)] == []


@pytest.mark.parametrize("word", sorted(EXPLAINED))
def test_hard_words_are_explained_where_they_appear(word: str) -> None:
    unexplained = [name for name, text in PLAIN.items() if word in text and not re.search(EXPLAINED[word], text)]
    assert unexplained == []


def test_no_double_spaces_without_a_note() -> None:
    assert [name for name, spec in LS.responses.items() if "  " in filled(spec["text"], note="")] == []


def test_shares_in_words_are_true() -> None:
    """The shares are said as "1 von 4" (no percentages): true for the campaign's quarter and, within
    2.5 points, for the share computed from the 2026 list (25.7 %)."""
    text = TEXTS["utter_faq/municipal_share"]
    assert "war 1 von 4 Jobcentern" in text and "etwa 1 von 4 Jobcentern" in text
    assert KN.facts.figures["municipal_share"].value == 0.25
    assert abs(KN.facts.figures["municipal_share_2026"].value - 0.25) <= 0.025


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        (WERDEN, "Danach wurde das Grund-Gesetz geändert."),
        (KONJUNKTIV, "Was möchten Sie wissen?"),
        (GENITIVE, "Im Gebiet der kommunalen Jobcenter wohnen viele Menschen."),
        (GENITIVE, "Das ist die Aufgabe des Landkreises."),
        (ABBREVIATION, "Das sind 1,5 Mio. Menschen."),
        (ABBREVIATION, "Das steht im § 6a SGB II."),
        (ABBREVIATION, "Das 1. Amt ist die Bundes-Agentur."),
        (PERCENT, "Das sind 25,7 % von allen."),
        (HYPHENATED_NON_NOUN, "Die Ämter können gut zusammen-arbeiten."),
    ],
)
def test_the_rules_catch_what_they_are_for(rule: re.Pattern[str], sentence: str) -> None:
    assert rule.search(sentence)
    if rule is WERDEN:
        assert PARTICIPLE.search(sentence)

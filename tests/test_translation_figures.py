"""Figures in every language (issue 26): what a translation says in numbers equals the German, and
reads as a native reader expects it.

- every literal figure, year and § of a translated response (the digits it writes itself, not its
  placeholders: those come from knowledge/data/facts.yml) is the German response's;
- no abbreviated million or month in any language ("22M", "22 Mn'den", "Nov", "лист."): the
  figures are written out, and the rendered replies are checked for every abbreviation Babel knows
  in the language's locale;
- a phrase with a number takes the plural its number needs (CLDR categories, Babel).
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from babel import Locale
from babel.numbers import format_compact_decimal

import knowledge
from base.languages import LOCALES, SUPPORTED
from knowledge.translations import PLACEHOLDER, PLURAL, choose_plurals, load_translations, plural_branches
from pipeline.render import german_responses, render

KN = knowledge.load()
TRANSLATIONS = load_translations()
GERMAN = german_responses()
OTHER = [code for code in SUPPORTED if code != "de"]
LITERAL = re.compile(r"\d+(?:[.,]\d+)*[a-z]?")  # 2005, 6a, 91e, 44b, 2,5
# Leichte Sprache leaves legal references out where they do not help its readers and may count
# ("1 von 4"); its figures are checked by the placeholders, which are the same.
LITERALS_CHECKED = [code for code in OTHER if code != "de-x-ls"]


def literals(text: str) -> Counter[str]:
    """The figures a text writes itself: its digits outside any {placeholder} or plural phrase."""
    return Counter(LITERAL.findall(PLACEHOLDER.sub(" ", PLURAL.sub(" ", text))))


@pytest.mark.parametrize("code", LITERALS_CHECKED)
def test_every_figure_year_and_paragraph_of_a_translation_is_the_germans(code: str) -> None:
    differ = []
    for name, spec in TRANSLATIONS[code].responses.items():
        german = GERMAN.get(name, {}).get("text", "")
        if literals(spec["text"]) != literals(german):
            differ.append(f"{name}: {dict(literals(german))} != {dict(literals(spec['text']))}")
    assert differ == []


def filled(code: str) -> list[str]:
    """Every response in ``code`` as a citizen reads it, with the figures and a Jobcenter's values."""
    values = {
        **KN.placeholders_in(code),
        "name": "Landkreis Görlitz",
        "land": "Sachsen",
        "year": "2012",
        "note": "",
        "partner": "Landkreis",
        "count": "5",
        "names": "Bautzen, Görlitz",
        "source": "EinglMV 2026",
        "stand": "2026",
    }
    out = []
    for name in GERMAN:
        reply = render(name, code, values)
        if reply and reply.get("text"):
            out.append(reply["text"])
    return out


def abbreviations(locale: str) -> set[str]:
    """The abbreviated months and the short million of ``locale`` where they differ from the
    written-out forms (Babel's CLDR data)."""
    loc = Locale.parse(locale)
    wide = set(loc.months["format"]["wide"].values()) | set(loc.months["stand-alone"]["wide"].values())
    short = set(loc.months["format"]["abbreviated"].values()) | set(loc.months["stand-alone"]["abbreviated"].values())
    million = format_compact_decimal(22_000_000, format_type="short", locale=locale)
    long_million = format_compact_decimal(22_000_000, format_type="long", locale=locale)
    found = {m for m in short if m not in wide and m.rstrip(".") not in wide}
    unit = re.sub(r"[\d\s\u00a0\u202f]+", "", million).strip()
    if unit not in long_million:  # Arabic writes "مليون" in both
        found.add(unit)
    return {a for a in found if a}


@pytest.mark.parametrize("code", SUPPORTED)
def test_no_abbreviated_million_or_month_in_any_language(code: str) -> None:
    banned = abbreviations(LOCALES[code])
    if not banned:
        assert code == "ar"  # Arabic's CLDR data write months and millions out
        return
    pattern = re.compile(
        r"(?<![\w])(?:" + "|".join(re.escape(a) for a in sorted(banned, key=len, reverse=True)) + r")(?![\w])"
    )
    hits = [
        (m.group(0), text[max(0, m.start() - 30) : m.end() + 10])
        for text in filled(code)
        for m in pattern.finditer(text)
    ]
    assert hits == []


@pytest.mark.parametrize("code", OTHER)
def test_plural_phrases_have_the_categories_of_their_language(code: str) -> None:
    """Each plural phrase has "other" and only categories its locale uses (a typo such as "fwe"
    would silently fall back to "other")."""
    categories = set(Locale.parse(LOCALES[code]).plural_form.tags) | {"other"}
    wrong = []
    for name, spec in TRANSLATIONS[code].responses.items():
        for number, branches in plural_branches(spec["text"]):
            unknown = {c for c in branches if not c.startswith("=")} - categories
            if unknown or "other" not in branches:
                wrong.append(f"{name}: {{{number}}} {sorted(unknown)}")
    assert wrong == []


@pytest.mark.parametrize(
    ("locale", "number", "expected"),
    [
        ("uk_UA", 303, "303 спільні установи"),
        ("uk_UA", 41, "41 громада"),
        ("uk_UA", 104, "104 комунальні"),
        ("uk_UA", 5, "5 спільних установ"),
        ("ru_RU", 303, "303 совместных учреждения"),
        ("ar", 104, "104 مراكز"),
        ("ar", 11, "11 مركزًا"),
        ("ar", 100, "100 مركز"),
    ],
)
def test_a_plural_phrase_takes_the_branch_of_its_number(locale: str, number: int, expected: str) -> None:
    phrase = {
        "uk_UA": "{n, plural, one {# громада} few {# спільні установи} many {# спільних установ} other {# установи}}",
        "ru_RU": "{n, plural, one {# учреждение} few {# совместных учреждения} many {# учреждений} other {#}}",
        "ar": "{n, plural, zero {# مركز} one {مركز واحد} two {مركزان} few {# مراكز} many {# مركزًا} other {# مركز}}",
    }[locale]
    if number == 104 and locale == "uk_UA":
        phrase = "{n, plural, one {# комунальний} few {# комунальні} many {# комунальних} other {# комунальних}}"
    if number == 41:
        phrase = "{n, plural, one {# громада} few {# громади} many {# громад} other {# громади}}"
    assert choose_plurals(phrase, locale, {"n": number}).replace("{n}", str(number)) == expected


def test_a_number_known_only_at_run_time_chooses_its_plural_when_rendered() -> None:
    """{count} of a Land's list is not a figure of the facts: the phrase waits for the value."""
    text = "{count, plural, one {# Jobcenter} other {# Jobcenters}}"
    assert choose_plurals(text, "en_GB", {}, unknown="keep") == text
    assert choose_plurals(text, "en_GB", {"count": "1"}) == "{count} Jobcenter"
    assert choose_plurals(text, "en_GB", {"count": "5"}) == "{count} Jobcenters"


@pytest.mark.parametrize(("count", "expected"), [("1", "1 kommunales Jobcenter:"), ("5", "5 kommunale Jobcenter:")])
def test_a_lands_count_takes_its_plural_in_german(count: str, expected: str) -> None:
    """Mecklenburg-Vorpommern has one kommunales Jobcenter: "1 kommunale Jobcenter" was wrong."""
    values = {
        "land": "Mecklenburg-Vorpommern",
        "count": count,
        "names": "Vorpommern-Greifswald",
        "source": "S",
        "stand": "1",
    }
    reply = render("utter_land_municipal", "de", values)
    assert reply and expected in reply["text"]

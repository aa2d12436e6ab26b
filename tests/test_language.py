"""Which language a conversation is in (pipeline/language.py, issue 16 first part)."""

from __future__ import annotations

import pytest

from base.languages import SUPPORTED
from base.names import LANGUAGE_NOTE
from pipeline.language import Turn, choose, names, requested, turn


@pytest.mark.parametrize(
    ("text", "current", "expected"),
    [
        ("Was ist ein kommunales Jobcenter?", None, "de"),
        ("What is a municipal job centre?", "de", "en"),
        ("How many job centres are run by the districts?", None, "en"),
        ("Що таке комунальний джобцентр?", None, "uk"),
        ("Jobcenter kommunal що це", "de", "uk"),  # mixed German and Ukrainian
        ("Что такое муниципальный джобцентр?", None, "ru"),
        ("ما هو مركز العمل البلدي؟", None, "ar"),
        ("Belediye iş merkezi nedir ve nasıl çalışır?", None, "tr"),
        ("Hallo", "en", "en"),  # too short to tell: the language stays
        ("ok", "uk", "uk"),
        ("104?", "ar", "ar"),
        ("Leichte Sprache", "de", "de-x-ls"),
        ("Leichte Sprache!", "en", "de-x-ls"),
        ("English please", "de", "en"),
        ("Do you speak English?", "de", "en"),
        ("Deutsch bitte", "en", "de"),
        ("Was ist ein kommunales Jobcenter?", "de-x-ls", "de-x-ls"),  # German keeps Leichte Sprache
        ("Was ist ein kommunales Jobcenter?", "en", "de"),
        ("Wie viele Menschen betreuen die kommunalen Jobcenter insgesamt?", "en", "de"),
        ("When did the Jobcenter Erzgebirgskreis become municipal?", "de", "en"),  # German names
        ("What is a Jobcenter for?", "en", "en"),
        ("New York'ta saat kaç?", "de", "tr"),  # a letter only Turkish has
        ("Котра година в Нью-Йорку?", "uk", "uk"),  # no letter of one of them: no switch
        ("Который час в Нью-Йорке?", "uk", "ru"),
        ("Wie viele kommunale Jobcenter gibt es?", "xx", "de"),  # an unknown current language
        ("", "tr", "tr"),
        # issue 26: short English questions with German names were taken for German (0.97-0.99)
        ("Is the Jobcenter in Leipzig municipal?", "de", "en"),
        ("What is the Job Center?", "de", "en"),
        ("my landlord put the rent up by 80 euros", "de", "en"),
        ("Is the Erzgebirgskreis Jobcenter kommunal?", None, "en"),
        ("Hartz IV und Minijob - geht das?", "en", "de"),
        ("Ist Leipzig kommunal?", "de", "de"),
        ("Jobcenter ne zaman belediye oldu", "de", "tr"),  # Turkish without Turkish letters
        ("jobcenter ne is yapar", "tr", "tr"),  # its little words keep the conversation's language
        ("jobcentera nasil ulasirim", "tr", "tr"),
        ("Was ist ein Jobcenter?", "tr", "de"),  # German little words, no Turkish ones: German
        ("هل Jobcenter و Agentur für Arbeit نفس الشيء؟", None, "ar"),  # "für" is no vote against a script
        ("Jobcenter і Agentur für Arbeit – це одне й те саме?", None, "uk"),
    ],
)
def test_the_language_of_a_conversation(text: str, current: str | None, expected: str) -> None:
    assert choose(text, current) == expected


def test_every_language_has_a_name_and_switches() -> None:
    assert set(names()) == set(SUPPORTED)
    assert names()["uk"] == "Українська" and names()["de-x-ls"] == "Leichte Sprache"
    assert requested("  ENGLISH please ") == "en" and requested("Wie viele?") is None


def test_a_turn_says_what_changed() -> None:
    assert turn("Was ist ein kommunales Jobcenter?", None) == Turn("de", False)  # German from the start
    assert turn("What is a municipal job centre?", None) == Turn("en", True, LANGUAGE_NOTE)
    assert turn("What is a municipal job centre?", "en") == Turn("en", False)
    assert turn("Leichte Sprache", "de") == Turn("de-x-ls", True, LANGUAGE_NOTE)
    assert turn("Deutsch bitte", "en") == Turn("de", True)  # back to German: no note


def test_german_questions_stay_german() -> None:
    """The held-out and external question sets are German but for one English question: a German
    conversation must not get a foreign-language note."""
    from evaluation.outcomes import external_questions, holdout_questions

    questions = [q.text for q in [*holdout_questions(), *external_questions()]]
    assert len(questions) > 300
    assert [q for q in questions if choose(q, "de") != "de"] == ["Where is the job center?"]


def test_a_chosen_or_platform_language() -> None:
    # chosen in the widget's menu (metadata "language"): it wins over the text
    assert turn("Was ist ein kommunales Jobcenter?", None, chosen="uk") == Turn("uk", True, LANGUAGE_NOTE)
    assert turn("Hallo", "uk", chosen="uk") == Turn("uk", False)
    # the messenger's language starts the conversation; the text can still change it
    assert turn("Hallo", None, platform="tr") == Turn("tr", True, LANGUAGE_NOTE)
    assert turn("Was ist ein kommunales Jobcenter?", None, platform="tr") == Turn("de", False)
    assert turn("Hallo", "de", platform="tr") == Turn("de", False)  # a conversation already German
    assert turn("Hallo", None, chosen="xx", platform="yy") == Turn("de", False)

"""The words each FAQ answer is about (knowledge/data/answer_terms.yml, knowledge/terms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import knowledge
from base.languages import SUPPORTED
from base.paths import NLU_DATA
from knowledge.files import nlu_examples
from knowledge.terms import Terms, folded
from nlp.training_data import plain_text


def test_every_training_example_and_button_question_has_its_answers_words() -> None:
    """In its language: the examples of data/nlu/lang_<code>.yml and the translated button
    questions with that language's words (issue 16), the others with the German ones."""
    kn = knowledge.load()
    examples = []
    for path in sorted(NLU_DATA.glob("*.yml")):
        language = path.stem.removeprefix("lang_") if path.stem.startswith("lang_") else "de"
        examples += [
            (plain_text(t), i.partition("/")[2], language) for t, i in nlu_examples(path) if i.startswith("faq/")
        ]
    examples += [(q, key, "de") for key, q in kn.answers.questions.items()]
    for code, translation in kn.translations.items():
        examples += [(kn.answers.question(key, translation), key, code) for key in kn.answers.questions]
    assert len({language for _, _, language in examples}) == len(SUPPORTED)
    missing = [f"{key} ({code}): {text}" for text, key, code in examples if not kn.terms.allow(key, text, code)]
    assert missing == []
    personal = [f"{key} ({code}): {text}" for text, key, code in examples if kn.terms.personal(text)]
    assert personal == []  # no general question is taken for a citizen's own case


@pytest.mark.parametrize(
    ("text", "key", "language"),
    [  # issue 26: leaving out a party never gets the joint facility's figures or definition
        ("How many jobcentres are run by the council on its own, without the Arbeitsagentur?", "count_joint_facilities",
         "en"),
        ("Сколько джобцентров работает без Агентуры по труду?", "count_joint_facilities", "ru"),
        ("Wie viele Jobcenter arbeiten ohne die Arbeitsagentur?", "count_joint_facilities", "de"),
        ("كم عدد مراكز العمل التي تعمل بدون وكالة العمل؟", "count_joint_facilities", "ar"),
        ("Arbeitsagentur olmadan kac jobcenter var?", "count_joint_facilities", "tr"),
        ("What is a Jobcenter without the employment agency?", "what_is_joint_facility", "en"),
        # and "how much do they pay" is never a count of Jobcenter
        ("Сколько денег платит джобцентр?", "count_jobcenters_total", "ru"),
        ("Скільки грошей дає джобцентр?", "count_jobcenters_total", "uk"),
        ("How much money do I get from the Jobcenter?", "count_jobcenters_total", "en"),
        ("Wie viel Geld zahlt das Jobcenter?", "count_jobcenters_total", "de"),
        ("Jobcenter ne kadar para veriyor?", "count_jobcenters_total", "tr"),
    ],
)  # fmt: skip
def test_leaving_out_a_party_is_never_the_joint_facility(text: str, key: str, language: str) -> None:
    assert not knowledge.load().terms.allow(key, text, language)


@pytest.mark.parametrize(
    "text",
    [  # issue 26: citizens' own questions that got a neighbouring general answer
        "Auf welcher Rechtsgrundlage hat das Jobcenter meine Heizkosten abgelehnt?",
        "Welche Paragraphen gelten, wenn die Heizung nicht bezahlt wird?",
        "Was ist Sonderbedarf beim Jobcenter?",
        "Muss ich dem Jobcenter Änderungen mitteilen?",
        "Wie viele Mitarbeiter hat das Jobcenter in Aue?",
        "Kann mir das Jobcenter einen Minijob vermitteln?",
        "Wieviel zahlt das Jobcenter für Strom?",
        "Can I get a Minijob through the Jobcenter?",
        "Which Jobcenter is in charge of my rent?",
    ],
)
def test_a_citizens_own_case_is_personal(text: str) -> None:
    assert knowledge.load().terms.personal(text)


def test_a_word_of_another_language_inside_a_german_one_does_not_count() -> None:
    """ "Muss ich für das Jobcenter telefonisch erreichbar sein?" got the contact answer: "reach"
    (English) is inside "erreichbar", and the German rule says no to "muss ich"."""
    kn = knowledge.load()
    question = "Muss ich für das Jobcenter telefonisch erreichbar sein?"
    assert not kn.terms.allow("contact", question, "de")
    assert kn.terms.allow("contact", "How can I reach the Jobcenter?", "en")


@pytest.mark.parametrize(
    ("key", "text", "allowed"),
    [
        ("what_is_municipal_jobcenter", "Was ist ein kommunales Jobcenter?", True),
        ("what_is_municipal_jobcenter", "Was ist ein Minijob?", False),
        ("inhabitants_covered", "Wie viele Einwohner hat Berlin?", False),
        ("supervision", "Wer führt die Aufsicht über das Jobcenter?", True),
        ("supervision", "Lohnt sich eine Dienstaufsichtsbeschwerde?", False),
        ("difference_joint_facility", "Was ist der Unterschied zu Hartz IV?", False),
        ("erzgebirgskreis_since", "Seit wann ist der Erzgebirgskreis kommunal?", True),
    ],
)
def test_questions_about_something_else_do_not_get_the_answer(key: str, text: str, allowed: bool) -> None:
    assert knowledge.load().terms.allow(key, text) is allowed


def test_umlauts_are_folded() -> None:
    assert folded("Änderung für Kunden, groß") == "aenderung fuer kunden, gross"


def test_terms_must_cover_exactly_the_answer_keys(tiny_data: Path) -> None:
    with pytest.raises(ValueError, match="do not match"):
        Terms.load(tiny_data / "data" / "answer_terms.yml", {"x"})

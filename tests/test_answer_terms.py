"""The words each FAQ answer is about (knowledge/data/answer_terms.yml, knowledge/terms.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import knowledge
from knowledge.terms import Terms, folded
from nlp.training_data import plain_text, training_examples


def test_every_training_example_and_button_question_has_its_answers_words() -> None:
    kn = knowledge.load()
    examples = [(plain_text(t), i.partition("/")[2]) for t, i in training_examples() if i.startswith("faq/")]
    examples += [(q, key) for key, q in kn.answers.questions.items()]
    assert [f"{key}: {text}" for text, key in examples if not kn.terms.allow(key, text)] == []


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

"""The external question sets in other languages (tests/data/external/<code>.yml): questions written
by others in English, Ukrainian, Russian, Arabic and Turkish, found in public texts, each with the
page it was found on. Checks each set itself: its format (text, an http(s) source, the form it was
taken in, a label that exists: ``faq/<key>`` of a domain response ``utter_faq/<key>`` or
``out_of_scope/<theme>`` of domain/signposting.yml), no question twice nor a near copy of another,
and that none of them nor a near copy is in the training data (as tests/test_nlu_external.py does
for the German set).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import knowledge
from base.paths import TEST_DATA
from evaluation.outcomes import OUT_OF_SCOPE, near_copies, normalised
from nlp.training_data import plain_text, training_examples

EXTERNAL_LANGUAGES = TEST_DATA / "external"
LANGUAGES = ("en", "uk", "ru", "ar", "tr")
FIELDS = {"text", "source", "form", "expected", "gloss"}
FORMS = {"verbatim", "trimmed"}


def load(code: str) -> list[dict[str, Any]]:
    path: Path = EXTERNAL_LANGUAGES / f"{code}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


@pytest.fixture(scope="module")
def training_texts() -> list[str]:
    return [plain_text(text) for text, _ in training_examples()]


def test_every_language_has_a_set() -> None:
    assert sorted(p.stem for p in EXTERNAL_LANGUAGES.glob("*.yml")) == sorted(LANGUAGES)


@pytest.mark.parametrize("code", LANGUAGES)
def test_set_is_sourced_and_labelled(code: str) -> None:
    kn = knowledge.load()
    questions = load(code)
    assert questions
    bad = []
    for q in questions:
        kind, _, key = str(q.get("expected", "")).partition("/")
        known = kn.answers.questions if kind == "faq" else kn.answers.themes if kind == OUT_OF_SCOPE else {}
        if (
            set(q) != FIELDS
            or not all(isinstance(q[field], str) and q[field].strip() for field in FIELDS)
            or not q["source"].startswith(("http://", "https://"))
            or q["form"] not in FORMS
            or key not in known
        ):
            bad.append(q)
    assert bad == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_question_twice(code: str) -> None:
    texts = [q["text"] for q in load(code)]
    assert len({normalised(t) for t in texts}) == len(texts)
    twins = [near_copies([t], texts[:i] + texts[i + 1 :]) for i, t in enumerate(texts)]
    assert [t for t in twins if t] == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_question_nor_a_near_copy_in_the_training_data(code: str, training_texts: list[str]) -> None:
    assert near_copies([q["text"] for q in load(code)], training_texts) == []


@pytest.mark.model
@pytest.mark.parametrize("code", LANGUAGES)
def test_external_questions_per_language_are_seldom_answered_wrongly(parse: Any, code: str) -> None:
    """As a citizen types them into a new conversation: the language is the one the message is
    taken for (pipeline/language.py), as in `make bench`. The bound (the German set's, for small
    sets: one wrong reply in 18 is 5.6 %) is in evaluation/gates.py, which `make deploy` checks too."""
    from evaluation import gates

    gate = gates.language_external_replies(parse, knowledge.load(), code)
    print("\n" + gate.line())
    assert gate.passed, "\n".join(gate.misses)

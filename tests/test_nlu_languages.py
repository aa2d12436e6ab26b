"""Understanding in every language (issue 16): training examples per answer key and language, a
held-out file per language (tests/data/holdout/<code>.yml) with at least 90 % right and at most
2 % wrong replies, and every translated button question gets its answer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import knowledge
from base.languages import SUPPORTED
from base.paths import NLU_DATA
from evaluation import gates
from evaluation.outcomes import language_holdout, near_copies
from knowledge.files import nlu_examples
from knowledge.routing import Parse, route
from nlp.training_data import plain_text, training_examples
from pipeline.language import choose

OTHER = [code for code in SUPPORTED if code != "de"]
MIN_EXAMPLES = 10  # per answer key and language
MIN_HOLDOUT = 30
KN = knowledge.load()
HOLDOUT = language_holdout()


def language_examples(code: str) -> list[tuple[str, str]]:
    return nlu_examples(NLU_DATA / f"lang_{code}.yml")


@pytest.mark.parametrize("code", OTHER)
def test_every_answer_key_has_ten_examples_in_the_language(code: str) -> None:
    counts = Counter(intent.partition("/")[2] for _, intent in language_examples(code) if intent.startswith("faq/"))
    assert {key: counts[key] for key in KN.answers.questions if counts[key] < MIN_EXAMPLES} == {}


@pytest.mark.parametrize("code", OTHER)
def test_a_held_out_file_per_language_none_of_it_in_the_training_data(code: str) -> None:
    questions = [q.text for q in HOLDOUT[code]]
    assert len(questions) >= MIN_HOLDOUT
    examples = [plain_text(t) for t, _ in training_examples()]
    assert near_copies(questions, examples, cutoff=95) == []


@pytest.mark.parametrize("code", OTHER)
def test_held_out_questions_are_taken_for_their_language(code: str) -> None:
    """Within a conversation in the language every held-out question keeps it (German text keeps
    Leichte Sprache)."""
    assert [q.text for q in HOLDOUT[code] if choose(q.text, code) != code] == []


@pytest.mark.model
@pytest.mark.parametrize("code", OTHER)
def test_held_out_replies_per_language(parse: Any, code: str) -> None:
    """The gate `make deploy` checks too (evaluation/gates.py: the bounds are there)."""
    gate = gates.language_holdout_replies(parse, KN, code)
    print("\n" + gate.line())
    assert gate.passed, "\n".join(gate.misses)


@pytest.mark.model
@pytest.mark.parametrize("code", OTHER)
def test_every_translated_button_question_gets_its_answer(parse: Any, code: str) -> None:
    translation = KN.translation(code)
    assert translation
    missed = []
    for key in KN.answers.questions:
        question = KN.answers.question(key, translation)
        reply = route(Parse.from_nlu(parse(question)), None, KN, code)
        if reply.response != f"utter_faq/{key}":
            missed.append(f"{key}: {question!r} -> {reply.response}")
    assert missed == []


def test_training_files_exist_for_every_language() -> None:
    assert {p.stem.removeprefix("lang_") for p in Path(NLU_DATA).glob("lang_*.yml")} == set(OTHER)

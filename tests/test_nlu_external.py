"""The external question set (tests/data/external_questions.yml): questions written by others,
found in public texts, each with its source. Checks the set itself (sourced, labelled with an
answer or a theme that exists, none of them nor a near copy in the training data) and, with the
trained model, how the assistant answers them: right, fallback ("Meinten Sie ...?", "Dazu kann ich
leider keine Auskunft geben", a signposting answer) or wrong (a confident answer to another
question). Fails above 3 % wrong (issue 12); `make bench` prints the same three outcomes next to
the TF-IDF baseline.
"""

from __future__ import annotations

from typing import Any

import pytest

import knowledge
from evaluation import gates
from evaluation.outcomes import OUT_OF_SCOPE, RIGHT, external_questions, holdout_questions, near_copies
from nlp.training_data import plain_text, training_examples

MIN_QUESTIONS = 120


def test_external_set_is_sourced_and_labelled() -> None:
    kn = knowledge.load()
    questions = external_questions()
    assert len(questions) >= MIN_QUESTIONS
    bad = []
    for q in questions:
        kind, _, key = q.expected.partition("/")
        known = kn.answers.questions if kind == "faq" else kn.answers.themes if kind == OUT_OF_SCOPE else {}
        if not q.source.startswith(("http://", "https://")) or key not in known:
            bad.append(q)
    assert not bad
    assert len({q.text.lower() for q in questions}) == len(questions)


def test_no_external_question_nor_a_near_copy_in_the_training_data() -> None:
    examples = [plain_text(text) for text, _ in training_examples()]
    assert near_copies([q.text for q in external_questions()], examples) == []


def test_no_held_out_question_in_the_training_data() -> None:
    """Held-out questions are the team's own paraphrases, often close to a training example by
    design (a typo, another word order): only the same text (case and punctuation aside) is banned."""
    examples = [plain_text(text) for text, _ in training_examples()]
    assert near_copies([q.text for q in holdout_questions()], examples, cutoff=100) == []


@pytest.mark.model
def test_external_questions_are_seldom_answered_wrongly(parse: Any) -> None:
    """The gate `make deploy` checks too (evaluation/gates.py: the bound is there)."""
    gate = gates.external_replies(parse, knowledge.load())
    print("\n" + gate.line())
    assert gate.passed, "\n".join(gate.misses)
    assert gate.counts[RIGHT] > 0

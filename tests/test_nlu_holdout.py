"""NLU accuracy on held-out German questions (tests/data/nlu_holdout.yml), with the trained model.

The score counts the full answer key for FAQ questions (faq/<key>), so a right intent with a
wrong answer is an error. Fails below 95 %.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import knowledge
from knowledge.routing import Parse, understood
from nlp.training_data import training_examples

pytestmark = pytest.mark.model
HOLDOUT = Path(__file__).parent / "data" / "nlu_holdout.yml"
THRESHOLD = 0.95


def holdout_examples() -> list[tuple[str, str]]:
    data = yaml.safe_load(HOLDOUT.read_text(encoding="utf-8"))
    return [
        (re.sub(r"^- ", "", line.strip()), block["intent"])
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def predicted_label(data: dict[str, Any]) -> str:
    """The intent (faq/<key> for FAQ answers), or nlu_fallback where the routing finds the NLU unsure."""
    parse = Parse.from_nlu(data)
    if not understood(parse):
        return "nlu_fallback"
    if parse.intent == "faq":
        return f"faq/{parse.answer_ranking[0][0]}"
    return parse.intent


def test_training_and_holdout_do_not_overlap() -> None:
    training = {text.lower() for text, _ in training_examples()}
    overlap = [q for q, _ in holdout_examples() if q.lower() in training]
    assert not overlap
    assert len(holdout_examples()) >= 150


def test_holdout_accuracy(parse: Any) -> None:
    examples = holdout_examples()
    errors = []
    for text, expected in examples:
        got = predicted_label(parse(text))
        if got != expected:
            errors.append(f"{text!r}: expected {expected}, got {got}")
    accuracy = 1 - len(errors) / len(examples)
    print(f"\nNLU held-out accuracy: {accuracy:.1%} ({len(examples) - len(errors)}/{len(examples)})")
    print("\n".join(errors))
    assert accuracy >= THRESHOLD, "\n".join(errors)


@pytest.mark.parametrize(("key", "question"), sorted(knowledge.load().answers.questions.items()))
def test_every_suggested_question_gets_its_answer(parse: Any, key: str, question: str) -> None:
    assert predicted_label(parse(question)) == f"faq/{key}"

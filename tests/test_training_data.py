"""Training data: enough varied examples per intent and answer key."""

from __future__ import annotations

from collections import Counter

from nlp.training_data import training_examples

MIN_EXAMPLES = 15


def examples_per_intent() -> Counter[str]:
    return Counter(intent for _, intent in training_examples())


def test_every_intent_has_enough_examples() -> None:
    thin = {intent: n for intent, n in examples_per_intent().items() if n < MIN_EXAMPLES}
    assert not thin


def test_lookup_intent_has_at_least_30_examples() -> None:
    assert examples_per_intent()["ask_jobcenter_form"] >= 30


def test_examples_are_unique() -> None:
    seen = Counter(text.lower() for text, _ in training_examples())
    assert [text for text, n in seen.items() if n > 1] == []

"""Right, fallback or wrong: how a reply (or a baseline's prediction) answers a question of a test set.

A question's expected label is ``faq/<key>`` (an answer inside the scope), ``out_of_scope/<theme>``
(the signposting answer of a citizen theme, domain/signposting.yml), a lookup intent
(``ask_jobcenter_form``, ``ask_municipal_by_land``) or a small-talk intent (``greet``, ...).

- right: the reply is the expected one;
- fallback: the reply says it cannot answer or is unsure ("Meinten Sie ...?", "Dazu kann ich leider
  keine Auskunft geben", any signposting answer: it gives no fact, only a way on);
- wrong: any other reply, i.e. a confident answer to another question: a FAQ answer, a figure or
  a lookup for an out-of-scope question, or the wrong FAQ answer for an in-scope one.

Used by the tests (tests/test_nlu_external.py, tests/test_nlu_holdout.py) and by ``make bench``
(bench/run.py), for our replies and the TF-IDF baseline's predictions alike.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from base.paths import TEST_DATA
from knowledge import Knowledge
from knowledge.files import nlu_examples
from knowledge.routing import FIXED, FOLLOW_UP, OUT_OF_SCOPE, Parse, route
from pipeline.language import choose

RIGHT, FALLBACK, WRONG = "right", "fallback", "wrong"
OUTCOMES = (RIGHT, FALLBACK, WRONG)
UNSURE = "fallback"  # the label of a reply that gives no answer
HOLDOUT = TEST_DATA / "nlu_holdout.yml"
EXTERNAL = TEST_DATA / "external_questions.yml"
HOLDOUT_LANGUAGES = TEST_DATA / "holdout"  # <code>.yml: held-out questions per language
EXTERNAL_LANGUAGES = TEST_DATA / "external"  # <code>.yml: external questions per other language
# Responses that say "I cannot answer" or "did you mean ...?".
NO_ANSWER = {"utter_cannot_answer", "utter_suggest", "utter_suggest_topics", "utter_follow_up_unclear",
             "utter_action_unavailable", "utter_empty_message", "nlu_fallback"}  # fmt: skip
LOOKUP_PREFIXES = {"utter_lookup_": "ask_jobcenter_form", "utter_land_": "ask_municipal_by_land"}
# Lookup replies that ask back ("Welches Land meinen Sie?"): right for a lookup question, a
# fallback for any other (they state no fact).
QUESTION_BACK = {"utter_lookup_unknown", "utter_lookup_ambiguous", "utter_land_unknown"}
ASKS_BACK = "asks_back/"
# The fixed response of each small-talk intent, read back as the intent (knowledge/routing.py FIXED).
SMALL_TALK = {response: intent for intent, response in FIXED.items() if intent != OUT_OF_SCOPE}


def label_of(response: str) -> str:
    """The label a reply's response stands for (``utter_faq/x`` -> ``faq/x``; "cannot answer" ->
    ``fallback``). Labels of a classifier (``faq/x``, ``nlu_fallback``) map to themselves / fallback."""
    if response in NO_ANSWER:
        return UNSURE
    if response.startswith("utter_") and "/" in response:
        return response.removeprefix("utter_")
    for prefix, label in LOOKUP_PREFIXES.items():
        if response.startswith(prefix):
            return ASKS_BACK + label if response in QUESTION_BACK else label
    return SMALL_TALK.get(response, response)


def reply_label(nlu_data: dict[str, Any], kn: Knowledge, language: str | None = None) -> str:
    """The label of the reply the routing gives to a first message (no conversation before it), in
    ``language`` or, as the bot does, in the language the message is taken for."""
    parse = Parse.from_nlu(nlu_data)
    return label_of(route(parse, None, kn, language or choose(parse.text, None)).response)


def outcome(expected: str, got: str) -> str:
    """right / fallback / wrong for a reply labelled ``got`` (see the module docstring)."""
    if got == expected or got == ASKS_BACK + expected:
        return RIGHT
    if got.startswith(ASKS_BACK):
        return FALLBACK
    if got in (UNSURE, OUT_OF_SCOPE) or got.startswith(OUT_OF_SCOPE + "/"):
        return FALLBACK
    return WRONG


def in_scope(label: str) -> bool:
    return not label.startswith(OUT_OF_SCOPE)


@dataclass(frozen=True)
class Question:
    text: str
    expected: str
    source: str = ""  # external questions: the address of the page it was found on


def holdout_questions(path: Path = HOLDOUT) -> list[Question]:
    """The held-out file (Rasa NLU format; labels faq/<key>, out_of_scope/<theme>, intents)."""
    return [Question(text, intent) for text, intent in nlu_examples(path)]


def language_holdout() -> dict[str, list[Question]]:
    """The held-out questions of each other language (tests/data/holdout/<code>.yml), follow-ups
    left out (they need a conversation)."""
    return {
        path.stem: [q for q in holdout_questions(path) if q.expected != FOLLOW_UP]
        for path in sorted(HOLDOUT_LANGUAGES.glob("*.yml"))
    }


def external_questions(path: Path = EXTERNAL) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Question(q["text"], q["expected"], q["source"]) for q in data["questions"]]


def language_external(directory: Path = EXTERNAL_LANGUAGES) -> dict[str, list[Question]]:
    """The external questions of each other language (tests/data/external/<code>.yml), by code."""
    return {path.stem: external_questions(path) for path in sorted(directory.glob("*.yml"))}


def first_message_sets() -> dict[str, list[Question]]:
    """The sets whose replies are counted: held-out (without follow-ups: they need a conversation)
    and external."""
    return {
        "held-out": [q for q in holdout_questions() if q.expected != FOLLOW_UP],
        "external": external_questions(),
    }


@dataclass
class Tally:
    """Outcomes of one set, in scope and out of scope apart."""

    counts: Counter[tuple[str, str]]  # (in / out, outcome) -> count
    misses: list[str]

    @classmethod
    def of(cls, results: list[tuple[Question, str]]) -> Tally:
        """``results``: each question with the label of the reply it got."""
        counts: Counter[tuple[str, str]] = Counter()
        misses = []
        for question, got in results:
            scope = "in" if in_scope(question.expected) else "out"
            result = outcome(question.expected, got)
            counts[(scope, result)] += 1
            if result != RIGHT:
                misses.append(f"{result}: {question.text!r}: expected {question.expected}, got {got}")
        return cls(counts, misses)

    def total(self, scope: str | None = None) -> int:
        return sum(n for (s, _), n in self.counts.items() if scope in (None, s))

    def count(self, result: str, scope: str | None = None) -> int:
        return sum(n for (s, r), n in self.counts.items() if r == result and scope in (None, s))

    def share(self, result: str, scope: str | None = None) -> float:
        total = self.total(scope)
        return self.count(result, scope) / total if total else 0.0

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            scope or "all": {r: self.count(r, scope) for r in OUTCOMES} | {"n": self.total(scope)}
            for scope in (None, "in", "out")
        }


# Two texts this similar (rapidfuzz ratio 0-100 of the normalised texts) count as near copies.
NEAR_COPY = 85


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w ]", " ", text.lower()).split())


def near_copies(questions: list[str], examples: list[str], cutoff: int = NEAR_COPY) -> list[str]:
    """Each question that is (nearly) one of the examples, with the example it resembles."""
    pool = [normalised(e) for e in examples]
    found = []
    for question in questions:
        hit = process.extractOne(normalised(question), pool, scorer=fuzz.ratio, score_cutoff=cutoff)
        if hit:
            found.append(f"{question!r} ~ {examples[hit[2]]!r} ({hit[1]:.0f})")
    return found

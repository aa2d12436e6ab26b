"""Fixtures and builders of the unit tests (no servers; tests/e2e/ starts servers)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from base.paths import MODEL
from knowledge import Knowledge
from knowledge.routing import Parse

# Personal data of each kind the input gate removes (made-up values).
PII = {
    "IBAN": "DE89 3704 0044 0532 0130 00",
    "E-Mail": "erika.musterfrau@example.org",
    "Telefonnummer": "0371 1234567",
    "Datum": "12.03.1985",
    "BG-Nummer": "07146BG0012345",
    "Kundennummer": "123D456789",
}


@pytest.fixture(scope="module")
def parse() -> Iterator[Any]:
    """The trained model's NLU: text -> parse data (module-scoped: loading takes seconds)."""
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    from rasa.core.agent import Agent

    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()
    yield lambda text: loop.run_until_complete(agent.parse_message(text))
    loop.close()


def nlu_result(
    text: str,
    intent: str,
    answer_key: str | None = None,
    answer_confidence: float = 0.95,
    ranking: list[str] | None = None,
    kn: Knowledge | None = None,
) -> Parse:
    """What the NLU would hand on for ``text`` (``intent`` sure, names found as nlp/names.py does).
    ``answer_key``: the FAQ answer key, or for out_of_scope the theme."""
    directory = (kn or knowledge.load()).directory
    match = directory.find(text)
    answers = [(answer_key, answer_confidence)] if answer_key else []
    answers += [(k, 0.1) for k in ranking or [] if k != answer_key]
    return Parse(
        text=text,
        intent=intent,
        confidence=0.9,
        intent_ranking=[(intent, 0.9)],
        answer_ranking=answers if intent != "out_of_scope" else [],
        theme_ranking=answers if intent == "out_of_scope" else [],
        jobcenter=match.text or None,
        jobcenter_exact=match.exact,
        land=directory.find_land(text),
    )


def parse_data(text: str, intent: str, answer_key: str | None = None, entities: list[dict] | None = None) -> dict:
    """A latest_message as Rasa's NLU produces it."""
    selector: dict[str, Any] = {}
    if answer_key:
        key = f"faq/{answer_key}"
        selector = {
            "faq": {
                "response": {"intent_response_key": key, "confidence": 0.95},
                "ranking": [{"intent_response_key": key, "confidence": 0.95}],
            }
        }
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": entities or [],
        "response_selector": selector,
    }


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture
def make_tracker() -> Callable[..., Tracker]:
    def make(latest_message: dict[str, Any], slots: dict[str, Any] | None = None) -> Tracker:
        return Tracker(
            sender_id="test",
            slots=slots or {},
            latest_message=latest_message,
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return make


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    """A minimal, valid knowledge folder (data/ and domain/) to test loading and failures."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "jobcenter_2026.csv").write_text(
        'traeger_nr,traeger_form,jobcenter,bundesland\n00001,gE,"Musterstadt, Stadt",\n00002,zkT,Musterkreis,Sachsen\n',
        encoding="utf-8",
    )
    (data / "zugelassene_kommunale_traeger.csv").write_text(
        "name,art,bundesland,zugelassen_seit,quelle\nMusterkreis,Landkreis,Sachsen,2012-01-01,Testquelle\n",
        encoding="utf-8",
    )
    (data / "jobcenter_names.yml").write_text("home: Musterkreis\n", encoding="utf-8")
    (data / "facts.yml").write_text(
        "sources:\n  s: {title: Testquelle, url: null}\n"
        "figures:\n"
        "  a: {value: 1500000, unit: people, stand: '2018', source: s}\n"
        "  b: {computed: {form: zkT}, unit: count, stand: 2026-01-01, source: s}\n",
        encoding="utf-8",
    )
    (data / "follow_ups.yml").write_text("rules:\n  - {after: [demo], match: 'ypsilon', answer: y}\n", encoding="utf-8")
    (data / "answer_terms.yml").write_text("answers:\n  x: {all: ['x']}\n  y: {all: ['y']}\n", encoding="utf-8")
    domain = tmp_path / "domain"
    domain.mkdir()
    (domain / "faq_demo.yml").write_text(
        "responses:\n"
        "  utter_faq/x:\n    - text: X.\n      metadata: {question: 'Frage X?', suggest_first: 1}\n"
        "  utter_faq/y:\n    - text: Y.\n      metadata: {question: 'Frage Y?'}\n",
        encoding="utf-8",
    )
    return tmp_path

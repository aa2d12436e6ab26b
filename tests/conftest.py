from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"


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


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def parse_data(
    text: str,
    intent: str,
    answer_key: str | None = None,
    answer_confidence: float = 0.95,
    entities: list[dict[str, Any]] | None = None,
    ranking: list[str] | None = None,
) -> dict[str, Any]:
    """A latest_message as Rasa's NLU would produce it."""
    selector: dict[str, Any] = {}
    if answer_key or ranking:
        keys = ranking or [answer_key]
        selector = {
            "faq": {
                "response": {
                    "intent_response_key": f"faq/{answer_key}" if answer_key else None,
                    "confidence": answer_confidence,
                },
                "ranking": [{"intent_response_key": f"faq/{k}", "confidence": 0.1} for k in keys],
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
    """A minimal, valid data folder to test loading and failures."""
    (tmp_path / "jobcenter_2026.csv").write_text(
        'traeger_nr,traeger_form,jobcenter,bundesland\n00001,gE,"Musterstadt, Stadt",\n00002,zkT,Musterkreis,Sachsen\n',
        encoding="utf-8",
    )
    (tmp_path / "facts.yml").write_text(
        "sources:\n  s: {title: Testquelle, url: null}\n"
        "figures:\n"
        "  a: {value: 1500000, unit: people, stand: '2018', source: s}\n"
        "  b: {computed: {form: zkT}, unit: count, stand: 2026-01-01, source: s}\n",
        encoding="utf-8",
    )
    (tmp_path / "suggestions.yml").write_text("faq:\n  x: Frage X?\n  y: Frage Y?\ndefault: [x]\n", encoding="utf-8")
    (tmp_path / "follow_ups.yml").write_text(
        "groups:\n  g: [x]\nrules:\n  - {groups: [g], match: 'ypsilon', answer: y}\n", encoding="utf-8"
    )
    return tmp_path

"""Custom actions with a CollectingDispatcher: chosen response, filled figures, events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ANSWER_THRESHOLD, KNOWLEDGE, ActionAnswerFaq, ActionSuggestQuestions
from actions.follow_up import ActionFollowUp
from tests.conftest import parse_data

TrackerFactory = Callable[..., Tracker]


async def run(action: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
    return await action.run(dispatcher, tracker, {})


@pytest.mark.parametrize(
    ("question", "key", "expected_values"),
    [
        ("Wie viele kommunale Jobcenter gibt es?", "count_municipal_jobcenters", {"municipal_jobcenters": "104"}),
        ("Wie viele Jobcenter gibt es insgesamt?", "count_jobcenters_total", {"jobcenters_total_2026": "404"}),
        ("Wie viele gemeinsame Einrichtungen gibt es?", "count_joint_facilities", {"joint_facilities": "303"}),
        ("Welcher Anteil ist kommunal?", "municipal_share", {"municipal_share": "ein Viertel"}),
        ("Wie viele Menschen werden betreut?", "people_cared_for", {"people_cared_for": "1,5\xa0Mio."}),
        (
            "Seit wann ist der Erzgebirgskreis kommunal?",
            "erzgebirgskreis_since",
            {"erzgebirgskreis_municipal_since": "1. Januar 2012"},
        ),
        ("Was ist ein kommunales Jobcenter?", "what_is_municipal_jobcenter", {}),
    ],
)
async def test_answer_faq_sends_the_answer_with_figures(
    dispatcher: CollectingDispatcher,
    make_tracker: TrackerFactory,
    question: str,
    key: str,
    expected_values: dict[str, str],
) -> None:
    tracker = make_tracker(parse_data(question, "faq", key))
    events = await run(ActionAnswerFaq(), dispatcher, tracker)
    [message] = dispatcher.messages
    assert message["response"] == f"utter_faq/{key}"
    for name, value in expected_values.items():
        assert message[name] == value
    assert events == [SlotSet("topic", key)]


async def test_uncertain_answer_gets_suggestions_not_a_guess(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    ranking = ["count_joint_facilities", "what_is_joint_facility", "difference_joint_facility", "partners"]
    latest = parse_data("gemeinsam?", "faq", "count_joint_facilities", ANSWER_THRESHOLD - 0.2, ranking=ranking)
    events = await run(ActionAnswerFaq(), dispatcher, make_tracker(latest))
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest"
    assert [b["payload"] for b in message["buttons"]] == [KNOWLEDGE.suggestions.questions[k] for k in ranking[:3]]
    assert events == []


@pytest.mark.parametrize(
    ("topic", "text", "expected"),
    [
        ("count_municipal_jobcenters", "Und gemeinsame Einrichtungen?", "count_joint_facilities"),
        ("count_municipal_jobcenters", "Und insgesamt?", "count_jobcenters_total"),
        ("count_joint_facilities", "und die kommunalen?", "count_municipal_jobcenters"),
        ("people_cared_for", "Und wie viele Einwohner?", "inhabitants_covered"),
        ("inhabitants_covered", "Und pro Jahr?", "integrations_per_year"),
        ("count_municipal_jobcenters", "Woher stammt die Zahl?", "count_municipal_jobcenters"),
        ("campaign", "Wer hat sie gestartet?", "campaign_initiators"),
        ("campaign", "Wann war das?", "tag_der_kommunalen_jobcenter"),
        ("campaign_initiators", "Und wo?", "tag_der_kommunalen_jobcenter"),
        ("erzgebirgskreis_formed_from", "Seit wann?", "erzgebirgskreis_since"),
        ("holistic_support", "Seit wann denn?", "erzgebirgskreis_since"),
        ("erzgebirgskreis_since", "Welche waren das?", "erzgebirgskreis_formed_from"),
        ("what_is_municipal_jobcenter", "Und die gemeinsame Einrichtung?", "what_is_joint_facility"),
        ("what_is_joint_facility", "Und was ist der Unterschied?", "difference_joint_facility"),
        (None, "Und die gemeinsamen Einrichtungen?", "what_is_joint_facility"),
    ],
)
async def test_follow_up_uses_the_last_topic(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, topic: str | None, text: str, expected: str
) -> None:
    tracker = make_tracker(parse_data(text, "follow_up"), slots={"topic": topic})
    events = await run(ActionFollowUp(), dispatcher, tracker)
    assert dispatcher.messages[0]["response"] == f"utter_faq/{expected}"
    assert events == [SlotSet("topic", expected)]


@pytest.mark.parametrize("topic", [None, "campaign"])
async def test_unclear_follow_up_asks_back_with_suggestions(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory, topic: str | None
) -> None:
    tracker = make_tracker(parse_data("Und das Dings?", "follow_up"), slots={"topic": topic})
    assert await run(ActionFollowUp(), dispatcher, tracker) == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_follow_up_unclear"
    assert len(message["buttons"]) == 3


async def test_fallback_suggests_ranked_questions(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    latest = parse_data("kampagne wer", "nlu_fallback", ranking=["campaign_initiators", "campaign"])
    latest["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "faq"}, {"name": "greet"}]
    await run(ActionSuggestQuestions(), dispatcher, make_tracker(latest))
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest"
    assert [b["title"] for b in message["buttons"]] == [
        KNOWLEDGE.suggestions.questions["campaign_initiators"],
        KNOWLEDGE.suggestions.questions["campaign"],
    ]


async def test_fallback_without_faq_offers_default_topics(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    latest = parse_data("xyz", "nlu_fallback")
    latest["intent_ranking"] = [{"name": "nlu_fallback"}, {"name": "out_of_scope"}, {"name": "greet"}]
    await run(ActionSuggestQuestions(), dispatcher, make_tracker(latest))
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest_topics"
    assert [b["payload"] for b in message["buttons"]] == [
        KNOWLEDGE.suggestions.questions[k] for k in KNOWLEDGE.suggestions.default
    ]


def test_every_answer_key_has_a_response_and_suggestion() -> None:
    import yaml

    from tests.conftest import ROOT

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    faq_responses = {name.partition("/")[2] for name in domain["responses"] if name.startswith("utter_faq/")}
    assert faq_responses == set(KNOWLEDGE.suggestions.questions)

"""The one custom action turns the routing's reply into the dispatcher call and slot events."""

from __future__ import annotations

from collections.abc import Callable

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.reply import ActionReply
from tests.conftest import parse_data

TrackerFactory = Callable[..., Tracker]


async def test_faq_answer_with_figures_and_topic(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    tracker = make_tracker(parse_data("Wie viele kommunale Jobcenter gibt es?", "faq", "count_municipal_jobcenters"))
    events = await ActionReply().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq/count_municipal_jobcenters"
    assert message["municipal_jobcenters"] == "104"
    assert events == [SlotSet("topic", "count_municipal_jobcenters")]


async def test_lookup_reads_the_entity_and_the_slot(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    entities = [{"entity": "jobcenter", "value": "bautzen"}]
    tracker = make_tracker(
        parse_data("Und Bautzen?", "follow_up", entities=entities), slots={"topic": "jobcenter_lookup"}
    )
    events = await ActionReply().run(dispatcher, tracker, {})
    [message] = dispatcher.messages
    assert (message["response"], message["name"]) == ("utter_lookup_municipal", "Landkreis Bautzen")
    assert events == [SlotSet("topic", "jobcenter_lookup")]


async def test_buttons_and_no_slot_change(dispatcher: CollectingDispatcher, make_tracker: TrackerFactory) -> None:
    latest = parse_data("xyz", "out_of_scope")
    latest["intent"]["confidence"] = 0.2
    events = await ActionReply().run(dispatcher, make_tracker(latest, slots={"topic": "campaign"}), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest_topics" and len(message["buttons"]) == 3
    assert events == []


async def test_a_question_in_another_language_gets_a_note_in_it_once(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    """An English question got a German reply without a word of English (issue 16): now the note
    ("I will answer in English; the German text is binding") once, then the answer, both chosen
    in English, and buttons with the English questions."""
    latest = parse_data("How many municipal job centres are there?", "faq", "count_municipal_jobcenters")
    events = await ActionReply().run(dispatcher, make_tracker(latest), {})
    first = [m["response"] for m in dispatcher.messages]
    assert first[0] == "utter_language_note" and len(first) == 2  # the note, then the reply
    assert all(m["language"] == "en" for m in dispatcher.messages)  # the variation of this turn
    assert SlotSet("language", "en") in events
    dispatcher.messages.clear()
    events = await ActionReply().run(dispatcher, make_tracker(latest, slots={"language": "en"}), {})
    assert [m["response"] for m in dispatcher.messages] == first[1:]
    assert all(e["name"] != "language" for e in events)  # unchanged: no note, no slot event

"""The one custom action turns the routing's reply into the dispatcher call and slot events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
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


async def test_the_reply_uses_the_language_the_pipeline_decided(
    dispatcher: CollectingDispatcher, make_tracker: TrackerFactory
) -> None:
    """The language is decided once, before the NLU (pipeline/steps.py), and stored in the slot: the
    action reads it and neither detects nor sets it again; buttons carry the English questions."""
    latest = parse_data("Ist das Jobcenter Bautzen kommunal? Oder Görlitz?", "out_of_scope")
    latest["intent"]["confidence"] = 0.2
    events = await ActionReply().run(dispatcher, make_tracker(latest, slots={"language": "en"}), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_suggest_topics" and "language" not in message
    assert message["buttons"][0]["title"] == "What is a municipal Jobcenter?"
    assert all(e["name"] != "language" for e in events)


def test_the_action_server_is_not_sent_the_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 27: Rasa sent the whole domain (28 KB of JSON) with every action call; action_reply
    does not read it, so the production and the cluster's endpoints leave it out."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

    from base.paths import DOMAIN, ROOT
    from ops.cluster import cluster_endpoints

    monkeypatch.setenv("REDIS_PASSWORD", "x")  # endpoints.yml names it
    domain = Domain.load(str(DOMAIN))
    tracker = DialogueStateTracker.from_events("citizen", [], domain.slots)
    production = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    cluster = EndpointConfig.from_dict(cluster_endpoints(5055, "redis://127.0.0.1:6380")["action_endpoint"])
    for endpoint in (production, cluster):
        call = RemoteAction("action_reply", endpoint)._action_call_format(tracker, domain)
        assert "domain" not in call and call["tracker"]["sender_id"] == "citizen"
    assert "domain" in RemoteAction("action_reply", EndpointConfig("http://x"))._action_call_format(tracker, domain)

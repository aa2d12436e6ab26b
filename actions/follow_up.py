"""Short follow-up questions, resolved from the topic of the last answer (slot "topic")."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import suggest, utter_answer
from actions.knowledge import DIRECTORY, KNOWLEDGE
from actions.lookup import LAND_TOPIC, TOPIC, answer_jobcenter, answer_land

# After these topics "Und in Sachsen?" asks for the kommunale Jobcenter of that Land.
LAND_CONTEXT = {TOPIC, LAND_TOPIC} | KNOWLEDGE.follow_ups.groups.get("figures", set())


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = tracker.get_slot("topic")
        text = tracker.latest_message.get("text") or ""
        land = DIRECTORY.find_land(text)
        if land and topic in LAND_CONTEXT:
            return answer_land(dispatcher, land)
        named = bool(DIRECTORY.find(text).jobcenters)
        if named and topic in (TOPIC, LAND_TOPIC):
            return answer_jobcenter(dispatcher, text)  # "Und Bautzen?"
        key = KNOWLEDGE.follow_ups.resolve(topic, text)
        if key:
            return utter_answer(dispatcher, key)
        if named:
            return answer_jobcenter(dispatcher, text)
        suggest(dispatcher, [], "utter_follow_up_unclear")
        return []

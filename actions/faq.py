"""FAQ answers with figures filled from the facts file, follow-ups and suggestions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import load_knowledge

KNOWLEDGE = load_knowledge()
PLACEHOLDERS = KNOWLEDGE.facts.placeholders()

# The ResponseSelector has no threshold of its own (RasaHQ/rasa#9751): below this confidence
# for the chosen answer the citizen gets suggestions instead of a possibly wrong answer.
ANSWER_THRESHOLD = 0.5
# Intents whose ranking says nothing about which FAQ the citizen meant.
NON_TOPIC_INTENTS = {"nlu_fallback", "out_of_scope", "personal_case", "follow_up"}


def utter_answer(dispatcher: CollectingDispatcher, key: str) -> list[dict[str, Any]]:
    """Send the answer ``utter_faq/<key>`` with its figures and remember the topic."""
    dispatcher.utter_message(response=f"utter_faq/{key}", **PLACEHOLDERS)
    return [SlotSet("topic", key)]


def ranked_answer_keys(latest_message: dict[str, Any]) -> list[str]:
    """Answer keys the NLU thought possible for the latest message, best first."""
    selector = (latest_message.get("response_selector") or {}).get("faq") or {}
    keys = [
        str(r.get("intent_response_key", "")).partition("/")[2]
        for r in selector.get("ranking") or []
        if r.get("intent_response_key")
    ]
    return [k for k in keys if k in KNOWLEDGE.suggestions.questions]


def suggest(dispatcher: CollectingDispatcher, keys: list[str], response: str) -> None:
    keys = keys or KNOWLEDGE.suggestions.default
    dispatcher.utter_message(response=response, buttons=KNOWLEDGE.suggestions.buttons(keys))


class ActionAnswerFaq(Action):
    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
        response = selector.get("response") or {}
        key = str(response.get("intent_response_key") or "").partition("/")[2]
        if key in KNOWLEDGE.suggestions.questions and response.get("confidence", 0.0) >= ANSWER_THRESHOLD:
            return utter_answer(dispatcher, key)
        suggest(dispatcher, ranked_answer_keys(tracker.latest_message), "utter_suggest")
        return []


class ActionFollowUp(Action):
    def name(self) -> str:
        return "action_follow_up"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = tracker.get_slot("topic")
        key = KNOWLEDGE.follow_ups.resolve(topic, tracker.latest_message.get("text") or "")
        if key:
            return utter_answer(dispatcher, key)
        suggest(dispatcher, [], "utter_follow_up_unclear")
        return []


class ActionSuggestQuestions(Action):
    """Low NLU confidence: "Meinten Sie ...?" with up to three questions as buttons."""

    def name(self) -> str:
        return "action_suggest_questions"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        latest = tracker.latest_message
        ranking = [i.get("name") for i in latest.get("intent_ranking") or []]
        keys = ranked_answer_keys(latest) if "faq" in ranking[:3] else []
        if keys:
            suggest(dispatcher, keys, "utter_suggest")
        else:
            suggest(dispatcher, [], "utter_suggest_topics")
        return []

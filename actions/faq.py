"""FAQ answers with figures filled from the facts file, follow-ups and suggestions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge import DIRECTORY, KNOWLEDGE, PLACEHOLDERS
from actions.lookup import answer_jobcenter, answer_land

# Rasa applies no threshold to the chosen answer key (RasaHQ/rasa#9751; here its probability
# given "faq" from nlp/classifier.py): below this confidence the citizen gets suggestions
# instead of a possibly wrong answer.
ANSWER_THRESHOLD = 0.4
# "Wie viele kommunale Jobcenter gibt es in Hessen?" is a question about one Land.
PER_LAND_KEYS = {"count_municipal_jobcenters", "municipal_share"}
# "Seit wann ist der Landkreis Görlitz kommunal?" is a question about that Jobcenter.
PER_JOBCENTER_KEYS = {"erzgebirgskreis_since", "what_is_municipal_jobcenter", "what_is_joint_facility"}
HOME = "Erzgebirgskreis"


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


def names_other_jobcenter(latest_message: dict[str, Any]) -> bool:
    """True if the message names a Jobcenter (spaCy entity) other than the Erzgebirgskreis."""
    for entity in latest_message.get("entities") or []:
        if entity.get("entity") == "jobcenter":
            found = DIRECTORY.find(str(entity.get("value", ""))).jobcenters
            if found and any(j.name != HOME for j in found):
                return True
    return False


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
        text = tracker.latest_message.get("text") or ""
        land = DIRECTORY.find_land(text) if key in PER_LAND_KEYS else None
        if land:
            return answer_land(dispatcher, land)
        confident = key in KNOWLEDGE.suggestions.questions and response.get("confidence", 0.0) >= ANSWER_THRESHOLD
        if (key in PER_JOBCENTER_KEYS or not confident) and names_other_jobcenter(tracker.latest_message):
            return answer_jobcenter(dispatcher, text)  # "Ist das Jobcenter <Name> kommunal?"
        if confident:
            return utter_answer(dispatcher, key)
        suggest(dispatcher, ranked_answer_keys(tracker.latest_message), "utter_suggest")
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

"""'Ist mein Jobcenter kommunal?': look up any of the 404 Jobcenter by name, and the zkT per Land."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.jobcenters import BEZIRK, LANDKREIS, REGION, STADT, Jobcenter
from actions.knowledge import DIRECTORY, PLACEHOLDERS

SOURCE = PLACEHOLDERS["municipal_jobcenters_2026_source"]
STAND = PLACEHOLDERS["municipal_jobcenters_2026_stand"]
# The partner of the Agentur für Arbeit in a gemeinsame Einrichtung, by kind of Jobcenter.
PARTNER = {LANDKREIS: "dem Landkreis", STADT: "der Stadt", REGION: "dem kommunalen Träger", BEZIRK: "dem Land Berlin"}
# What the lookup responses in domain.yml may use ({name}, {land}, ...).
RESPONSE_FIELDS = {"name", "land", "year", "note", "source", "stand", "partner", "count", "names"}
TOPIC = "jobcenter_lookup"
LAND_TOPIC = "municipal_by_land"


def question_for(jobcenter: Jobcenter) -> str:
    """The question a button sends; it names the Jobcenter unambiguously."""
    return f"Ist das Jobcenter {jobcenter.display} kommunal?"


def answer_jobcenter(dispatcher: CollectingDispatcher, text: str) -> list[dict[str, Any]]:
    """Answer for the Jobcenter named in ``text``; ask back when the name fits several."""
    match = DIRECTORY.find(text)
    found = match.jobcenters
    if not found:
        dispatcher.utter_message(response="utter_lookup_unknown")
        return [SlotSet("topic", TOPIC)]
    if len(found) > 1 and all(j.kind == BEZIRK for j in found):
        dispatcher.utter_message(response="utter_lookup_berlin", count=str(len(found)), source=SOURCE, stand=STAND)
        return [SlotSet("topic", TOPIC)]
    if len(found) > 1:
        buttons = [{"title": j.display, "payload": question_for(j)} for j in found]
        dispatcher.utter_message(response="utter_lookup_ambiguous", buttons=buttons)
        return [SlotSet("topic", TOPIC)]
    jc = found[0]
    common = {"name": jc.display, "source": SOURCE, "stand": STAND, "note": jc.note}
    if not jc.municipal:
        dispatcher.utter_message(response="utter_lookup_joint", partner=PARTNER[jc.kind], **common)
    elif jc.admission_year:
        dispatcher.utter_message(
            response="utter_lookup_municipal_since", land=jc.bundesland, year=jc.admission_year, **common
        )
    else:
        dispatcher.utter_message(response="utter_lookup_municipal", land=jc.bundesland, **common)
    return [SlotSet("topic", TOPIC)]


def answer_land(dispatcher: CollectingDispatcher, land: str) -> list[dict[str, Any]]:
    municipal = DIRECTORY.municipal_in(land)
    if not municipal:
        dispatcher.utter_message(response="utter_land_none", land=land, source=SOURCE, stand=STAND)
    else:
        names = ", ".join(j.display for j in municipal)
        dispatcher.utter_message(
            response="utter_land_municipal", land=land, count=str(len(municipal)), names=names, source=SOURCE,
            stand=STAND,
        )  # fmt: skip
    return [SlotSet("topic", LAND_TOPIC)]


class ActionLookupJobcenter(Action):
    def name(self) -> str:
        return "action_lookup_jobcenter"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        text = tracker.latest_message.get("text") or ""
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        land = DIRECTORY.find_land(text)
        if intent == "ask_municipal_by_land":
            if land:
                return answer_land(dispatcher, land)
            dispatcher.utter_message(response="utter_land_unknown")
            return []
        return answer_jobcenter(dispatcher, text)

"""The one custom action: sends the reply that knowledge.routing.route() decides.

Thin on purpose: it reads the NLU result and the slots "topic" and "language" from the tracker
(the language was decided before the NLU by the pipeline's language step, pipeline/steps.py),
asks the routing for the reply and turns it into a dispatcher call and slot events; Rasa's NLG
renders the reply in that language (engine/nlg.py). Imports only rasa_sdk, base and knowledge.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from base.languages import GERMAN, SUPPORTED
from knowledge.routing import Parse, route


class ActionReply(Action):
    def name(self) -> str:
        return "action_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        language = tracker.get_slot("language")
        parse = Parse.from_nlu(tracker.latest_message)
        reply = route(parse, tracker.get_slot("topic"), knowledge.load(), language if language in SUPPORTED else GERMAN)
        dispatcher.utter_message(response=reply.response, buttons=reply.buttons, **reply.values)
        return [SlotSet(name, value) for name, value in reply.slots.items()]

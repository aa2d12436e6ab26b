"""The one custom action: sends the reply that knowledge.routing.route() decides.

Thin on purpose: it reads the NLU result and the slot "topic" from the tracker, asks the routing,
and turns the reply into a dispatcher call and slot events. Imports only rasa_sdk and knowledge.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from knowledge.routing import Parse, route


class ActionReply(Action):
    def name(self) -> str:
        return "action_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        reply = route(Parse.from_nlu(tracker.latest_message), tracker.get_slot("topic"), knowledge.load())
        dispatcher.utter_message(response=reply.response, buttons=reply.buttons, **reply.values)
        return [SlotSet(name, value) for name, value in reply.slots.items()]

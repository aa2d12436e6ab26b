"""The one custom action: sends the reply that knowledge.routing.route() decides.

Thin on purpose: it reads the NLU result and the slots "topic" and "language" from the tracker,
asks pipeline.language for the conversation's language (and a note when it has just changed) and
the routing for the reply, and turns both into dispatcher calls and slot events. Imports only rasa_sdk and knowledge.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

import knowledge
from knowledge.routing import Parse, route
from pipeline.language import turn


class ActionReply(Action):
    def name(self) -> str:
        return "action_reply"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        metadata = tracker.latest_message.get("metadata") or {}
        now = turn(
            tracker.latest_message.get("text") or "",
            tracker.get_slot("language"),
            chosen=metadata.get("language"),
            platform=metadata.get("platform_language"),
        )
        if now.note:  # every response is chosen in this turn's language (engine/nlg.py)
            dispatcher.utter_message(response=now.note, language=now.language)
        parse = Parse.from_nlu(tracker.latest_message)
        reply = route(parse, tracker.get_slot("topic"), knowledge.load(), now.language)
        dispatcher.utter_message(response=reply.response, buttons=reply.buttons, language=now.language, **reply.values)
        slots = {**reply.slots, **({"language": now.language} if now.changed else {})}
        return [SlotSet(name, value) for name, value in slots.items()]

"""Rasa's response generator, with the conversation's language of this very turn (issue 16).

Rasa fills a response from the tracker as it was before the action ran, so a ``language`` slot
that ``action_reply`` sets in the same turn would not yet choose the response's variation
(``condition: [{type: slot, name: language, value: en}]``). The action passes the turn's language
with every response (``language=...``, knowledge/language.py); this generator takes it as the
slot's value for choosing the variation. Configured in endpoints.yml as ``nlg: type:
runtime.nlg.LanguageNLG`` (Rasa's extension point for generators); everything else is Rasa's.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from knowledge.language import SUPPORTED


class LanguageNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None, **_: Any) -> None:
        super().__init__(domain.responses if domain else {})

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        slots = tracker.current_slot_values()
        language = kwargs.get("language")
        if isinstance(language, str) and language in SUPPORTED:
            slots = {**slots, "language": language}
        return self.generate_from_slots(utter_action, slots, output_channel, **kwargs)

"""Rasa's response generator, with the answers of every language (issue 16).

The domain holds each response in German. ``LanguageNLG`` adds, for each language of
translations/<code>.yml, the translated text (and buttons) as one more variation of the response
with the condition ``language == <code>`` (Rasa's conditional response variations) and takes the
German variations' metadata along (``feedback: false`` and the like). A response without a
translation keeps its German text.

Rasa fills a response from the tracker as it was before the action ran, so a ``language`` slot
that ``action_reply`` sets in the same turn would not yet choose the variation. The action passes
the turn's language with every response (``language=...``, pipeline/language.py); this generator
takes it as the slot's value. Configured in endpoints.yml as ``nlg: type:
engine.nlg.LanguageNLG`` (Rasa's extension point for generators); everything else is Rasa's.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from base.languages import SUPPORTED
from knowledge.translations import Translation, load_translations

SLOT = "language"


def with_translations(
    responses: dict[str, list[dict[str, Any]]], translations: dict[str, Translation]
) -> dict[str, list[dict[str, Any]]]:
    """Every response with one variation per translated language (condition on the slot)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, variations in responses.items():
        metadata = next((v["metadata"] for v in variations if v.get("metadata")), None)
        added = []
        for code, translation in sorted(translations.items()):
            variation = translation.variation(name)
            if variation is None:
                continue
            variation["condition"] = [{"type": "slot", "name": SLOT, "value": code}]
            if metadata:
                variation["metadata"] = metadata
            added.append(variation)
        out[name] = [*variations, *added]
    return out


class LanguageNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None, **_: Any) -> None:
        super().__init__(domain.responses if domain else {})

    # Rasa's Agent sets ``nlg.responses = domain.responses`` once the model is loaded
    # (rasa/core/agent.py, load_model): the translations are added whenever responses are set.
    @property
    def responses(self) -> dict[str, list[dict[str, Any]]]:
        return self._responses

    @responses.setter
    def responses(self, value: dict[str, list[dict[str, Any]]]) -> None:
        self._responses = with_translations(value or {}, load_translations())

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        slots = tracker.current_slot_values()
        language = kwargs.get("language")
        if isinstance(language, str) and language in SUPPORTED:
            slots = {**slots, SLOT: language}
        return self.generate_from_slots(utter_action, slots, output_channel, **kwargs)

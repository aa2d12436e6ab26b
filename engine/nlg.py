"""Rasa's response generator: every response rendered by pipeline/render.py in the conversation's
language (the slot ``language``, decided by the pipeline's language step and recorded right after
the message is logged: pipeline/steps.py), the action's values filling its placeholders.

Configured in endpoints.yml as ``nlg: type: engine.nlg.LanguageNLG`` (Rasa's extension point for
generators). It is loaded whenever Rasa loads a model with these endpoints, so it is also where a
Rasa started without the pipeline (a plain ``rasa run``) is refused: the input gate cannot be
skipped (engine/changes.py ``require_installed``).
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from engine.changes import require_installed
from pipeline.render import render

SLOT = "language"


class LanguageNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Domain | None = None, **_: Any) -> None:
        require_installed()
        super().__init__(domain.responses if domain else {})

    async def generate(
        self, utter_action: str, tracker: DialogueStateTracker, output_channel: str, **kwargs: Any
    ) -> dict[str, Any] | None:
        slots = tracker.current_slot_values()
        return render(utter_action, slots.get(SLOT), {**slots, **kwargs})

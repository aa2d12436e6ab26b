"""What the pipeline's steps (pipeline/steps.py) need of Rasa, done with Rasa's MessageProcessor.

``RasaConversation`` is the ``Conversation`` of one message: it reads the tracker, logs the parsed
message, runs Rasa's prediction loop (policies, the action server, the NLG) and saves the tracker,
the same calls in the same order as Rasa 3.6's own ``MessageProcessor.handle_message``
(rasa/core/processor.py), which engine/changes.py replaces with ``handle_message`` below, but for
Rasa's branch for an NLU-only model (this project always trains the dialogue too). The
version and every attribute used are checked at start-up (engine/changes.py ``PROCESSOR_PARTS``).
"""

from __future__ import annotations

import time
from typing import Any

from base.languages import SUPPORTED
from engine import metrics_hooks
from pipeline.steps import StoreUnavailable, Turn, handle

STORED_EVENT = "user_stored"  # socket.io: a question as stored, to the widget before any reply
LANGUAGE_SLOT = "language"


class RasaConversation:
    def __init__(self, processor: Any, message: Any) -> None:
        self.processor, self.message = processor, message

    async def show_stored(self, turn: Turn) -> None:
        """Every question, changed or not, before any reply: the widget shows and keeps a question
        only as stored, never as typed, and a reply cannot tell it which question it answers. Its
        own event: clients reading bot_uttered get replies only."""
        out = self.message.output_channel
        if out is not None and out.name() == "socketio":
            await out.sio.emit(STORED_EVENT, {"text": turn.text, "session": turn.sender}, room=turn.sender)

    async def send(self, turn: Turn, message: dict[str, Any]) -> None:
        out = self.message.output_channel
        if out is not None:
            await out.send_response(turn.sender, message)

    async def read(self, turn: Turn) -> Any:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return await self.processor.fetch_tracker_and_update_session(
                turn.sender, self.message.output_channel, turn.metadata
            )
        except SQLAlchemyError as error:  # the tracker store's database is down or restarting
            raise StoreUnavailable(type(error).__name__) from error

    def language_of(self, conversation: Any) -> str | None:
        value = conversation.get_slot(LANGUAGE_SLOT)
        return value if value in SUPPORTED else None

    async def understand(self, turn: Turn) -> None:
        from rasa.shared.core.events import SlotSet

        self.message.text, self.message.metadata = turn.text, turn.metadata
        tracker = turn.conversation
        await self.processor._handle_message_with_tracker(self.message, tracker)  # parse, then UserUttered
        if turn.language_changed:  # after the message: the report reads a turn's language from it
            tracker.update(SlotSet(LANGUAGE_SLOT, turn.language), self.processor.domain)

    async def answer(self, turn: Turn) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        out = self.message.output_channel
        try:
            turn.conversation = await self.processor.run_action_extract_slots(out, turn.conversation)
            await self.processor._run_prediction_loop(out, turn.conversation)
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error

    async def store(self, turn: Turn) -> None:
        from sqlalchemy.exc import SQLAlchemyError

        await self.processor.run_anonymization_pipeline(turn.conversation)
        try:
            await self.processor.save_tracker(turn.conversation)
        except SQLAlchemyError as error:
            raise StoreUnavailable(type(error).__name__) from error


async def handle_message(processor: Any, message: Any) -> list[dict[str, Any]] | None:
    """Rasa's ``MessageProcessor.handle_message``: the message through the pipeline's steps."""
    from rasa.core.channels.channel import CollectingOutputChannel

    started = time.perf_counter()
    turn = Turn(sender=str(message.sender_id), text=message.text, metadata=getattr(message, "metadata", None))
    metrics_hooks.start_turn()
    await handle(turn, RasaConversation(processor, message))
    metrics_hooks.count_message(getattr(message, "input_channel", None), turn, started)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None

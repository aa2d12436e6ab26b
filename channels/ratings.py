"""The "Hilfreich?" rating buttons of the messengers (Telegram, Facebook), stated once: an answer
that may be rated goes out with the two rating buttons of pipeline/feedback.py (``offer``) after its
own buttons. Each messenger only lays them out (an inline keyboard row, quick replies)."""

from __future__ import annotations

from typing import Any

from pipeline import feedback


class RatedOutput:
    """A messenger's output channel, listed before Rasa's output class in the bases; the messenger
    implements ``send_text`` (a text without buttons) and ``send_with_buttons`` (a text with its
    buttons and the rating buttons, which may be none)."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        if feedback.offer(kwargs):  # an answer that may be rated: with the two rating buttons
            kwargs.pop("buttons", None)  # Rasa passes the response's empty buttons along
            await self.send_text_with_buttons(recipient_id, text, [], **kwargs)
            return
        await self.send_text(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self.send_with_buttons(recipient_id, text, buttons, feedback.offer(kwargs))

    async def send_text(self, recipient_id: str, text: str) -> None:
        raise NotImplementedError

    async def send_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], rating: list[dict[str, str]]
    ) -> None:
        raise NotImplementedError

"""The channels without servers: which messengers are configured, Telegram's limits, the REST
input checks."""

from __future__ import annotations

from channels.config import effective
from channels.telegram import callback_data, split_text
from runtime.paths import ROOT


# ---- unit: configuration and limits -------------------------------------------------------------
def test_no_messenger_without_its_variables() -> None:
    text, enabled = effective((ROOT / "credentials.yml").read_text(encoding="utf-8"), {})
    assert enabled == [] and "telegram" not in text and "facebook" not in text and "CheckedSocketIOInput:" in text


def test_channel_needs_all_its_variables() -> None:
    env = {"TELEGRAM_ACCESS_TOKEN": "x", "TELEGRAM_BOT_NAME": "b", "TELEGRAM_WEBHOOK_URL": "https://h/w"}
    _, enabled = effective((ROOT / "credentials.yml").read_text(encoding="utf-8"), env)
    assert enabled == []  # TELEGRAM_SECRET_TOKEN missing
    _, enabled = effective(
        (ROOT / "credentials.yml").read_text(encoding="utf-8"), {**env, "TELEGRAM_SECRET_TOKEN": "s"}
    )
    assert enabled == ["SecureTelegramInput"]


def test_long_text_is_split_within_the_limit() -> None:
    parts = split_text(("Wort " * 2000).strip(), 4096)
    assert len(parts) == 3 and all(len(p) <= 4096 for p in parts)
    assert " ".join(parts).split() == ["Wort"] * 2000


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("Wie viele kommunale Jobcenter gibt es?", 0) == "Wie viele kommunale Jobcenter gibt es?"
    long = "Wie viele Menschen vermitteln die kommunalen Jobcenter pro Jahr in Arbeit?"
    assert callback_data(long, 2) == "#2"


def test_widget_replies_go_out_whole_and_tagged() -> None:
    """Rasa's socket.io output split an answer at blank lines and said neither its conversation nor
    its response: the widget could neither drop late answers nor rate one (issue 14)."""
    import asyncio
    from typing import Any

    from channels.socketio import WidgetOutput

    class Sio:
        def __init__(self) -> None:
            self.sent: list[tuple[Any, dict[str, Any]]] = []

        async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
            self.sent.append((data, kwargs))

    sio = Sio()
    out = WidgetOutput(sio, "bot_uttered")

    async def send() -> None:
        await out.send_response("s1", {"text": "Eins.\n\nZwei.", "utter_action": "utter_faq/x"})
        await out.send_response(
            "s1",
            {
                "text": "Hallo",
                "buttons": [{"title": "T", "payload": "P"}],
                "utter_action": "utter_greet",
                "metadata": {"feedback": False},
            },  # fmt: skip
        )
        await out.send_response("s1", {"text": "Notiz"})
        await out.send_custom_json("s1", {"data": {"redacted_user_text": "[E-Mail]"}})

    asyncio.run(send())
    messages = [data for data, _ in sio.sent]
    assert messages[0] == {"text": "Eins.\n\nZwei.", "session": "s1", "answer": "utter_faq/x"}
    assert messages[1] == {"text": "Hallo", "session": "s1",
                           "quick_replies": [{"content_type": "text", "title": "T", "payload": "P"}]}  # fmt: skip
    assert messages[2] == {"text": "Notiz", "session": "s1"}
    assert messages[3] == {"redacted_user_text": "[E-Mail]", "session": "s1"}
    assert all(kwargs.get("room") == "s1" for _, kwargs in sio.sent)

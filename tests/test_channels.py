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

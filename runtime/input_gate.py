"""The input gate: every message of every channel passes here before Rasa parses, logs or stores it.

The order: a message over ``MAX_INPUT_CHARS`` is cut first (nothing else ever sees more, the
tokenizer included), with a polite note; control characters are dropped; personal data is
replaced (runtime/pii.py) and the citizen is told so; a leading "/" is dropped, so no message
can name an intent or entities itself (Rasa reads "/intent{...}" as a command; the bot offers no
such buttons: its buttons send questions); an empty message gets a short request to type a
question. Every message of every channel passes, "/"-messages included. Of the metadata only a
language code is kept (``kept_metadata``). Installed into Rasa by runtime/rasa_changes.py.
"""

from __future__ import annotations

import os
import re

from knowledge.language import metadata_language
from runtime.pii import redact

MAX_INPUT_CHARS = int(os.environ.get("MAX_INPUT_CHARS", "1000"))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


def clean_input(text: str) -> tuple[str, list[str]]:
    """The text Rasa may see, and the notes (response names) the citizen gets about it."""
    notes = []
    if len(text) > MAX_INPUT_CHARS:
        text = text[:MAX_INPUT_CHARS]
        notes.append("utter_message_too_long")
    text = CONTROL.sub("", text).strip()
    text, found = redact(text)
    if found:
        notes.append("utter_personal_data_removed")
    text = text.lstrip("/").strip()  # "/greet{...}" is text, never a command
    if not text:
        notes.append("utter_empty_message")
    return text, notes


def kept_metadata(metadata: object, keys: tuple[str, ...] = ("language", "platform_language")) -> dict[str, str] | None:
    """Of a message's metadata only what the bot needs and what is never personal: the language
    chosen in the widget or sent over REST / socket.io (``language``) and the messenger's user
    language (``platform_language``), each a supported code. Everything else is dropped (it would
    be stored unredacted). The REST and socket.io channels pass on only ``language``."""
    if not isinstance(metadata, dict):
        return None
    kept = {k: metadata_language(metadata.get(k)) for k in keys}
    return {k: v for k, v in kept.items() if v} or None

"""The input gate: every message of every channel passes here before Rasa parses, logs or stores it.

The order: a message over ``MAX_INPUT_CHARS`` is cut first (nothing else ever sees more, the
tokenizer included), with a polite note, and a number the cut broke off is dropped whole (no
fragment of an IBAN or phone number survives the cut); control characters are dropped; the text is
normalised and personal data replaced (runtime/pii.py: invisible characters, other scripts'
digits, lone surrogates) and the citizen is told so; a leading "/" is dropped, so no message
can name an intent or entities itself (Rasa reads "/intent{...}" as a command; the bot offers no
such buttons: its buttons send questions); an empty message gets a short request to type a
question. Every message of every channel passes, "/"-messages included. Of the metadata only a
language code is kept (``kept_metadata``). Installed into Rasa by runtime/rasa_changes.py.
"""

from __future__ import annotations

import os
import re

from knowledge.language import metadata_language
from runtime.pii import normalise, redact

MAX_INPUT_CHARS = int(os.environ.get("MAX_INPUT_CHARS", "1000"))
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
# What the cut may leave of a number: the last token with a digit and the separators after it.
BROKEN_NUMBER = re.compile(r"\S*\d[\d\s.,_/()+\-\u2010-\u2015\u2212]*$")


def cut(text: str, limit: int) -> tuple[str, bool]:
    """At most ``limit`` characters of the normalised text, and whether it cut; when it cut, a
    number at the cut goes whole. The raw text is cut at twice the limit first (invisible
    characters dropped by normalising may make it shorter, so that cut counts too)."""
    was_cut = len(text) > 2 * limit
    text = normalise(text[: 2 * limit])
    if len(text) > limit:
        text, was_cut = text[:limit], True
    return (BROKEN_NUMBER.sub("", text), True) if was_cut else (text, False)


def clean_input(text: str) -> tuple[str, list[str]]:
    """The text Rasa may see, and the notes (response names) the citizen gets about it."""
    notes = []
    text, was_cut = cut(text, MAX_INPUT_CHARS)
    if was_cut:
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

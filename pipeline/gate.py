"""The input gate: every message of every channel passes here before Rasa parses, logs or stores it.

The order: a message is read up to twice ``MAX_INPUT_CHARS`` (nothing ever sees more), control
characters are dropped, the text is normalised and personal data replaced (pipeline/pii.py:
invisible characters, other scripts' digits, lone surrogates) and the citizen is told so; only
then is it cut to ``MAX_INPUT_CHARS`` (the tokenizer never sees more), with a polite note, so a
datum the cut runs through is already a placeholder; the cut also drops its last word and a
number broken off at its end (no fragment survives the cut). A leading "/" is dropped, so no
message can name an intent or entities itself (Rasa reads "/intent{...}" as a command; the bot
offers no such buttons: its buttons send questions); an empty message gets a short request to
type a question. Every message of every channel passes, "/"-messages included. Of the metadata
only a language code is kept (``kept_metadata``). Run by the gate step of pipeline/steps.py.
"""

from __future__ import annotations

import os
import re

from base import metrics
from pipeline.language import metadata_language
from pipeline.pii import redact

MAX_INPUT_CHARS = int(os.environ.get("MAX_INPUT_CHARS", "1000"))
# C0 controls and line/paragraph separators; format characters and C1 controls go in normalise()
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")
# What the cut may leave of personal data: the last word (half an e-mail address or an ID), then
# the last token with a digit and the separators after it (the rest of a number split by spaces).
LAST_WORD = re.compile(r"(?<!\S)\S{1,100}$")  # a longer "word" is no personal datum: it stays cut
BROKEN_NUMBER = re.compile(r"\S*\d[\d\s.,_/()+\-\u2010-\u2015\u2212]*$")


def cut(text: str, limit: int) -> str:
    """The text cut to ``limit`` characters, without its last word (up to 100 characters: half an
    e-mail address, a placeholder) and without a number broken off at its end."""
    text = LAST_WORD.sub("", text[:limit].rstrip())
    return BROKEN_NUMBER.sub("", text.rstrip())


def clean_input(text: str) -> tuple[str, list[str]]:
    """The text Rasa may see, and the notes (response names) the citizen gets about it."""
    notes = []
    window = 2 * MAX_INPUT_CHARS  # normalising may drop characters (invisible ones): read more
    read_only_part = len(text) > window
    text, found = redact(CONTROL.sub("", text[:window]))
    metrics.redacted(found)
    text = text.strip()
    if len(text) > MAX_INPUT_CHARS or read_only_part:
        text = cut(text, MAX_INPUT_CHARS)
        notes.append("utter_message_too_long")
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
    be stored unredacted). The channels pass the metadata on as received; only this function filters it."""
    if not isinstance(metadata, dict):
        return None
    kept = {k: metadata_language(metadata.get(k)) for k in keys}
    return {k: v for k, v in kept.items() if v} or None

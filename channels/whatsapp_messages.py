"""The WhatsApp Cloud API's formats, as plain functions (no Rasa, no network): the webhook's
signature, the citizen's messages in a webhook body, and the replies within the platform's limits.

Limits (Cloud API, "Messages" reference): a text message holds 4,096 characters; an interactive
message's body 1,024; at most 3 reply buttons with titles of 20 characters; a list message at most
10 rows, each with a title of 24 and a description of 72 characters, and the list's button 20;
a reply button's id 256 characters, a row's id 200.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_REPLY_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID = 3, 20, 256
MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_DESCRIPTION, MAX_ROW_ID = 10, 24, 72, 200
# What Meta sends as ``hub.challenge`` (a number); anything else is refused, never echoed.
CHALLENGE = re.compile(r"[A-Za-z0-9_.-]{1,128}")
UNSUPPORTED = "unsupported"
# The list message's button ("Optionen"), per language; German for any other.
LIST_BUTTON = {"de": "Auswahl", "de-x-ls": "Auswahl", "en": "Options", "uk": "Варіанти", "ar": "الخيارات",
               "tr": "Seçenekler", "ru": "Варианты"}  # fmt: skip
# The answer to a picture, a voice message, a location, a sticker or a reaction.
ONLY_TEXT = {
    "de": "Ich kann leider nur Textnachrichten lesen. Bitte schreiben Sie Ihre Frage als Text.",
    "de-x-ls": "Ich kann nur Text lesen. Bitte schreiben Sie Ihre Frage.",
    "en": "Sorry, I can only read text messages. Please type your question.",
    "uk": "На жаль, я можу читати лише текстові повідомлення. Будь ласка, напишіть своє запитання.",
    "ar": "عذرًا، لا يمكنني قراءة سوى الرسائل النصية. يرجى كتابة سؤالك.",
    "tr": "Maalesef yalnızca metin mesajlarını okuyabiliyorum. Lütfen sorunuzu yazın.",
    "ru": "К сожалению, я могу читать только текстовые сообщения. Пожалуйста, напишите свой вопрос.",
}


def signed(secret: str, body: bytes, header: str) -> bool:
    """``header`` is ``sha256=<HMAC-SHA256 of body with secret>`` (constant-time compare); any
    other algorithm, a missing or malformed header is refused."""
    prefix, _, signature = header.partition("=")
    if prefix.strip() != "sha256" or not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


@dataclass(frozen=True)
class Inbound:
    """One citizen's message: the WhatsApp message id, the sender (a phone number: kept only for
    the reply), and the text (a tapped button's id), or ``UNSUPPORTED`` as ``kind``."""

    message_id: str
    sender: str
    kind: str  # "text", "interactive", "button" or UNSUPPORTED
    text: str


def inbound(body: Any, phone_number_id: str) -> list[Inbound]:
    """The messages of a webhook body sent to ``phone_number_id`` (statuses and other fields skipped)."""
    found: list[Inbound] = []
    for entry in listed(body, "entry"):
        for change in listed(entry, "changes"):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            metadata = value.get("metadata")
            number = str(metadata.get("phone_number_id") or "") if isinstance(metadata, dict) else ""
            if phone_number_id and number and number != phone_number_id:
                continue  # another number of the business account
            for message in listed(value, "messages"):
                parsed = one_message(message)
                if parsed is not None:
                    found.append(parsed)
    return found


def listed(container: Any, key: str) -> list[dict[str, Any]]:
    """The dicts in the list ``container[key]`` (a webhook body is read defensively: never a 500)."""
    items = container.get(key) if isinstance(container, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def part(container: dict[str, Any], key: str) -> dict[str, Any]:
    value = container.get(key)
    return value if isinstance(value, dict) else {}


def one_message(message: dict[str, Any]) -> Inbound | None:
    if not message.get("id") or not message.get("from"):
        return None
    kind = str(message.get("type") or "")
    text = ""
    if kind == "text":
        text = str(part(message, "text").get("body") or "")
    elif kind == "interactive":
        interactive = part(message, "interactive")
        reply = part(interactive, "button_reply") or part(interactive, "list_reply")
        text = str(reply.get("id") or reply.get("title") or "")
    elif kind == "button":  # a template's quick reply
        button = part(message, "button")
        text = str(button.get("payload") or button.get("text") or "")
    if not text.strip():
        kind = UNSUPPORTED
    return Inbound(str(message["id"]), str(message["from"]), kind, text)


def shorten(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut at a word's end (with "…"), never inside a word
    (a single word longer than the limit is the only exception)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)  # the "…" takes the place of the space
    head = text[:cut] if cut > 0 else text[: limit - 1]
    return head.rstrip(" ,;:-–") + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """``text`` in messages of at most ``limit`` characters: whole paragraphs where they fit,
    a longer paragraph cut at spaces (never inside a word that fits)."""
    parts: list[str] = []
    current = ""
    for paragraph in text.strip().split("\n\n"):
        while len(paragraph) > limit:
            cut = paragraph.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(paragraph[:cut].rstrip())
            paragraph = paragraph[cut:].lstrip()
        if not paragraph:
            continue
        if current and len(current) + 2 + len(paragraph) <= limit:
            current += "\n\n" + paragraph
        else:
            if current:
                parts.append(current)
            current = paragraph
    if current:
        parts.append(current)
    return parts


def with_body(text: str) -> tuple[list[str], str]:
    """A text with buttons: the messages sent before (4,096 each) and the interactive message's
    body (1,024), cut at a paragraph's or a word's end."""
    parts = split_text(text) or [""]
    last = parts.pop()
    if len(last) > MAX_BODY:
        start = len(last) - MAX_BODY
        cut = last.find("\n\n", start)
        cut = cut if cut >= 0 else last.find(" ", start)
        cut = cut if cut >= 0 else start
        parts.append(last[:cut].rstrip())
        last = last[cut:].strip()
    return parts, last


def text_message(to: str, text: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"preview_url": False, "body": text}}  # fmt: skip


def choice_id(button: dict[str, Any], limit: int) -> str:
    """What a tapped button sends back: its payload, or its title when the payload is too long."""
    payload = str(button.get("payload") or button.get("title") or "")
    return payload if len(payload) <= limit else str(button.get("title") or "")[:limit]


def interactive(to: str, body: str, choices: list[dict[str, Any]], language: str = "de") -> dict[str, Any]:
    """Up to 3 choices with short titles as reply buttons, else a list (at most 10 rows: the last
    ones, the rating, are kept; the first ones beyond are dropped). A row's title is cut at a word's
    end; the full title is then its description."""
    unique: list[dict[str, Any]] = []
    for choice in choices:
        if choice_id(choice, MAX_ROW_ID) not in {choice_id(c, MAX_ROW_ID) for c in unique}:
            unique.append(choice)
    short = all(len(str(c.get("title") or "")) <= MAX_BUTTON_TITLE for c in unique)
    if len(unique) <= MAX_REPLY_BUTTONS and short:
        buttons = [{"type": "reply", "reply": {"id": choice_id(c, MAX_BUTTON_ID), "title": str(c["title"])}}
                   for c in unique]  # fmt: skip
        action: dict[str, Any] = {"buttons": buttons}
        kind = "button"
    else:
        rows = []
        for choice in unique[-MAX_ROWS:] if len(unique) > MAX_ROWS else unique:
            title = " ".join(str(choice.get("title") or "").split())
            row = {"id": choice_id(choice, MAX_ROW_ID), "title": shorten(title, MAX_ROW_TITLE)}
            if row["title"] != title:
                row["description"] = shorten(title, MAX_ROW_DESCRIPTION)
            rows.append(row)
        label = LIST_BUTTON.get(language, LIST_BUTTON["de"])
        action = {"button": label, "sections": [{"rows": rows}]}
        kind = "list"
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "interactive",
            "interactive": {"type": kind, "body": {"text": body or "…"}, "action": action}}  # fmt: skip


def keep_rating(buttons: list[dict[str, Any]], rating: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The choices of one reply: the answer's buttons (as many as fit beside the rating), then the rating."""
    return [*buttons[: MAX_ROWS - len(rating)], *rating]


def graph_error(data: Any) -> tuple[int | None, str]:
    """The Graph API's error code and its type (never its message: it may quote the text)."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return None, ""
    code = str(error.get("code"))
    return (int(code) if code.isdigit() else None), str(error.get("type") or "")

"""Sentences of an answer, for the Leichte Sprache measure (issue 16: on average at most 10 words
per sentence), used by the tests (translations, REST) and by ``make bench``."""

from __future__ import annotations

import re

MAX_AVERAGE_WORDS = 10


def sentences(text: str) -> list[str]:
    """Sentences of a text; a source line ("Quelle: ...") counts as one, an address in brackets
    and the campaign's name ("Stark. Sozial. Vor Ort.") are no sentences of their own."""
    text = re.sub(r"\([^)]*https?://[^)]*\)", "", text)
    text = text.replace("Stark. Sozial. Vor Ort.", "Stark-Sozial-Vor-Ort")
    parts = re.split(r"(?<=[.!?:])\s+(?=[A-ZÄÖÜ„\"0-9])", " ".join(text.split()))
    return [p for p in parts if re.search(r"\w", p)]


def average_words(texts: list[str]) -> float:
    counts = [len(s.split()) for text in texts for s in sentences(text)]
    return sum(counts) / len(counts)

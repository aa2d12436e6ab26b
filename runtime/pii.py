"""Personal data a citizen should not have typed, removed from a message before Rasa sees it.

Covered: IBAN, e-mail address, phone number, date (of birth), BG-Nummer (Bedarfsgemeinschaft)
and Kundennummer. Not covered (see docs/privacy.md): names, street addresses, free-text health
information, numbers written out in words.
"""

from __future__ import annotations

import re

# Order matters: the specific patterns before the general phone pattern.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("IBAN", re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.I)),
    ("E-Mail", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("BG-Nummer", re.compile(r"\b\d{5}\s?BG\s?\d{7}\b", re.I)),
    ("Kundennummer", re.compile(r"\b\d{3}[A-Z]\d{6}\b", re.I)),
    ("Datum", re.compile(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:19|20)\d{2}\b")),
    ("Telefonnummer", re.compile(r"(?<![\w.])(?:\+|00)?\d[\d ()/-]{6,}\d\b")),
]


def redact(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced by "[Art]", and the kinds found."""
    found: list[str] = []
    for kind, pattern in PATTERNS:
        text, n = pattern.subn(f"[{kind}]", text)
        if n:
            found.append(kind)
    return text, found

"""Personal data a citizen should not have typed, removed from a message before Rasa sees it.

Covered (each replaced by "[Art]"):
- IBAN with any separator (spaces, no-break or narrow spaces, hyphens, dots), checked with
  python-stdnum, or a German IBAN shape (DE + 20 digits) with a typo in its check digits;
- e-mail addresses, also written "name(at)domain.de", "name [at] domain [dot] de";
- phone numbers in German and international formats, found and checked by phonenumbers (so
  "2026-2027", "104 Jobcenter" or "§ 6a SGB II" stay);
- Steuer-ID (11 digits, checksum by python-stdnum), Sozialversicherungsnummer, Personalausweis
  number (9 characters with digits), BG-Nummer and Kundennummer of the Jobcenter (also with
  hyphens or spaces);
- dates: numeric (12.03.1985, 12.3.85, 1985-03-12) and in words ("12. März 1985") except the
  years the bot speaks about itself (2005-2030, e.g. "1. Januar 2012");
- a name after "ich heiße", "mein Name ist", "Name:"; street addresses with a house number.

Not covered (docs/privacy.md): names without such a lead-in, free-text health or family
information, numbers written out in words, addresses without a street word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.de import idnr

SPACES = "\u00a0\u202f\u2007\u2009"  # no-break, narrow no-break, figure and thin space
SEP = rf"[\s{SPACES}.\-/]?"
MONTHS = (
    "januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember"
    "|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez"
)
OWN_YEARS = range(2005, 2031)  # years of the bot's own topics: "seit dem 1. Januar 2012" stays
STREET = r"(?i:stra(?:ß|ss)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|chaussee|steig|pfad|markt)"
AT = r"[(\[{]\s?(?:at|ät)\s?[)\]}]"  # "(at)", "[at]", "{at}"
DOT = r"[(\[{]\s?(?:dot|punkt)\s?[)\]}]"
NAME_WORD = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
NAMES = rf"(?-i:{NAME_WORD})(?:\s(?-i:{NAME_WORD})){{0,2}}"  # one to three capitalised words
WORDS = r"(?:[A-ZÄÖÜ][\wäöüß]*[\s-])+"  # "Am ", "Paul-Gerhardt-"

Finder = Callable[[str], list[tuple[int, int]]]


def regex(pattern: str, flags: int = re.I, check: Callable[[re.Match[str]], bool] | None = None) -> Finder:
    compiled = re.compile(pattern, flags)

    def find(text: str) -> list[tuple[int, int]]:
        group = "pii" if "pii" in compiled.groupindex else 0  # (?P<pii>...): only that part
        return [m.span(group) for m in compiled.finditer(text) if check is None or check(m)]

    return find


def compact(value: str) -> str:
    return re.sub(rf"[\s{SPACES}.\-/]", "", value).upper()


def iban_ok(m: re.Match[str]) -> bool:
    value = compact(m.group(0))
    return bool(stdnum_iban.is_valid(value)) or bool(re.fullmatch(r"DE\d{20}", value))


def phones(text: str) -> list[tuple[int, int]]:
    plain = re.sub(rf"[{SPACES}]", " ", text)  # same length: offsets stay
    matcher = phonenumbers.PhoneNumberMatcher(plain, "DE", leniency=phonenumbers.Leniency.VALID)
    return [(m.start, m.end) for m in matcher]


def tax_id_ok(m: re.Match[str]) -> bool:
    return bool(idnr.is_valid(compact(m.group(0))))


def written_date_ok(m: re.Match[str]) -> bool:
    year = int(m.group("year"))
    year = year + (1900 if year > 30 else 2000) if year < 100 else year
    return year not in OWN_YEARS


# Order matters: specific kinds first; a later kind never sees what an earlier one replaced.
KINDS: list[tuple[str, Finder]] = [
    ("IBAN", regex(rf"\b[A-Z]{{2}}\d{{2}}(?:{SEP}[A-Z0-9]){{11,30}}\b", check=iban_ok)),
    ("E-Mail", regex(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("E-Mail", regex(rf"\b[\w.+-]+\s?{AT}\s?[\w-]+(?:\s?(?:{DOT}|\.)\s?[\w-]+)+\b")),
    ("BG-Nummer", regex(rf"\b\d{{5}}{SEP}\s?BG{SEP}\s?\d{{7}}\b")),
    ("Kundennummer", regex(rf"\b\d{{3}}{SEP}[A-Z]{SEP}\d{{6}}\b")),
    ("Sozialversicherungsnummer", regex(rf"\b\d{{2}}{SEP}\d{{6}}{SEP}[A-Z]{SEP}\d{{3}}\b")),
    ("Steuer-ID", regex(rf"\b\d{{2}}{SEP}\d{{3}}{SEP}\d{{3}}{SEP}\d{{3}}\b", check=tax_id_ok)),
    ("Ausweisnummer", regex(r"\b(?=(?:[A-Z]*\d){2})[CFGHJKLMNPRTVWXYZ][CFGHJKLMNPRTVWXYZ0-9]{8}\b", flags=0)),
    ("Datum", regex(r"\b\d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})\b")),
    ("Datum", regex(r"\b(?:19|20)\d{2}-\d{2}-\d{2}\b")),
    ("Datum", regex(rf"\b\d{{1,2}}\.?\s?(?:{MONTHS})\.?\s(?P<year>\d{{4}}|\d{{2}})\b", check=written_date_ok)),
    ("Telefonnummer", phones),
    ("Name", regex(rf"\b(?:ich hei(?:ß|ss)e|mein name ist|name:)\s+(?P<pii>{NAMES})")),
    ("Adresse", regex(rf"\b(?:[A-ZÄÖÜ][\wäöüß-]*{STREET}|{WORDS}{STREET})\s?\d{{1,4}}\s?[a-z]?\b", flags=0)),
]


def redact(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced by "[Art]", and the kinds found."""
    found: list[str] = []
    for kind, find in KINDS:
        spans = find(text)
        if not spans:
            continue
        for start, end in sorted(spans, reverse=True):
            text = text[:start] + f"[{kind}]" + text[end:]
        if kind not in found:
            found.append(kind)
    return text, found

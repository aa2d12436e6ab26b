"""Personal data a citizen should not have typed, removed from a message before Rasa sees it.

First the text is normalised (``normalise``): Unicode NFKC (fullwidth letters and digits, "＠",
compatibility forms), every decimal digit of any script to ASCII ("٤" -> "4"), every space to " ",
format and other invisible characters dropped (word joiner, soft hyphen, zero-width and direction
marks, combining grapheme joiner, variation selectors) and a lone surrogate replaced by U+FFFD.
Rasa sees the normalised text. Number finders also read a "skeleton" of the same length in which
Cyrillic and Greek letters that look like Latin ones are Latin ("DЕ89" with a Cyrillic "Е").

Covered (each replaced by "[Art]"):
- IBAN, found by its structure: country code, two check digits, then exactly the country's BBAN
  (python-stdnum's IBAN registry: for DE 20 digits), with up to three separators between any two
  characters (spaces, dots, commas, "_", "/", dashes), never running into the following word; the
  checksum is not needed (a mistyped IBAN is still the citizen's); a shape that misses its country's
  length (a digit too many or too few) still goes when ten or more digits follow the check digits;
- e-mail addresses, also "name(at)domain.de", "name [at] domain [dot] de", "anna @ example.de",
  and spelled out in the bot's languages ("max.mustermann at gmx dot de", "собака", "точка", ...);
- phone numbers in German and international formats, found and checked by phonenumbers (so
  "2026-2027", "104 Jobcenter" or "§ 6a SGB II" stay);
- Steuer-ID (11 digits, checksum by python-stdnum, any separators), Sozialversicherungsnummer,
  Personalausweis number (9 characters with digits), BG-Nummer and Kundennummer of the Jobcenter;
- dates: numeric with ".", "/" or "-" (12.03.1985, 12/03/1985, 12-03-85, 1985-03-12) when day and
  month are possible and no version number is meant ("Version 3.6.21" stays), and in words
  ("12. März 1985") except the years the bot speaks about itself (2005-2030, e.g. "1. Januar 2012");
- a name after a cue in each of the bot's languages ("ich heiße", "my name is", "меня зовут",
  "мене звати", "اسمي", "benim adım", ...), in any case, up to three words, stopping at a word
  such as "und" or "dich" that is no name; street addresses with a house number.

Not covered (docs/privacy.md): names without such a cue, free-text health or family information,
numbers written out in words, addresses without a street word, IBANs without country code.

The patterns and word lists, ``normalise`` and ``skeleton`` are in pipeline/pii_patterns.py; here
the finders that use them, in order (``KINDS``), and ``redact``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import phonenumbers
from stdnum.de import idnr

from pipeline.pii_patterns import (
    BETWEEN_WORDS,
    DAY_IN_WORDS,
    DAY_MONTH_YEAR,
    DIGITS,
    DOT_WORDS,
    EMAIL_SYMBOL,
    EMAIL_WORDS,
    IBAN_DB,
    IBAN_START,
    ID_CARD,
    INITIAL_OR_TITLE,
    ISO_DATE,
    MIN_LOOSE_DIGITS,
    MONTH_FIRST,
    NAME_AFTER_CUE,
    NAME_WORD,
    NOT_IN_A_NUMBER,
    OWN_YEARS,
    SEP,
    SEPARATORS,
    STOP_WORDS,
    STREET_NUMBER,
    STREET_OF,
    SV_NUMBER,
    VERSION_BEFORE,
    normalise,
    skeleton,
)

# ---- finders ------------------------------------------------------------------------------------
Finder = Callable[[str], list[tuple[int, int]]]
Check = Callable[[re.Match[str]], bool]


def regex(
    pattern: str, flags: int = re.I, check: Check | None = None, on_skeleton: bool = False, both: bool = False
) -> Finder:
    """``on_skeleton``: search the skeleton; ``both``: the text and the skeleton (e-mail: "собака"
    is a cue as typed, "mах.mustеrmаnn" a disguise)."""
    compiled = re.compile(pattern, flags)
    group = "pii" if "pii" in compiled.groupindex else 0  # (?P<pii>...): only that part

    def find(text: str) -> list[tuple[int, int]]:
        targets = [text, skeleton(text)] if both else [skeleton(text)] if on_skeleton else [text]
        return [m.span(group) for t in targets for m in compiled.finditer(t) if check is None or check(m)]

    return find


def compact(value: str) -> str:
    return re.sub(SEP, "", value).upper()


@cache
def bban_pattern(country: str) -> re.Pattern[str] | None:
    """The BBAN of ``country`` as one character class per position, or None for no IBAN country."""
    structure = IBAN_DB.info(country)[0][1].get("bban")
    if not structure:
        return None
    kinds = {"n": "[0-9]", "a": "[A-Z]", "c": "[A-Z0-9]"}
    parts = re.findall(r"(\d+)!([nac])", structure)
    return re.compile("".join(kinds[kind] * int(count) for count, kind in parts))


def ibans(text: str) -> list[tuple[int, int]]:
    view = skeleton(text)
    spans: list[tuple[int, int]] = []
    position = 0
    while match := IBAN_START.search(view, position):
        end = iban_end(view, match)
        if end is None:
            position = match.start() + 1
            continue
        spans.append((match.start(), end))
        position = end
    return spans


def iban_end(view: str, start: re.Match[str]) -> int | None:
    """Where the IBAN that begins with ``start`` ends: after exactly its country's BBAN, or after the
    run of digits that follows (loose shape); None when it is no IBAN."""
    pattern = bban_pattern((start.group(1) + start.group(2)).upper())
    length = pattern.pattern.count("[") if pattern else 30  # no registry country: loose shape only
    chars: list[str] = []
    ends: list[int] = []  # the end offset after each BBAN character
    i = start.end()
    while len(chars) < length + 1:
        j = i
        while j < len(view) and not view[j].isalnum() and j - i < 3:  # "|", "·", a combining accent
            j += 1
        if j >= len(view) or not view[j].isalnum() or not view[j].isascii():
            break
        chars.append(view[j].upper())
        ends.append(j + 1)
        i = j + 1
    if pattern and len(chars) >= length and pattern.fullmatch("".join(chars[:length])):
        end = ends[length - 1]
        while end < len(view) and view[end].isdigit():  # a number glued to it is part of it
            end += 1
        return end
    digits = 0
    for char in chars:  # loose: the digits that follow, a mistyped length
        if not char.isdigit():
            break
        digits += 1
    if digits >= (MIN_LOOSE_DIGITS if pattern else MIN_LOOSE_DIGITS + 4):
        end = ends[digits - 1]
        while end < len(view) and (
            view[end].isdigit() or (view[end] in SEPARATORS and view[end + 1 : end + 2].isdigit())
        ):
            end += 1
        return end
    return None


def spelled_email_ok(m: re.Match[str]) -> bool:
    """ "max.mustermann at gmx dot de" yes, "look at jobcenter.de" no: the local part has a dot,
    digit or "_", or the dot is spelled out."""
    local, rest = m.group("local"), m.group("rest")
    return bool(re.search(rf"[._\d+]|\s(?:{DOT_WORDS})\s", local)) or not re.fullmatch(r"(?:\.[\w\-]+)+", rest)


def phones(text: str) -> list[tuple[int, int]]:
    """phonenumbers on a view with letters and line breaks as spaces ("Tel015112345678bitte",
    "0151\\n12345678"), every number of a possible length (a mistyped one is still the citizen's),
    but only dialled with a leading 0, 00 or + and of seven digits or more ("337000 Einwohner" is a
    count, not a local number)."""
    view = NOT_IN_A_NUMBER.sub(" ", text)
    matcher = phonenumbers.PhoneNumberMatcher(view, "DE", leniency=phonenumbers.Leniency.POSSIBLE)
    return [
        (m.start, m.end)
        for m in matcher
        if re.match(r"[(\s]*[0+]", m.raw_string) and len(re.sub(r"\D", "", m.raw_string)) >= 7
    ]


def alone(m: re.Match[str]) -> bool:
    """No digit just before or after the match, separators aside: not a piece of a longer number."""
    before, after = m.string[max(0, m.start() - 4) : m.start()], m.string[m.end() : m.end() + 4]
    return not re.search(rf"\d{SEP}$", before) and not re.match(rf"{SEP}\d", after)


def tax_id_ok(m: re.Match[str]) -> bool:
    return alone(m) and bool(idnr.is_valid(compact(m.group(0))))


def numeric_date_ok(m: re.Match[str]) -> bool:
    """A possible day and month, and no version number ("Version 3.6.21", "v3.6.21", "1.3.6.21"):
    a four-digit year is always a date."""
    first, second = int(m.group("a")), int(m.group("b"))
    possible = (1 <= first <= 31 and 1 <= second <= 12) or (1 <= first <= 12 and 1 <= second <= 31)
    if not possible:
        return False
    if re.search(r"\d{4}$", m.group(0)):
        return True
    before, after = m.string[max(0, m.start() - 10) : m.start()], m.string[m.end() : m.end() + 2]
    return not VERSION_BEFORE.search(before) and not re.match(r"\.\d", after)


def iso_date_ok(m: re.Match[str]) -> bool:
    """1985-03-12, not "Haushaltsjahre 2012-13-14"."""
    return 1 <= int(m.group("b")) <= 12 and 1 <= int(m.group("a")) <= 31


def written_date_ok(m: re.Match[str]) -> bool:
    year = int(m.group("year"))
    year = year + (1900 if year > 30 else 2000) if year < 100 else year
    return year not in OWN_YEARS


def names(text: str) -> list[tuple[int, int]]:
    spans = []
    for cue in NAME_AFTER_CUE.finditer(text):
        if re.fullmatch(r"(?i)(?:first |last |full |vor|nach)?name", cue.group(0).rstrip(" \t\n")):
            continue  # a bare "Name" without ":" is a word, not a cue
        position, start, end = cue.end(), cue.end(), None
        for _ in range(3):
            word = NAME_WORD.match(text, position)
            if word is None or word.group(0).lower() in STOP_WORDS:
                break
            end = word.end()
            if len(word.group(0)) <= 4 and (dot := INITIAL_OR_TITLE.match(text, end)):
                end = dot.end()
            gap = BETWEEN_WORDS.match(text, end)
            if gap is None:
                break
            position = gap.end()
        if end is not None:
            spans.append((start, end))
    return spans


# Order matters: specific kinds first; a later kind never sees what an earlier one replaced.
KINDS: list[tuple[str, Finder]] = [
    ("IBAN", ibans),
    ("E-Mail", regex(EMAIL_SYMBOL, both=True)),
    ("E-Mail", regex(EMAIL_WORDS, check=spelled_email_ok, both=True)),
    ("BG-Nummer", regex(DIGITS.format(rf"\d{{5}}{SEP}BG{SEP}\d(?:{SEP}\d){{6}}"), on_skeleton=True)),
    ("Kundennummer", regex(DIGITS.format(rf"\d{{3}}{SEP}[A-Z]{SEP}\d(?:{SEP}\d){{5}}"), on_skeleton=True)),
    ("Sozialversicherungsnummer", regex(DIGITS.format(SV_NUMBER), on_skeleton=True)),
    ("Steuer-ID", regex(DIGITS.format(rf"\d(?:{SEP}\d){{10}}"), check=tax_id_ok)),
    ("Ausweisnummer", regex(ID_CARD, on_skeleton=True)),
    ("Datum", regex(DIGITS.format(r"(?P<a>\d{1,2})\.\s?(?P<b>\d{1,2})\.\s?(?:\d{4}|\d{2})"), check=numeric_date_ok)),
    ("Datum", regex(DIGITS.format(DAY_MONTH_YEAR), check=numeric_date_ok)),
    ("Datum", regex(r"(?<![\d.])(?P<a>\d{1,2}) (?P<b>\d{1,2}) (?:19|20)\d{2}(?!\d)", check=numeric_date_ok)),
    ("Datum", regex(DIGITS.format(ISO_DATE), check=iso_date_ok)),
    ("Datum", regex(DIGITS.format(DAY_IN_WORDS), check=written_date_ok)),
    ("Datum", regex(MONTH_FIRST, check=written_date_ok)),
    ("Telefonnummer", phones),
    ("Name", names),
    ("Adresse", regex(STREET_NUMBER, flags=0)),
    ("Adresse", regex(STREET_OF, flags=0)),
]


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans as one, in order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def redact(text: str) -> tuple[str, list[str]]:
    """The normalised text with personal data replaced by "[Art]", and the kinds found."""
    text = normalise(text)
    found: list[str] = []
    for kind, find in KINDS:
        spans = merged(find(text))
        if not spans:
            continue
        for start, end in reversed(spans):
            text = text[:start] + f"[{kind}]" + text[end:]
        if kind not in found:
            found.append(kind)
    return text, found

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
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache

import phonenumbers
from stdnum import numdb
from stdnum.de import idnr

# ---- normalisation ------------------------------------------------------------------------------
IGNORABLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, *range(0x180B, 0x1810),
             *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}  # fmt: skip


class _Fold(dict[int, str | None]):
    """``str.translate`` table, filled on first sight of each character."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        category = unicodedata.category(char)
        value: str | None = char
        if category in ("Cf", "Cc") or code in IGNORABLE:
            value = None  # invisible (C1 controls too): dropped
        elif category == "Cs":
            value = "\ufffd"  # a lone surrogate: no valid character
        elif category == "Nd":
            value = str(unicodedata.decimal(char))
        elif category == "Zs":
            value = " "
        self[code] = value
        return value


FOLD = _Fold()


def normalise(text: str) -> str:
    """NFKC, ASCII digits and spaces, no invisible characters, no lone surrogates."""
    if text.isascii():
        return text
    text = text.translate(FOLD)  # surrogates first: NFKC keeps them, the tokenizer chokes on them
    return unicodedata.normalize("NFKC", text).translate(FOLD)


# Letters that look like Latin ones (Cyrillic, Greek), for the number finders' skeleton.
LOOKALIKES = str.maketrans(
    "АВЕКМНОРСТХІЈЅаеорсхујіѕԁΑΒΕΖΗΙΚΜΝΟΡΤΥΧοκνρτυχ",
    "ABEKMHOPCTXIJSaeopcxyjisdABEZHIKMNOPTYXoknptux",
)


def skeleton(text: str) -> str:
    return text.translate(LOOKALIKES)


# ---- finders ------------------------------------------------------------------------------------
Finder = Callable[[str], list[tuple[int, int]]]
Check = Callable[[re.Match[str]], bool]

DASH_CHARS = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"
DASHES = re.escape(DASH_CHARS)  # for a character class
SEPARATORS = f" \t\n\r._,/{DASH_CHARS}"
SEP = f"[{re.escape(SEPARATORS)}]{{0,3}}"  # between the characters of a number: "DE89 3704", "65 - 929"
MONTHS = (
    "januar|februar|märz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember"
    "|jan|feb|mär|apr|jun|jul|aug|sep|sept|okt|nov|dez"
    "|marz|january|february|march|may|june|july|october|december|mar|oct|dec"
    "|января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
    "|січня|лютого|березня|квітня|травня|червня|липня|серпня|вересня|жовтня|листопада|грудня"
    "|ocak|şubat|mart|nisan|mayıs|haziran|temmuz|ağustos|eylül|ekim|kasım|aralık"
    "|يناير|فبراير|مارس|أبريل|ابريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر"
)
OWN_YEARS = range(2005, 2031)  # years of the bot's own topics: "seit dem 1. Januar 2012" stays
STREET = r"(?i:stra(?:ß|ss)e|str\.?|weg|gasse|platz|allee|ring|damm|chaussee|steig|pfad|markt)"
WORDS = r"(?:[A-ZÄÖÜ][\wäöüß]*[\s-])+"  # "Am ", "Paul-Gerhardt-"
# a house number, not a quantity: "Arbeitsweg 30 km", "Verkäufer 20 Stunden", "Arbeitsmarkt 4.0"
UNITS = (
    r"km|m|kilometer|meter|stunden|std|h|euro|eur|€|%|prozent|jahre|jahren|monate|monaten|wochen|tage|tagen"
    r"|minuten|min|uhr|mal|personen|menschen|leute|jobcenter"
)
HOUSE_NUMBER = rf"\s?(?i:nr\.?\s?)?\d{{1,3}}(?:\s?[a-zA-Z](?!\w))?(?!\w|[.,]\d|\s?(?i:{UNITS})(?!\w))"


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


# IBAN: the BBAN of each country as python-stdnum's registry gives it ("8!n10!n" for DE).
IBAN_DB = numdb.get("iban")
IBAN_START = re.compile(r"([A-Za-z])" + SEP + r"([A-Za-z])" + SEP + r"(\d)" + SEP + r"(\d)")
MIN_LOOSE_DIGITS = 10  # a shape without its country's length still goes from this many digits on
# (14 for a country code not in the registry, "SY00 ...")


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


# E-mail: "@" in any of its spellings, or an "at" word with a domain after it.
LOCAL = r"[\w+\-]+(?:\s?[.。]\s?[\w+\-]+)*"  # "erika.musterfrau", "erika . musterfrau"
DOMAIN_PART = r"[\w\-]+"
AT_BRACKETED = r"[(\[{<]\s?(?:at|ät|@)\s?[)\]}>]"
DOT_BRACKETED = r"[(\[{<]\s?(?:dot|punkt|\.)\s?[)\]}>]"
AT_WORDS = r"at|ät|et|собака|равлик|ات|آت"
DOT_WORDS = r"dot|punkt|точка|крапка|nokta|نقطة"
DOT_ANY = rf"(?:[.。]|\s[.。]\s|\s?{DOT_BRACKETED}\s?|\s(?:{DOT_WORDS})\s)"  # "org. Ist" is no dot
LOCAL_SPELLED = rf"[\w+\-]+(?:{DOT_ANY}[\w+\-]+)*"  # "erika punkt musterfrau"
# With "@" a domain without its ending goes too ("erika@gmx", "erika@gmx,de").
EMAIL_SYMBOL = (
    rf"(?<![\w.+\-]){LOCAL}\s{{0,2}}(?:@|{AT_BRACKETED})\s{{0,2}}{DOMAIN_PART}"
    rf"(?:(?:{DOT_ANY}|,(?!\s)){DOMAIN_PART})*"
)
EMAIL_WORDS = (
    rf"(?<![\w.+\-])(?P<local>{LOCAL_SPELLED})\s(?:{AT_WORDS})\s{DOMAIN_PART}"
    rf"(?P<rest>(?:{DOT_ANY}{DOMAIN_PART})+)"
)


def spelled_email_ok(m: re.Match[str]) -> bool:
    """ "max.mustermann at gmx dot de" yes, "look at jobcenter.de" no: the local part has a dot,
    digit or "_", or the dot is spelled out."""
    local, rest = m.group("local"), m.group("rest")
    return bool(re.search(rf"[._\d+]|\s(?:{DOT_WORDS})\s", local)) or not re.fullmatch(r"(?:\.[\w\-]+)+", rest)


NOT_IN_A_NUMBER = re.compile(r"[^\W\d_]|[\t\n\r]")


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


VERSION_BEFORE = re.compile(
    r"(?:\b(?:version|release|update|rasa|python|spacy|ver\.?|abschnitt|kapitel|rz\.?|randnummer|randziffer"
    r"|ziffer|nr\.?|punkt|weisung|section|chapter)\s?|\bv|\d\.)$",
    re.I,
)


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


# Names: the cue in each language, then up to three words that are not in STOP_WORDS.
NAME_CUES = (
    r"ich hei(?:ß|ss|s)e|mein (?:vollständiger |ganzer |richtiger |voller )?(?:vor|nach)?name (?:ist|lautet)"
    r"|(?:vor|nach)?name"
    r"|my (?:first |last |full )?name is|my name's|i am called|i'm called|(?:first |last |full )?name"
    r"|мене (?:звати|звуть)|моє (?:[іi]м['’ʼ`]?я|прізвище)|(?:[іi]м['’ʼ`]?я|прізвище)(?=\s?:)"
    r"|меня зовут|мо[её] (?:имя|фамилия)|моя фамилия|(?:имя|фамилия)(?=\s?:)"
    r"|(?:ana |أنا |انا )?[اإ]سمي(?: هو| هي)?"
    r"|benim ad[ıi]m|(?:benim )?ismim|soyad[ıi]m|(?:^|(?<=[.!?,;] ))ad[ıi]m"
)
STOP_TEXT = (
    # de
    "und oder aber ich bin habe hätte möchte würde wie was wo wann warum wer wieso ist sind war der die das"
    " dem den des ein eine einen einem dich sie ihr ihnen egal nicht kein keine willkommen auch so hier jetzt"
    " bitte danke frage komme wohne aus in im bei mit von zu für an am falsch richtig geändert geschrieben"
    " anders"
    # en
    " and or but i am have how what where when why who is are was the a an not no please thanks thank from"
    " live in at with to my i'm question you it this that spelled misspelled wrong changed different"
    " incorrect"
    # uk, ru
    " і й та а але я мені як що де коли чому хто не з із в у живу будь дякую питання це змінилося змінилось"
    " неправильно написане помилка"
    " и но мне как что где когда почему кто из живу пожалуйста спасибо вопрос это изменилось изменилась"
    " неправильно написано ошибка"
    # tr
    " ve ama nasıl ne nerede neden değil lütfen teşekkürler teşekkür soru bir bu değişti yanlış doğru"
    " yazılmış adım"
    # ar
    " و في من انا أنا هل ما كيف أين متى لماذا لا سؤال هو هي مكتوب خطأ تغير"
)
STOP_WORDS = frozenset(STOP_TEXT.split())
# "(?<!\w)": not inside a word ("Benutzername:", "باسمي"); a bare "Name" / "имя" only before ":"
NAME_AFTER_CUE = re.compile(rf"(?<!\w)(?:{NAME_CUES})(?:\s*[:\-–]\s*|\s+)", re.I)
MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670"  # combining accents, Arabic vowel signs
LETTER = rf"(?:[^\W\d_]|[{MARKS}])"
NAME_WORD = re.compile(rf"[^\W\d_]{LETTER}*(?:['’ʼ\-][^\W\d_]{LETTER}*)*")
INITIAL_OR_TITLE = re.compile(r"\.(?=\s)")  # "M. Mustermann", "Dr. Ahmad Karimi"
BETWEEN_WORDS = re.compile(r"[ \t\n]+|,[ \t]+(?=[A-ZÄÖÜ])")  # "Erika  Musterfrau", "Mustermann, Max"


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


ID_LETTERS = "CFGHJKLMNPRTVWXYZ"  # the letters of a German identity card number
YEAR = r"(?:\d{4}|\d{2})"
DIGITS = r"(?<!\d){}(?!\d)"  # a number with no digit glued before or after ("12.03.1985г.")
SV_NUMBER = rf"\d{{2}}{SEP}\d(?:{SEP}\d){{5}}{SEP}[A-Z]{SEP}\d(?:{SEP}\d){{2}}"
ID_CARD = rf"(?<![A-Za-z0-9])(?=(?:[A-Z]*\d){{2}})[{ID_LETTERS}][{ID_LETTERS}0-9]{{8}}\d?(?![A-Za-z0-9])"
DAY_MONTH_YEAR = rf"(?P<a>\d{{1,2}})\s?([/{DASHES}])\s?(?P<b>\d{{1,2}})\s?\2\s?{YEAR}"
ISO_DATE = r"(?:19|20)\d{2}\s?([/\-.])\s?(?P<b>[01]?\d)\s?\1\s?(?P<a>[0-3]?\d)"
DAY_IN_WORDS = rf"\d{{1,2}}(?:\.|st|nd|rd|th)?\s?(?:of\s)?(?:{MONTHS})\.?,?\s?(?P<year>\d{{4}}|\d{{2}})"
MONTH_FIRST = rf"\b(?:{MONTHS})\.?\s\d{{1,2}}(?:st|nd|rd|th)?,?\s(?P<year>\d{{4}})(?!\d)"
STREET_NUMBER = (
    rf"(?<!\w)(?:[A-ZÄÖÜ][\wäöüß-]*{STREET}|[a-zäöü][\wäöüß-]*(?i:stra(?:ß|ss)e|str\.?|gasse|allee)"
    rf"|{WORDS}{STREET}){HOUSE_NUMBER}"
)
STREET_OF = (  # "Straße der Einheit 12"
    rf"\b(?:Stra(?:ß|ss)e|Str\.?|Platz|Weg|Allee|Ring|Markt) (?:der|des|am|an der|zum|zur|vom) [A-ZÄÖÜ][\wäöüß-]*"
    rf"{HOUSE_NUMBER}"
)

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

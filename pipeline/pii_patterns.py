"""The tables and patterns of pipeline/pii.py, and the normalisation its finders search on.

``normalise`` folds a message to one form (NFKC, ASCII digits and spaces, no invisible characters);
``skeleton`` turns Cyrillic and Greek lookalike letters into Latin ones for the number finders. The
rest are the regular expressions and word lists the finders of pipeline/pii.py combine: separators
inside numbers, months in the bot's languages, street words, e-mail spellings, name cues and the
words that end a name, identity numbers and dates. What each kind covers is described there.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import numdb

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


# ---- patterns and word lists of the finders ------------------------------------------------------
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

# IBAN: the BBAN of each country as python-stdnum's registry gives it ("8!n10!n" for DE).
IBAN_DB = numdb.get("iban")
IBAN_START = re.compile(r"([A-Za-z])" + SEP + r"([A-Za-z])" + SEP + r"(\d)" + SEP + r"(\d)")
MIN_LOOSE_DIGITS = 10  # a shape without its country's length still goes from this many digits on
# (14 for a country code not in the registry, "SY00 ...")

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

NOT_IN_A_NUMBER = re.compile(r"[^\W\d_]|[\t\n\r]")

VERSION_BEFORE = re.compile(
    r"(?:\b(?:version|release|update|rasa|python|spacy|ver\.?|abschnitt|kapitel|rz\.?|randnummer|randziffer"
    r"|ziffer|nr\.?|punkt|weisung|section|chapter)\s?|\bv|\d\.)$",
    re.I,
)

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

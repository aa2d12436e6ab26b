"""Figures with value, unit, Stand and source, read from ``data/facts.yml``.

Wording lives in domain/ and translations/; this module turns each figure into text (Babel:
German, de_DE, or the conversation's language) and hands ``{<id>}``, ``{<id>_stand}`` and
``{<id>_source}`` to the responses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from base.languages import LOCALES
from knowledge.directory import JobcenterDirectory
from knowledge.files import read_yaml

LOCALE = "de_DE"
# The Babel locale of each language of a conversation (base/languages.py).
UNITS = {"count", "people", "share", "percent", "date", "date_range", "month"}


@dataclass(frozen=True)
class Figure:
    key: str
    value: Any
    unit: str
    stand: Any  # a date or a text ("2018")
    source_title: str
    source_url: str | None
    qualifier: str = ""
    text: str = ""

    def formatted(self, locale: str = LOCALE, words: dict[str, str] | None = None, date_format: str = "long") -> str:
        """The value as text in ``locale``; ``words``: this figure's ``qualifier`` / ``text`` in
        the language of ``locale`` (translations/<code>.yml ``figures``), German by default;
        ``date_format``: Babel's pattern for a date. Millions and months are written out in every
        language ("22 Millionen", "22 million", not "22 Mio." or "22M"; "November", not "Nov")."""
        words = words or {}
        text = words.get("text", self.text) if self.text else ""
        if text:
            return text
        value = self.value
        if self.unit == "count":
            out = format_decimal(value, locale=locale)
        elif self.unit == "people":
            out = (
                format_compact_decimal(value, format_type="long", locale=locale, fraction_digits=1)
                if value >= 1_000_000
                else format_decimal(value, locale=locale)
            )
        elif self.unit in ("share", "percent"):
            # the locale's own pattern with one decimal: "25,7 %", "25.7%", Turkish "%25,7"
            pattern = Locale.parse(locale).percent_formats[None].pattern.replace("#,##0", "#,##0.0", 1)
            out = format_percent(value, format=pattern, locale=locale)
        elif self.unit == "date":
            out = format_date(value, format=date_format, locale=locale)
        elif self.unit == "month":
            out = format_date(value, format="LLLL y", locale=locale)
        else:  # date_range: "26. und 27. November 2018", "26–27 November 2018"
            start, end = value
            last = format_date(end, format=date_format, locale=locale)
            if (start.year, start.month) != (end.year, end.month):
                out = f"{format_date(start, format=date_format, locale=locale)} – {last}"
            elif locale == LOCALE and (end - start).days == 1:
                out = f"{start.day}. und {last}"
            elif locale == LOCALE:
                out = f"{start.day}.–{last}"
            else:  # CLDR's interval formats abbreviate the month in several languages ("26–27 Nov 2018")
                out = f"{start.day}–{last}"
        qualifier = words.get("qualifier", self.qualifier) if self.qualifier else ""
        if "{value}" in qualifier:  # a language that puts it after the number: "{value}'den fazla"
            return qualifier.replace("{value}", out)
        return f"{qualifier} {out}" if qualifier else out

    def stand_text(self, locale: str = LOCALE, date_format: str = "long") -> str:
        if isinstance(self.stand, dt.date):
            return format_date(self.stand, format=date_format, locale=locale)
        return str(self.stand)

    def source(self) -> str:
        return f"{self.source_title} ({self.source_url})" if self.source_url else self.source_title


class Facts:
    """All figures of the facts file, validated when loaded."""

    def __init__(self, figures: dict[str, Figure], links: dict[str, str]) -> None:
        self.figures = figures
        self.links = links

    @classmethod
    def load(cls, path: Path, directory: JobcenterDirectory) -> Facts:
        raw = read_yaml(path)
        sources = raw.get("sources") or {}
        figures: dict[str, Figure] = {}
        for key, rec in (raw.get("figures") or {}).items():
            missing = {"unit", "stand", "source"} - set(rec)
            if missing or ("value" not in rec and "computed" not in rec):
                raise ValueError(f"{path}: figure '{key}' lacks {sorted(missing) or ['value']}")
            if rec["unit"] not in UNITS:
                raise ValueError(f"{path}: figure '{key}' has unknown unit '{rec['unit']}'")
            if rec["source"] not in sources:
                raise ValueError(f"{path}: figure '{key}' names unknown source '{rec['source']}'")
            value = rec["value"] if "value" in rec else directory.computed(rec["computed"])
            src = sources[rec["source"]]
            figures[key] = Figure(
                key=key,
                value=value,
                unit=rec["unit"],
                stand=rec["stand"],
                source_title=src["title"],
                source_url=src.get("url"),
                qualifier=rec.get("qualifier", ""),
                text=rec.get("text", ""),
            )
        if not figures:
            raise ValueError(f"{path}: no figures")
        links = {str(k): str(v) for k, v in (raw.get("links") or {}).items()}
        return cls(figures, links)

    def placeholders(
        self, language: str = "de", words: dict[str, dict[str, str]] | None = None, date_format: str = ""
    ) -> dict[str, str]:
        """Every value a response may use: ``{id}``, ``{id_stand}``, ``{id_source}``, figures and
        dates in the conversation's ``language`` (Babel); ``words``: per figure its qualifier /
        text in that language, ``date_format`` its pattern for dates (translations/<code>.yml).
        Sources keep their German titles."""
        locale = LOCALES[language]
        words = words or {}
        date_format = date_format or "long"
        out: dict[str, str] = dict(self.links)
        for key, fig in self.figures.items():
            out[key] = fig.formatted(locale, words.get(key), date_format)
            out[f"{key}_stand"] = fig.stand_text(locale, date_format)
            out[f"{key}_source"] = fig.source()
        return out

    def numbers(self) -> dict[str, int | float]:
        """The figures that are numbers (counts and people), by key: they choose the plural branch
        of a phrase in a translation (knowledge/translations.py ``choose_plurals``)."""
        return {k: f.value for k, f in self.figures.items() if f.unit in ("count", "people")}

"""Figures with value, unit, Stand and source, read from ``data/facts.yml``.

Wording lives in domain/; this module turns each figure into German text (Babel, de_DE)
and hands ``{<id>}``, ``{<id>_stand}`` and ``{<id>_source}`` to the responses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_interval
from babel.numbers import format_compact_decimal, format_decimal, format_percent

from knowledge.directory import JobcenterDirectory
from knowledge.files import read_yaml

LOCALE = "de_DE"
UNITS = {"count", "people", "share", "percent", "date", "date_range", "month"}


@dataclass(frozen=True)
class Figure:
    key: str
    value: Any
    unit: str
    stand: str
    source_title: str
    source_url: str | None
    qualifier: str = ""
    text: str = ""

    def formatted(self) -> str:
        if self.text:
            return self.text
        value = self.value
        if self.unit == "count":
            out = format_decimal(value, locale=LOCALE)
        elif self.unit == "people":
            out = (
                format_compact_decimal(value, format_type="short", locale=LOCALE, fraction_digits=1)
                if value >= 1_000_000
                else format_decimal(value, locale=LOCALE)
            )
        elif self.unit in ("share", "percent"):
            out = format_percent(value, format="#,##0.0 %", locale=LOCALE)
        elif self.unit == "date":
            out = format_date(value, format="long", locale=LOCALE)
        elif self.unit == "month":
            out = format_date(value, format="MMMM y", locale=LOCALE)
        else:  # date_range: "26. und 27. November 2018"
            start, end = value
            if (start.year, start.month) == (end.year, end.month) and (end - start).days == 1:
                out = f"{start.day}. und {format_date(end, format='long', locale=LOCALE)}"
            else:
                out = format_interval(start, end, "yMMMMd", locale=LOCALE)
        return f"{self.qualifier} {out}" if self.qualifier else out

    def source(self) -> str:
        return f"{self.source_title} ({self.source_url})" if self.source_url else self.source_title


def _stand_text(raw: Any) -> str:
    if isinstance(raw, dt.date):
        return format_date(raw, format="long", locale=LOCALE)
    return str(raw)


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
                stand=_stand_text(rec["stand"]),
                source_title=src["title"],
                source_url=src.get("url"),
                qualifier=rec.get("qualifier", ""),
                text=rec.get("text", ""),
            )
        if not figures:
            raise ValueError(f"{path}: no figures")
        links = {str(k): str(v) for k, v in (raw.get("links") or {}).items()}
        return cls(figures, links)

    def placeholders(self) -> dict[str, str]:
        """Every value a response may use: ``{id}``, ``{id_stand}``, ``{id_source}``."""
        out: dict[str, str] = dict(self.links)
        for key, fig in self.figures.items():
            out[key] = fig.formatted()
            out[f"{key}_stand"] = fig.stand
            out[f"{key}_source"] = fig.source()
        return out

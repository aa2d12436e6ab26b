"""The languages of the assistant: the one list of codes, read from ``knowledge/data/languages.yml``
(each entry's ``locale``), so that adding a language edits no code here.

A language lives in 6 data files and 2 code places (README, "Adding a language":
``python -m authoring add-language`` writes the files, ``python -m authoring check`` lists what
is missing).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from base.paths import KNOWLEDGE_DATA

GERMAN, EASY_GERMAN = "de", "de-x-ls"
LANGUAGES_FILE = KNOWLEDGE_DATA / "languages.yml"


def read_locales(path: Path = LANGUAGES_FILE) -> dict[str, str]:
    """Each language with the Babel locale its figures and dates are written in (knowledge/facts.py),
    in the file's order; fails loudly on a missing locale or without German and Leichte Sprache."""
    languages = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("languages") or {}
    locales = {str(code): str((spec or {}).get("locale") or "") for code, spec in languages.items()}
    if [code for code, locale in locales.items() if not locale] or list(locales)[:2] != [GERMAN, EASY_GERMAN]:
        raise ValueError(f"{path}: every language needs a `locale`; the first two are {GERMAN}, {EASY_GERMAN}")
    return locales


LOCALES = read_locales()
SUPPORTED = tuple(LOCALES)

"""Where the project's files are: the one definition for the code, the tests and the benchmark."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "domain"
TRANSLATIONS = ROOT / "translations"
MODEL = ROOT / "models" / "current.tar.gz"
BUILD = ROOT / "build"
SPACY_PIPELINE = BUILD / "spacy_de"
NLU_DATA = ROOT / "data" / "nlu"

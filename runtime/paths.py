"""Where the project's files are: the one definition for the code, the tests and the benchmark."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "domain"
TRANSLATIONS = ROOT / "translations"
MODEL = ROOT / "models" / "current.tar.gz"
BUILD = ROOT / "build"
SPACY_PIPELINE = BUILD / "spacy_de"
NLU_DATA = ROOT / "data" / "nlu"

# The stored conversations (tracker store) and the event broker's copy for the editors' report.
TRACKER_DB = ROOT / "rasa_tracker.db"
EVENTS_DB = ROOT / "rasa_events.db"
EVENTS_DATABASE = "rasa_events"


def events_database_url() -> str:
    """The event broker's PostgreSQL (``make cluster``): ``EVENTS_DATABASE_URL``, else the database
    ``rasa_events`` on the server of ``DATABASE_URL``; "" when neither is set (SQLite)."""
    if os.environ.get("EVENTS_DATABASE_URL"):
        return os.environ["EVENTS_DATABASE_URL"]
    tracker = os.environ.get("DATABASE_URL", "")
    return urlparse(tracker)._replace(path=f"/{EVENTS_DATABASE}").geturl() if tracker else ""

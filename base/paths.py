"""Where the project's files are: the one definition for every layer (code, tests, benchmark).

The ground floor with base/languages.py and base/names.py: imports nothing of the project."""

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
KNOWLEDGE_DATA = ROOT / "knowledge" / "data"
TEST_DATA = ROOT / "tests" / "data"
REPORTS = ROOT / "reports"
BACKUPS = ROOT / "backups"
# `make cluster` on this host: its PostgreSQL's password (mode 0600) and the port it was last
# started on (CLUSTER_DB_PORT, default 5433), so `make report`, `make purge` and `make backup`
# find its database without anyone reading a log.
CLUSTER_HOME = BUILD / "cluster"
CLUSTER_DB_PORT = 5433
# Debian's and Ubuntu's PostgreSQL programs that are not on PATH (initdb, pg_ctl): the newest
# installed version's (15 on Debian 12, 14 on Ubuntu 22.04).
POSTGRES_VERSIONS = Path("/usr/lib/postgresql")

# The event broker's copy of the conversations for the editors' report (SQLite; PostgreSQL database).
EVENTS_DB = ROOT / "rasa_events.db"
EVENTS_DATABASE = "rasa_events"


def events_database_url(tracker_url: str | None = None) -> str:
    """The event broker's PostgreSQL (``make cluster``): ``EVENTS_DATABASE_URL``, else the database
    ``rasa_events`` on the server of ``tracker_url`` (default ``DATABASE_URL``); "" when neither is
    set (SQLite)."""
    if os.environ.get("EVENTS_DATABASE_URL"):
        return os.environ["EVENTS_DATABASE_URL"]
    tracker = tracker_url if tracker_url is not None else os.environ.get("DATABASE_URL", "")
    return urlparse(tracker)._replace(path=f"/{EVENTS_DATABASE}").geturl() if tracker else ""


def local_cluster_database_url(home: Path = CLUSTER_HOME) -> str:
    """The tracker database of the cluster `make cluster` runs on this host ("" when it never
    ran here): its generated password and the port of its last start (``home/postgres-port``)."""
    password, port = home / "postgres-password", home / "postgres-port"
    if not password.is_file():
        return ""
    number = port.read_text(encoding="utf-8").strip() if port.is_file() else ""
    number = number or os.environ.get("CLUSTER_DB_PORT", str(CLUSTER_DB_PORT))
    return f"postgresql://rasa:{password.read_text(encoding='utf-8').strip()}@127.0.0.1:{number}/rasa"


def postgres_program(name: str) -> str:
    """A PostgreSQL program (``pg_ctl``, ``pg_dump``, ...): on PATH, else the newest installed
    version's, else the bare name (its error then names it)."""
    import shutil

    found = shutil.which(name)
    if found:
        return found
    versions = [p for p in POSTGRES_VERSIONS.glob(f"*/bin/{name}") if p.parent.parent.name.isdigit()]
    return str(max(versions, key=lambda p: int(p.parent.parent.name))) if versions else name

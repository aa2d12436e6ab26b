"""Lever switch for `make bench` (issue 15): the production SQLite store, but with Rasa's own ORM
queries for reading a conversation and counting its events, instead of stores/tracker_store.py's plain SQL.

    python -m bench.run --no-train --no-cluster --tracker-store bench.orm_tracker_store.OrmSQLiteTrackerStore
"""

from __future__ import annotations

from rasa.core.tracker_store import SQLTrackerStore

from stores.tracker_store import SQLiteTrackerStore


class OrmSQLiteTrackerStore(SQLiteTrackerStore):
    _retrieve = SQLTrackerStore._retrieve
    save = SQLTrackerStore.save

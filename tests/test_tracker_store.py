"""runtime/tracker_store.py: Rasa's SQL tracker store with pooled SQLite connections and WAL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from runtime.paths import DOMAIN
from runtime.tracker_store import SQLiteTrackerStore


def test_store_keeps_conversations_in_wal_mode(tmp_path: Path) -> None:
    domain = Domain.load(str(DOMAIN))
    db = tmp_path / "tracker.db"
    store = SQLiteTrackerStore(domain, db=str(db))
    tracker = DialogueStateTracker.from_events(
        "citizen", [ActionExecuted("action_listen"), UserUttered("Hallo"), SlotSet("topic", "legal_basis")]
    )
    asyncio.run(store.save(tracker))
    tracker.update(UserUttered("Und weiter?"))
    asyncio.run(store.save(tracker))  # only the new event is added

    again = SQLiteTrackerStore(domain, db=str(db))  # as after a restart
    stored = asyncio.run(again.retrieve("citizen"))
    assert stored is not None
    assert [e.as_dict()["event"] for e in stored.events] == ["action", "user", "slot", "user"]
    assert stored.get_slot("topic") == "legal_basis"
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 4


def test_connections_are_reused(tmp_path: Path) -> None:
    store = SQLiteTrackerStore(None, db=str(tmp_path / "tracker.db"))
    for _ in range(5):
        asyncio.run(store.retrieve("nobody"))
    assert store.engine.pool.checkedout() == 0
    assert store.engine.pool.size() >= 1
    assert type(store.engine.pool).__name__ == "QueuePool"

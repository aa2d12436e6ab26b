"""The input gate and the retention period, without servers: personal data is redacted, long,
empty and control-character input handled, old conversations deleted whole."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from pipeline.gate import clean_input, kept_metadata
from pipeline.pii import redact
from tests.conftest import PII


# ---- unit ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "value"), sorted(PII.items()))
def test_each_kind_of_personal_data_is_redacted(kind: str, value: str) -> None:
    text, found = redact(f"Hallo, hier ist {value}, bitte helfen")
    assert value not in text and kind in found and f"[{kind}]" in text


@pytest.mark.parametrize(
    "text",
    ["Wie viele kommunale Jobcenter gibt es?", "Seit 2012 ist es kommunal", "Stand 1. Januar 2026", "§ 6a SGB II"],
)
def test_questions_without_personal_data_stay_as_they_are(text: str) -> None:
    assert redact(text) == (text, [])


def test_long_empty_and_control_characters() -> None:
    text, notes = clean_input("a" * 10_000)
    assert len(text) == 1000 and notes == ["utter_message_too_long"]
    assert clean_input(" \n\t ") == ("", ["utter_empty_message"])
    assert clean_input("Hal\x00lo\u200b") == ("Hallo", [])


# ---- retention ----------------------------------------------------------------------------------
def test_retention_deletes_old_conversations_whole(tmp_path: Path) -> None:
    from stores.retention import purge

    db = tmp_path / "t.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL, data TEXT)")
        day = 86400
        rows = [("old", 50 * day), ("old", 60 * day), ("new", 60 * day), ("new", 95 * day)]
        con.executemany("INSERT INTO events (sender_id, timestamp, data) VALUES (?, ?, '{}')", rows)
    assert purge(db, days=30, now=100 * day) == 1  # "old" idle for 40 days; "new" active 5 days ago
    with sqlite3.connect(db) as con:
        assert [r[0] for r in con.execute("SELECT DISTINCT sender_id FROM events")] == ["new"]


def test_purge_with_a_concurrent_reader_fails_loudly_then_succeeds(tmp_path: Path) -> None:
    """A reader holding a snapshot kept the WAL journal, with the deleted text, on disk (issue 13)."""
    from stores.retention import PurgeIncomplete, purge

    db = tmp_path / "t.db"
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL, data TEXT)")
        con.execute("INSERT INTO events (sender_id, timestamp, data) VALUES ('old-erika', 1, 'Meine Frage')")
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM events").fetchone()  # an open read snapshot
    try:
        with pytest.raises(PurgeIncomplete):
            purge(db, days=1, now=10 * 86400, wait_s=0.5)
    finally:
        reader.execute("COMMIT")
        reader.close()
    assert purge(db, days=1, now=10 * 86400) == 0  # already deleted; now the journal is emptied
    for path in (db, db.with_name("t.db-wal")):
        assert not path.exists() or b"old-erika" not in path.read_bytes()


# ---- rate limits --------------------------------------------------------------------------------
def test_the_rate_limit_limits_each_key_and_forgets_old_hits() -> None:
    from pipeline.rate_limit import RateLimit

    now = [0.0]
    window = RateLimit(3, seconds=60, clock=lambda: now[0])
    assert [window.allow("a") for _ in range(4)] == [True, True, True, False]
    assert window.allow("b")  # another sender or address has its own count
    now[0] = 61.0
    assert window.allow("a")  # a minute later
    assert all(RateLimit(0).allow("x") for _ in range(1000))  # 0: off


@pytest.mark.parametrize(
    ("metadata", "kept"),
    [
        ({"language": "uk"}, {"language": "uk"}),
        ({"language": "de-x-ls", "name": "Erika Musterfrau"}, {"language": "de-x-ls"}),
        ({"platform_language": "en-US"}, {"platform_language": "en"}),
        ({"platform_language": "pt-br"}, None),
        ({"language": "<script>"}, None),
        ({"language": ["uk"]}, None),
        ({"language": "x" * 100}, None),
        ({"email": "a@b.de"}, None),
        ("uk", None),
        (None, None),
    ],
)
def test_only_a_language_code_is_kept_of_the_metadata(metadata: object, kept: dict | None) -> None:
    assert kept_metadata(metadata) == kept

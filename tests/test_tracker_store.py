"""stores/tracker_store.py: Rasa's SQL tracker store with pooled SQLite connections and WAL."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from base.paths import DOMAIN
from stores.tracker_store import SQLiteTrackerStore


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


def test_plain_sql_reads_and_writes_what_rasas_orm_queries_do(tmp_path: Path) -> None:
    """The same rows, order and session rule as Rasa's SQLTrackerStore (runtime PlainSQLEvents)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted

    domain = Domain.load(str(DOMAIN))
    db = str(tmp_path / "tracker.db")
    ours, rasas = SQLiteTrackerStore(domain, db=db), SQLTrackerStore(domain, dialect="sqlite", db=db)
    first = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
             UserUttered("Hallo"), SlotSet("topic", "legal_basis")]  # fmt: skip
    saved = {}
    for store, sender in ((ours, "ours"), (rasas, "rasas")):
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, first)))
        tracker = asyncio.run(store.retrieve(sender))  # as Rasa does on each message
        assert tracker is not None
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())  # a new session: only its events are read back
        tracker.update(UserUttered("Und weiter?"))
        asyncio.run(store.save(tracker))
        saved[sender] = tracker
    # saved again with nothing new: nothing added (Rasa's own store added the new session's
    # events a second time: it counts the stored events since the latest session start)
    asyncio.run(ours.save(saved["ours"]))
    for sender in ("ours", "rasas"):
        by_ours, by_rasas = asyncio.run(ours.retrieve(sender)), asyncio.run(rasas.retrieve(sender))
        assert by_ours is not None and by_rasas is not None
        assert [e.as_dict() for e in by_ours.events] == [e.as_dict() for e in by_rasas.events]
        assert "Hallo" not in [getattr(e, "text", None) for e in by_ours.events]  # the new session only
        assert "Und weiter?" in [getattr(e, "text", None) for e in by_ours.events]
    with sqlite3.connect(db) as raw:
        rows = raw.execute("SELECT sender_id, type_name, intent_name, action_name FROM events ORDER BY id").fetchall()
    assert [r[1:] for r in rows if r[0] == "ours"] == [r[1:] for r in rows if r[0] == "rasas"]
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_the_event_broker_gets_each_new_event_once_without_a_second_read(tmp_path: Path) -> None:
    """The tracker store hands the events it adds to Rasa's SQL event broker (stores/event_broker.py):
    each the report reads exactly once, in order, in the broker's own file (WAL), as JSON."""
    import json

    from stores.event_broker import ReportEventBroker

    broker = ReportEventBroker(db=str(tmp_path / "events.db"))
    store = SQLiteTrackerStore(Domain.load(str(DOMAIN)), db=str(tmp_path / "tracker.db"), event_broker=broker)
    reads = []
    original = store._retrieve

    async def counted(*args: object) -> object:
        reads.append(args)
        return await original(*args)  # type: ignore[arg-type]

    store._retrieve = counted  # type: ignore[assignment]
    tracker = DialogueStateTracker.from_events("citizen", [ActionExecuted("action_listen"), UserUttered("Hallo")])
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("feedback", {"answer": "utter_faq/x", "helpful": True, "reason": None}))
    asyncio.run(store.save(tracker))
    assert reads == []  # Rasa's stream_events read the whole conversation again on every save
    assert broker.flush()  # the broker's own thread writes what was queued
    with sqlite3.connect(tmp_path / "events.db") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = raw.execute("SELECT sender_id, data FROM events ORDER BY id").fetchall()
    # Rasa's action events are not for the report (stores/event_broker.py for_report)
    assert [(s, json.loads(d)["event"]) for s, d in rows] == [("citizen", "user"), ("citizen", "slot")]
    assert json.loads(rows[1][1])["value"]["helpful"] is True
    asyncio.run(broker.close())


def test_retention_deletes_old_conversations_from_the_event_brokers_file(tmp_path: Path) -> None:
    import json

    from stores.event_broker import ReportEventBroker
    from stores.retention import SQLITE_EVENT_TIME, purge

    db = tmp_path / "events.db"
    broker = ReportEventBroker(db=str(db))
    day = 86400
    broker.publish_many([
        {"sender_id": "old", "event": "user", "timestamp": 10 * day, "text": "alte Frage"},
        {"sender_id": "new", "event": "user", "timestamp": 39 * day, "text": "neue Frage"},
    ])  # fmt: skip
    asyncio.run(broker.close())  # writes what is queued
    assert purge(db, days=30, now=45 * day, time_sql=SQLITE_EVENT_TIME) == 1
    with sqlite3.connect(db) as raw:
        left = [json.loads(d)["sender_id"] for (d,) in raw.execute("SELECT data FROM events")]
    assert left == ["new"]
    assert b"alte Frage" not in db.read_bytes()


def test_the_event_broker_keeps_only_what_the_report_reads() -> None:
    """A tenth of the size: no rankings, token offsets, reply texts or Rasa's internal events."""
    from stores.event_broker import for_report

    user = {"sender_id": "c", "event": "user", "timestamp": 1.0, "text": "Was ist ein kommunales Jobcenter?",
            "input_channel": "rest", "metadata": {"model_id": "m"},
            "parse_data": {"intent": {"name": "faq", "confidence": 0.9, "full_retrieval_intent_name": "faq/x"},
                           "entities": [{"entity": "jobcenter", "value": "Leipzig", "start": 0, "end": 7}],
                           "intent_ranking": [{"name": "faq", "confidence": 0.9}], "text_tokens": [[0, 3]],
                           "response_selector": {"faq": {"ranking": []}}}}  # fmt: skip
    assert for_report(user) == {
        "sender_id": "c", "event": "user", "timestamp": 1.0, "text": "Was ist ein kommunales Jobcenter?",
        "input_channel": "rest",
        "parse_data": {"intent": {"name": "faq", "confidence": 0.9, "full_retrieval_intent_name": "faq/x"},
                       "entities": [{"entity": "jobcenter", "value": "Leipzig"}]},
    }  # fmt: skip
    bot = {"sender_id": "c", "event": "bot", "timestamp": 2.0, "text": "Ein kommunales Jobcenter ...",
           "data": {"buttons": []}, "metadata": {"utter_action": "utter_faq/x", "language": "de"}}  # fmt: skip
    assert for_report(bot) == {"sender_id": "c", "event": "bot", "timestamp": 2.0,
                               "metadata": {"utter_action": "utter_faq/x"}}  # fmt: skip
    slot = {"sender_id": "c", "event": "slot", "timestamp": 3.0, "name": "language", "value": "uk"}
    assert for_report(slot) == slot
    for dropped in ({"event": "slot", "name": "topic", "value": "x"}, {"event": "action", "name": "action_listen"},
                    {"event": "user_featurization"}, {"event": "bot", "text": "ohne Antwortnamen"}):  # fmt: skip
        assert for_report(dropped) is None


def test_the_event_brokers_writer_stores_everything_queued_and_survives_a_failed_write(tmp_path: Path) -> None:
    """Turns from many threads are queued and written in batches; when the database refuses a write
    (here: the table is gone) the writer logs it and goes on; stopping writes what is left."""
    import threading

    from stores.event_broker import ReportEventBroker

    broker = ReportEventBroker(db=str(tmp_path / "events.db"))
    turn = [{"sender_id": "c", "event": "user", "timestamp": 1.0, "text": "Frage", "parse_data": {}}]

    def fifty_turns() -> None:
        for _ in range(50):
            broker.publish_many(turn)

    threads = [threading.Thread(target=fifty_turns) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert broker.flush()
    with broker.engine.begin() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM events").scalar() == 200
        connection.exec_driver_sql("ALTER TABLE events RENAME TO gone")
    broker.publish_many(turn)
    assert broker.flush()  # the failed write did not stop the writer
    with broker.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE gone RENAME TO events")
    broker.publish_many(turn)
    asyncio.run(broker.close())
    with sqlite3.connect(tmp_path / "events.db") as raw:
        assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 201


def test_make_purge_deletes_from_the_tracker_store_and_the_event_brokers_file(tmp_path: Path) -> None:
    """``python -m stores.retention`` (make purge) covers both stores, with the same period."""
    import subprocess
    import sys

    from base.paths import ROOT
    from stores.event_broker import ReportEventBroker

    tracker_db, events_db = tmp_path / "tracker.db", tmp_path / "events.db"
    broker = ReportEventBroker(str(events_db))
    store = SQLiteTrackerStore(Domain.load(str(DOMAIN)), db=str(tracker_db), event_broker=broker)
    tracker = DialogueStateTracker.from_events("old-citizen", [UserUttered("Frage von damals", timestamp=1000.0)])
    asyncio.run(store.save(tracker))
    asyncio.run(broker.close())
    store.engine.dispose()
    command = [sys.executable, "-m", "stores.retention", "--db", str(tracker_db), "--events-db", str(events_db),
               "--reports", str(tmp_path / "reports"), "--backups", str(tmp_path / "backups")]  # fmt: skip
    done = subprocess.run([*command, "--days", "30"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.count("deleted 1 ") == 2, done.stdout
    for db in (tracker_db, events_db):
        with sqlite3.connect(db) as raw:
            assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
        assert b"Frage von damals" not in db.read_bytes()


def _start_broker(path: str, barrier: Any) -> str:
    from stores.event_broker import ReportEventBroker

    barrier.wait()
    try:
        broker = ReportEventBroker(db=path)
    except Exception as error:  # what a Sanic worker would die of
        return f"{type(error).__name__}: {error}"
    broker.publish_many([{"sender_id": "c", "event": "user", "timestamp": 1.0, "text": "Frage"}])
    asyncio.run(broker.close())
    return "ok"


def test_two_workers_starting_at_once_both_get_the_event_broker(tmp_path: Path) -> None:
    """Both Sanic workers open a new events file at the same moment; SQLite answered one of them
    "database is locked" at once when both switched it to WAL, and that worker died at start-up
    (a load test then found one worker). Reproduced 27 of 40 times with two processes."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    with context.Manager() as manager, context.Pool(2) as pool:
        for i in range(12):
            barrier = manager.Barrier(2)
            path = str(tmp_path / f"events-{i}.db")
            assert pool.starmap(_start_broker, [(path, barrier), (path, barrier)]) == ["ok", "ok"]
            with sqlite3.connect(path) as raw:
                assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 2


def _long_conversation(sender: str, turns: int) -> list[Any]:
    """``turns`` messages as Rasa stores them: the language set once at the start, the topic and a
    rating on the way."""
    from rasa.shared.core.events import BotUttered

    events: list[Any] = [ActionExecuted("action_session_start"), ActionExecuted("action_listen")]
    for i in range(turns):
        t = 1000.0 + i
        events += [UserUttered(f"Frage {i}", timestamp=t)]
        if i == 0:
            events += [SlotSet("language", "uk", timestamp=t)]
        events += [
            ActionExecuted("action_reply", timestamp=t),
            BotUttered(f"Antwort {i}", metadata={"utter_action": f"utter_faq/k{i}"}, timestamp=t),
            SlotSet("topic", f"k{i}", timestamp=t),
            ActionExecuted("action_listen", timestamp=t),
        ]
        if i == 3:
            events += [SlotSet("feedback", {"answer": "utter_faq/k3", "helpful": False, "reason": None}, timestamp=t)]
    return events


def test_a_long_conversation_is_read_bounded_and_keeps_what_it_needs(tmp_path: Path) -> None:
    """Issue 27: the 1,000th message reads as many events as the 20th: the latest WINDOW_EVENTS from
    a turn's start and the latest value of every slot set before them (the language of the first
    message, the rating of the fourth answer). Saving adds only the new events; the database keeps
    every event (retention, the report)."""
    from stores.tracker_store import WINDOW_EVENTS

    domain = Domain.load(str(DOMAIN))
    db = tmp_path / "tracker.db"
    store = SQLiteTrackerStore(domain, db=str(db))
    events = _long_conversation("citizen", 1000)
    asyncio.run(store.save(DialogueStateTracker.from_events("citizen", events, domain.slots)))

    tracker = asyncio.run(store.retrieve("citizen"))
    assert tracker is not None
    assert len(tracker.events) <= WINDOW_EVENTS + len(domain.slots)
    assert tracker.get_slot("language") == "uk"  # set with the first message, 6,000 events ago
    assert tracker.get_slot("topic") == "k999"
    assert tracker.get_slot("feedback") == {"answer": "utter_faq/k3", "helpful": False, "reason": None}
    assert tracker.latest_message is not None and tracker.latest_message.text == "Frage 999"
    window = [e for e in tracker.events if not isinstance(e, SlotSet) or e.key == "topic"]
    assert isinstance(window[0], ActionExecuted) and window[0].action_name == "action_listen"  # a turn's start

    tracker.update(UserUttered("Frage 1000", timestamp=3000.0))
    tracker.update(SlotSet("topic", "k1000", timestamp=3000.0))
    asyncio.run(store.save(tracker))
    asyncio.run(store.save(tracker))  # nothing new: nothing added
    with sqlite3.connect(db) as raw:
        assert raw.execute("SELECT COUNT(*) FROM events").fetchone()[0] == len(events) + 2
        texts = [row[0] for row in raw.execute("SELECT data FROM events WHERE type_name = 'user'")]
    assert len(texts) == 1001  # every message stays for the report and retention
    again = asyncio.run(SQLiteTrackerStore(domain, db=str(db)).retrieve("citizen"))  # as after a restart
    assert again is not None and again.get_slot("topic") == "k1000" and again.get_slot("language") == "uk"


def test_a_new_session_does_not_bring_back_the_old_sessions_slots(tmp_path: Path) -> None:
    """The domain does not carry slots over to a new session; the bounded read keeps that rule."""
    from rasa.shared.core.events import SessionStarted

    domain = Domain.load(str(DOMAIN))
    store = SQLiteTrackerStore(domain, db=str(tmp_path / "tracker.db"))
    events = _long_conversation("citizen", 300)
    events += [ActionExecuted("action_session_start", timestamp=5000.0), SessionStarted(timestamp=5000.0),
               ActionExecuted("action_listen", timestamp=5000.0)]  # fmt: skip
    events += [e for e in _long_conversation("citizen", 30)[2:] if not isinstance(e, SlotSet) or e.key == "topic"]
    for e in events[-30 * 5 :]:
        e.timestamp += 5000.0
    asyncio.run(store.save(DialogueStateTracker.from_events("citizen", events, domain.slots)))
    tracker = asyncio.run(store.retrieve("citizen"))
    assert tracker is not None
    assert tracker.get_slot("language") is None and tracker.get_slot("feedback") is None
    assert tracker.get_slot("topic") == "k29"


def test_every_query_of_a_message_uses_an_index(tmp_path: Path) -> None:
    """No query of a message scans a conversation's events: each is a seek in an index, so its cost
    does not grow with the conversation (SQLite's query plan)."""
    store = SQLiteTrackerStore(Domain.load(str(DOMAIN)), db=str(tmp_path / "tracker.db"))
    statements = {
        store._session_start: ("c",),
        store._select_window: ("c", 0, 101),
        store._select_slot: ("c", "topic", 0),
    }
    with sqlite3.connect(tmp_path / "tracker.db") as raw:
        for statement, parameters in statements.items():
            plan = " ".join(str(row[-1]) for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters))
            assert plan.startswith("SEARCH events USING INDEX ix_events_sender"), (statement, plan)
            assert "TEMP B-TREE" not in plan, (statement, plan)  # no sort of the conversation's rows


def test_make_purge_runs_cleanly_where_no_sqlite_file_is(tmp_path: Path) -> None:
    """Issue 28: a fresh clone or a cluster-only host has no SQLite files; purge said
    "ValueError: File 'rasa_tracker.db' does not exist" in a traceback."""
    import subprocess
    import sys

    from base.paths import ROOT

    command = [sys.executable, "-m", "stores.retention", "--db", str(tmp_path / "none.db"),
               "--events-db", str(tmp_path / "none-events.db"), "--reports", str(tmp_path / "reports"),
               "--backups", str(tmp_path / "backups")]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("no such file on this host, nothing to delete") == 2
    assert "0 backup folders older than 30 days deleted" in done.stdout  # and no backups/ folder either
    assert "Traceback" not in done.stderr


def test_make_purge_never_prints_a_database_password() -> None:
    """Issue 28: purge printed postgresql://rasa:<password>@...: deleted 0 conversations (from cron,
    into mail or the journal)."""
    from stores.retention import shown

    url = "postgresql://rasa:2c68secret@127.0.0.1:49925/rasa"
    assert "2c68secret" not in shown(url)
    assert shown(url).startswith("postgresql://rasa:") and "127.0.0.1:49925/rasa" in shown(url)
    assert shown("rasa_tracker.db") == "rasa_tracker.db"


DAY = 86400.0
NOW = 1_796_548_500.0  # 2026-12-06 09:15:00 UTC


@pytest.mark.parametrize(
    ("name", "mtime_days_ago", "deleted"),
    [
        ("2026-11-06T091459Z", 0, True),  # 30 days and a second: by its name, though written today
        ("2026-11-06T091501Z", 60, False),  # a second short of 30 days: by its name, though old on disk
        ("2026-11-06T091459Z-2", 0, True),  # the second backup of that second
        ("2026-12-06T091500Z", 0, False),
        ("copied-by-hand", 31, True),  # no time in the name: its mtime
        ("copied-by-hand-new", 29, False),
        ("2026-13-45T999999Z", 31, True),  # looks like a time but is none: its mtime
    ],
)
def test_make_purge_deletes_backups_older_than_the_retention_period(
    tmp_path: Path, name: str, mtime_days_ago: float, deleted: bool
) -> None:
    """Backups hold the conversations' texts (stores/backup.py): they go after the same period."""
    import os

    from stores.retention import purge_backups

    folder = tmp_path / "backups" / name
    folder.mkdir(parents=True)
    (folder / "rasa_tracker.db").write_bytes(b"Frage von damals")
    os.utime(folder, (NOW - mtime_days_ago * DAY, NOW - mtime_days_ago * DAY))
    assert purge_backups(tmp_path / "backups", days=30, now=NOW) == int(deleted)
    assert folder.exists() is not deleted


def test_make_purge_leaves_files_and_links_in_the_backups_folder_alone(tmp_path: Path) -> None:
    import os

    from stores.retention import purge_backups

    backups, elsewhere = tmp_path / "backups", tmp_path / "elsewhere"
    backups.mkdir()
    elsewhere.mkdir()
    (backups / "notes.txt").write_text("kept")
    (backups / "2020-01-01T000000Z").symlink_to(elsewhere)
    old = NOW - 365 * DAY
    os.utime(backups / "notes.txt", (old, old))
    assert purge_backups(backups, days=30, now=NOW) == 0
    assert (backups / "notes.txt").exists() and elsewhere.is_dir()
    assert purge_backups(tmp_path / "no-such-folder", days=30, now=NOW) == 0


def test_make_purge_deletes_old_backups_from_the_command_line(tmp_path: Path) -> None:
    import subprocess
    import sys

    from base.paths import ROOT

    backups = tmp_path / "backups"
    for name in ("2020-01-01T000000Z", "2999-01-01T000000Z"):
        (backups / name).mkdir(parents=True)
    command = [sys.executable, "-m", "stores.retention", "--db", str(tmp_path / "none.db"),
               "--events-db", str(tmp_path / "none-events.db"), "--reports", str(tmp_path / "reports"),
               "--backups", str(backups)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert f"{backups}: 1 backup folders older than 30 days deleted" in done.stdout
    assert [p.name for p in backups.iterdir()] == ["2999-01-01T000000Z"]

"""Rasa's SQL tracker store on SQLite, set up for a busy server (endpoints.yml:
``type: stores.tracker_store.SQLiteTrackerStore``).

Rasa's SQLTrackerStore opens a new SQLite connection for every database session (SQLAlchemy's
NullPool for SQLite files), several per message, and SQLite's default rollback journal syncs
the file to disk on every commit. This store keeps the same tables and the same rows and
changes the connection and how the two per-message queries are made (docs/performance.md):

- a pool of open connections instead of one new connection per session;
- ``journal_mode=WAL``: readers do not block the writer (several Sanic workers share the file);
- ``synchronous=NORMAL``: a commit survives a crash of Rasa; only a power cut or an operating
  system crash can lose the last commits (SQLite's documented guarantee for WAL + NORMAL);
- ``busy_timeout``: a worker waits for another worker's write instead of failing;
- reading a conversation and counting its stored events are plain SQL (``PlainSQLEvents``), not
  ORM queries rebuilt on every message.

A message costs the same in a long conversation (issue 27): Rasa read every event of the session
and replayed it, and the policies and the action server were given all of it, so each earlier
message made every later one dearer (0.65 ms each). ``PlainSQLEvents`` reads a bounded tracker:
the latest ``WINDOW_EVENTS`` events of the session (from a turn's start) and, before them, the
latest value of each of the domain's slots; both by index (``INDEXES``), never by a scan of the
conversation. That is all the bot reads of the past: the language, the last answer's key (slot
``topic``), the rating state (slot ``feedback`` and the answers within the window). The database
keeps every event: retention and the report see every message.

``PostgresTrackerStore`` is the same on PostgreSQL for ``make cluster``.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_S = 30
# How many of a session's latest events a tracker is read with (about 10 messages: a message
# adds about six events); the slots' latest values are read apart, so nothing older is needed.
WINDOW_EVENTS = 60
# The tracker's count of events already stored (set when read or saved): save() adds the rest.
STORED = "_jobcenter_stored_events"
# Indexes that keep every read bounded: the latest events of a conversation, the latest
# session start and the latest value of each slot (SlotSet's slot name is in ``action_name``).
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)",
    "CREATE INDEX IF NOT EXISTS ix_events_sender_type_name ON events (sender_id, type_name, action_name, id)",
)
# Engine settings of every store here (tracker stores, stores/event_broker.py).
SQLITE_POOL: dict[str, Any] = {"poolclass": QueuePool, "pool_size": 5,
                               "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}}  # fmt: skip
POSTGRES_POOL: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}


def configure_sqlite_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


def ready(engine: sa.engine.Engine, setup: Any = None) -> None:
    """The first connection to a SQLite file (switching it to WAL) and ``setup(engine)``, retried
    while the file is locked: two Sanic workers starting at once both switch a new file to WAL, and
    SQLite answers one of them "database is locked" at once instead of waiting (its busy timeout
    does not apply there). Without this, that worker failed to start (seen in ``make test``)."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            with engine.connect():
                pass
            if setup is not None:
                setup(engine)
            return
        except sa.exc.OperationalError as error:
            racing = "locked" in str(error) or "already exists" in str(error)  # the other created the table
            if not racing or time.monotonic() > deadline:
                raise
            time.sleep(0.05 + random.random() * 0.1)


class PlainSQLEvents(SQLTrackerStore):
    """Rasa's per-message queries as plain SQL on Rasa's own table (``events``), bounded.

    Rasa builds them with the ORM on every call: reading the current session's events and, before
    saving, counting them; building and caching the statements (SQLAlchemy's cache keys) took 14 %
    of Rasa's CPU per message in a profile (docs/performance.md). Same table, same rows, same
    order (by id), same session rule: the events since the latest ``session_started``, or all when
    there is none. Event timestamps are Unix times, so ``0`` stands for "none". A tracker is read
    bounded (the module's docstring): a short conversation is read whole, as by Rasa.
    """

    def _rebuild_engine(self, **options: Any) -> None:
        """Rasa's engine replaced by one to the same database with these pool ``options``."""
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        url = engine.url
        engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._plain_statements()

    def _create_indexes(self, engine: sa.engine.Engine) -> None:
        with engine.begin() as connection:
            for statement in INDEXES:
                connection.exec_driver_sql(statement)

    def _plain_statements(self) -> None:
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        self._session_start = (
            f"SELECT COALESCE(MAX(timestamp), 0) FROM events WHERE sender_id = {mark} AND type_name = 'session_started'"
        )
        self._select_window = (
            f"SELECT id, data FROM events WHERE sender_id = {mark} AND timestamp >= {mark} "
            f"ORDER BY id DESC LIMIT {mark}"
        )
        self._select_slot = (
            f"SELECT id, data FROM events WHERE sender_id = {mark} AND type_name = 'slot' "
            f"AND action_name = {mark} AND timestamp >= {mark} ORDER BY id DESC LIMIT 1"
        )
        self._count_events = f"SELECT COUNT(*) FROM events WHERE sender_id = {mark} AND timestamp >= {mark}"
        self._insert_event = (
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})"
        )

    def bounded_events(self, sender_id: str, window: int = WINDOW_EVENTS) -> list[dict[str, Any]]:
        """The session's latest ``window`` events from a turn's start, after the latest value of
        each domain slot set before them; all of the session's events when there are fewer."""
        slots = [slot.name for slot in self.domain.slots] if self.domain else []
        with self.engine.connect() as connection:
            since = connection.exec_driver_sql(self._session_start, (sender_id,)).scalar() or 0
            rows = connection.exec_driver_sql(self._select_window, (sender_id, since, window + 1)).fetchall()
            rows.reverse()
            if len(rows) <= window:  # the whole session
                return [json.loads(data) for _, data in rows]
            events = [json.loads(data) for _, data in rows[1:]]
            # from a turn's start: the window begins with the bot listening, as a conversation does
            start = next((i for i, e in enumerate(events) if e.get("name") == "action_listen"), 0)
            first_id = rows[1 + start][0]
            earlier = []
            for name in slots:
                row = connection.exec_driver_sql(self._select_slot, (sender_id, name, since)).fetchone()
                if row is not None and row[0] < first_id:  # set within the window: replayed there
                    earlier.append(row)
        return [json.loads(data) for _, data in sorted(earlier)] + events[start:]

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:  # Rasa's HTTP API only: its own query
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        events = self.bounded_events(sender_id)
        if self.domain and events:
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            setattr(tracker, STORED, len(tracker.events))
            return tracker
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """The events not stored yet, in one transaction; then the same events to the event broker
        (stores/event_broker.py), without Rasa's second read of the conversation to find them.
        A tracker read here knows how many of its events are stored; a new one is counted."""
        sender = tracker.sender_id
        new: list[dict[str, Any]] = []
        with self.engine.begin() as connection:
            stored = getattr(tracker, STORED, None)
            if stored is None:
                since = connection.exec_driver_sql(self._session_start, (sender,)).scalar() or 0
                stored = connection.exec_driver_sql(self._count_events, (sender, since)).scalar() or 0
            rows = []
            for event in itertools.islice(tracker.events, stored, len(tracker.events)):
                data = event.as_dict()
                new.append(data)
                intent = (data.get("parse_data", {}) or {}).get("intent", {}) or {}
                rows.append((sender, event.type_name, data.get("timestamp"), intent.get("name"), data.get("name"),
                             json.dumps(data)))  # fmt: skip
            if rows:
                connection.exec_driver_sql(self._insert_event, rows)
        setattr(tracker, STORED, len(tracker.events))
        if self.event_broker is not None and new:
            published = [{"sender_id": sender, **data} for data in new]
            publish_many = getattr(self.event_broker, "publish_many", None)
            if publish_many is not None:  # stores/event_broker.py: queued, written by its own thread
                publish_many(published)
            else:
                for body in published:
                    self.event_broker.publish(body)


class SQLiteTrackerStore(PlainSQLEvents):
    def __init__(
        self,
        domain: Domain | None = None,
        db: str = "rasa.db",
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("dialect", None)
        super().__init__(domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        self._rebuild_engine(**SQLITE_POOL)
        sa.event.listen(self.engine, "connect", configure_sqlite_connection)  # before the first connection
        ready(self.engine, self._create_indexes)  # WAL from the start, not on a citizen's first message


class PostgresTrackerStore(PlainSQLEvents):
    """Rasa's SQL tracker store on PostgreSQL, configured by one URL (``make cluster``; endpoints:
    ``type: stores.tracker_store.PostgresTrackerStore``, ``url: ${DATABASE_URL}``, so the password
    is never written to a file). Same tables and queries as Rasa's; the pool checks a connection
    before handing it out (``pool_pre_ping``), so the instances recover by themselves when the
    database restarts instead of failing on connections the restart closed."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str = "",
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        # Rasa hands the endpoint's ``url`` over as ``host``
        for key in ("dialect", "db", "url", "port", "username", "password"):
            kwargs.pop(key, None)
        parsed = sa.engine.make_url(host)
        if not parsed.drivername.startswith("postgresql"):
            raise ValueError("PostgresTrackerStore needs a postgresql:// URL (DATABASE_URL)")
        super().__init__(
            domain,
            dialect="postgresql",
            host=parsed.host,
            port=parsed.port,
            db=parsed.database or "rasa",
            username=parsed.username,
            password=parsed.password,
            event_broker=event_broker,
            **kwargs,
        )
        self._rebuild_engine(**POSTGRES_POOL)
        ready(self.engine, self._create_indexes)

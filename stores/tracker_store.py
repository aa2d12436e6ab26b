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
    """Rasa's two per-message queries as plain SQL on Rasa's own table (``events``).

    Rasa builds them with the ORM on every call: reading the current session's events and, before
    saving, counting them; building and caching the statements (SQLAlchemy's cache keys) took 14 %
    of Rasa's CPU per message in a profile (docs/performance.md). Same table, same rows, same
    order (by id), same session rule: the events since the latest ``session_started``, or all when
    there is none. Event timestamps are Unix times, so ``COALESCE(..., 0)`` stands for "none".
    """

    def _rebuild_engine(self, **options: Any) -> None:
        """Rasa's engine replaced by one to the same database with these pool ``options``."""
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        url = engine.url
        engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self._plain_statements()

    def _plain_statements(self) -> None:
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        since = (f"sender_id = {mark} AND timestamp >= COALESCE((SELECT MAX(timestamp) FROM events "
                 f"WHERE sender_id = {mark} AND type_name = 'session_started'), 0)")  # fmt: skip
        self._select_events = f"SELECT data FROM events WHERE {since} ORDER BY id"
        self._count_events = f"SELECT COUNT(*) FROM events WHERE {since}"
        self._insert_event = (
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            f"VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})"
        )

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:  # Rasa's HTTP API only: its own query
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.engine.connect() as connection:
            rows = connection.exec_driver_sql(self._select_events, (sender_id, sender_id)).fetchall()
        events = [json.loads(row[0]) for row in rows]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    async def save(self, tracker: DialogueStateTracker) -> None:
        """The events not stored yet, in one transaction; then the same events to the event broker
        (stores/event_broker.py), without Rasa's second read of the conversation to find them."""
        sender = tracker.sender_id
        new: list[dict[str, Any]] = []
        with self.engine.begin() as connection:
            stored = connection.exec_driver_sql(self._count_events, (sender, sender)).scalar() or 0
            rows = []
            for event in itertools.islice(tracker.events, stored, len(tracker.events)):
                data = event.as_dict()
                new.append(data)
                intent = (data.get("parse_data", {}) or {}).get("intent", {}) or {}
                rows.append((sender, event.type_name, data.get("timestamp"), intent.get("name"), data.get("name"),
                             json.dumps(data)))  # fmt: skip
            if rows:
                connection.exec_driver_sql(self._insert_event, rows)
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
        ready(self.engine)  # WAL from the start, not on a citizen's first message


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

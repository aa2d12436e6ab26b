"""Rasa's SQL tracker store on SQLite, set up for a busy server (endpoints.yml:
``type: runtime.tracker_store.SQLiteTrackerStore``).

Rasa's SQLTrackerStore opens a new SQLite connection for every database session (SQLAlchemy's
NullPool for SQLite files), several per message, and SQLite's default rollback journal syncs
the file to disk on every commit. This store keeps the same tables and queries and changes
only the connection (docs/performance.md):

- a pool of open connections instead of one new connection per session;
- ``journal_mode=WAL``: readers do not block the writer (several Sanic workers share the file);
- ``synchronous=NORMAL``: a commit survives a crash of Rasa; only a power cut or an operating
  system crash can lose the last commits (SQLite's documented guarantee for WAL + NORMAL);
- ``busy_timeout``: a worker waits for another worker's write instead of failing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_S = 30


def _configure_connection(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
    cursor.close()


class SQLiteTrackerStore(SQLTrackerStore):
    def __init__(
        self,
        domain: Domain | None = None,
        db: str = "rasa.db",
        event_broker: EventBroker | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("dialect", None)
        super().__init__(domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        url = engine.url
        engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=QueuePool,
            pool_size=5,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        )
        sa.event.listen(self.engine, "connect", _configure_connection)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)


class PostgresTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on PostgreSQL, configured by one URL (``make cluster``; endpoints:
    ``type: runtime.tracker_store.PostgresTrackerStore``, ``url: ${DATABASE_URL}``, so the password
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
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        engine_url = engine.url
        engine.dispose()
        self.engine = sa.create_engine(engine_url, pool_pre_ping=True, pool_size=5, max_overflow=10)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

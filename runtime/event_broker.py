"""Rasa's SQL event broker, kept for the editors' report (issue 17; endpoints.yml ``event_broker``).

Rasa's ``SQLEventBroker`` writes every event of every conversation, as the tracker store saves it,
into a table ``events`` (``id``, ``sender_id``, ``data``: the event's JSON) of its own database:
by default the SQLite file ``rasa_events.db`` beside the tracker store's, in ``make cluster`` the
database ``rasa_events`` of the cluster's PostgreSQL (``EVENTS_DATABASE_URL``). The texts are the
ones Rasa stores: already past the input gate (runtime/input_gate.py), personal data replaced.
``make report`` reads this table (report/), ``make purge`` deletes from it what the retention
period says (runtime/retention.py).

Changed from Rasa's class, same table and rows:
- one transaction for all new events of a turn (``publish_many``, called by the tracker store's
  ``save``, runtime/tracker_store.py) instead of one commit per event;
- the tracker store hands over the new events it has already counted, instead of Rasa reading
  the whole conversation a second time to find them (``TrackerStore.stream_events``);
- SQLite: pooled connections, WAL journal and a busy timeout (as the tracker store), so two
  workers writing at once wait for each other instead of failing; PostgreSQL: ``pool_pre_ping``.
"""

from __future__ import annotations

import json
from asyncio import AbstractEventLoop
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.pool import QueuePool

from runtime.tracker_store import BUSY_TIMEOUT_S, _configure_connection

DEFAULT_DB = "rasa_events.db"


def engine_for(db: str | None = None, url: str | None = None) -> sa.engine.Engine:
    """The broker's database: a SQLite file (``db``) or a database URL (``url``)."""
    if url:
        if not url.startswith("postgresql"):
            raise ValueError("the event broker's url must be a postgresql:// URL (EVENTS_DATABASE_URL)")
        return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = sa.create_engine(
        f"sqlite:///{db or DEFAULT_DB}",
        poolclass=QueuePool,
        pool_size=5,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
    )
    sa.event.listen(engine, "connect", _configure_connection)  # before the first connection
    return engine


class ReportEventBroker(SQLEventBroker):
    """``event_broker: {type: runtime.event_broker.ReportEventBroker, db: rasa_events.db}`` or
    ``{..., url: ${EVENTS_DATABASE_URL}}``."""

    def __init__(self, db: str | None = None, url: str | None = None) -> None:  # noqa: D107
        self.engine = engine_for(db, url)
        self.Base.metadata.create_all(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._table = self.SQLBrokerEvent.__table__

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> ReportEventBroker:
        kwargs = {k: v for k, v in broker_config.kwargs.items() if k == "db"}
        return cls(url=broker_config.url or None, **kwargs)

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: Iterable[dict[str, Any]]) -> None:
        rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in events]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self._table.insert(), rows)

    async def close(self) -> None:
        self.engine.dispose()

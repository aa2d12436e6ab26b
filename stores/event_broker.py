"""Rasa's SQL event broker, kept for the editors' report (issue 17; endpoints.yml ``event_broker``).

Rasa's ``SQLEventBroker`` writes every event of every conversation, as the tracker store saves it,
into a table ``events`` (``id``, ``sender_id``, ``data``: the event's JSON) of its own database:
by default the SQLite file ``rasa_events.db`` beside the tracker store's, in ``make cluster`` the
database ``rasa_events`` of the cluster's PostgreSQL (``EVENTS_DATABASE_URL``). The texts are the
ones Rasa stores: already past the input gate (pipeline/gate.py), personal data replaced.
``make report`` reads this table (report/), ``make purge`` deletes from it what the retention
period says (stores/retention.py).

Changed from Rasa's class, same table:
- only what the report reads is kept (``for_report``): the citizen's messages (time, channel,
  text as stored, intent and answer key with their confidence, entities), which response each
  reply was (its name, not its text), and the slots ``language`` and ``feedback``; Rasa's
  rankings, token offsets, reply texts and internal events are left out (a tenth of the size);
- written by one thread per process, in batches (everything queued since its last commit in one
  transaction), instead of one commit per event on Rasa's event loop: ``publish_many`` (called by
  the tracker store's ``save``, stores/tracker_store.py, with the new events of a turn) only
  queues them, so a citizen never waits for this copy. The tracker store stays the record of the
  conversation; what is queued when the process is killed (not stopped: ``close`` writes the
  rest) is missing from the report;
- the tracker store hands over the new events it has already counted, instead of Rasa reading
  the whole conversation a second time to find them (``TrackerStore.stream_events``);
- SQLite: pooled connections, WAL journal and a busy timeout (as the tracker store), so two
  workers writing at once wait for each other instead of failing; PostgreSQL: ``pool_pre_ping``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from asyncio import AbstractEventLoop
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker
from rasa.utils.endpoints import EndpointConfig

from base import metrics
from stores.tracker_store import POSTGRES_POOL, SQLITE_POOL, configure_sqlite_connection, ready

logger = logging.getLogger(__name__)
DEFAULT_DB = "rasa_events.db"
STOP = object()  # the writer's last item
REPORT_SLOTS = ("language", "feedback")  # pipeline/language.py, pipeline/feedback.py


def for_report(event: dict[str, Any]) -> dict[str, Any] | None:
    """The part of a Rasa event (as published: with ``sender_id``) the report reads, or None."""
    kind = event.get("event")
    kept = {k: event.get(k) for k in ("sender_id", "event", "timestamp")}
    if kind == "user":
        parse = event.get("parse_data") or {}
        intent = {k: v for k, v in (parse.get("intent") or {}).items()
                  if k in ("name", "confidence", "full_retrieval_intent_name")}  # fmt: skip
        entities = [{k: e.get(k) for k in ("entity", "value")} for e in parse.get("entities") or []]
        parsed = {"intent": intent, "entities": entities}
        return {**kept, "text": event.get("text"), "input_channel": event.get("input_channel"), "parse_data": parsed}
    if kind == "bot":
        response = (event.get("metadata") or {}).get("utter_action")
        return {**kept, "metadata": {"utter_action": response}} if response else None
    if kind == "slot" and event.get("name") in REPORT_SLOTS:
        return {**kept, "name": event.get("name"), "value": event.get("value")}
    return None


def engine_for(db: str | None = None, url: str | None = None) -> sa.engine.Engine:
    """The broker's database: a SQLite file (``db``) or a database URL (``url``)."""
    if url:
        if not url.startswith("postgresql"):
            raise ValueError("the event broker's url must be a postgresql:// URL (EVENTS_DATABASE_URL)")
        return sa.create_engine(url, **POSTGRES_POOL)
    engine = sa.create_engine(f"sqlite:///{db or DEFAULT_DB}", **SQLITE_POOL)
    sa.event.listen(engine, "connect", configure_sqlite_connection)  # before the first connection
    return engine


class ReportEventBroker(SQLEventBroker):
    """``event_broker: {type: stores.event_broker.ReportEventBroker, db: rasa_events.db}`` or
    ``{..., url: ${EVENTS_DATABASE_URL}}``."""

    def __init__(self, db: str | None = None, url: str | None = None) -> None:  # noqa: D107
        self.engine = engine_for(db, url)
        ready(self.engine, self.Base.metadata.create_all)  # both workers start at once
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._table = self.SQLBrokerEvent.__table__
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._write, name="report-events", daemon=True)
        self._writer.start()

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: EndpointConfig, event_loop: AbstractEventLoop | None = None
    ) -> ReportEventBroker:
        kwargs = {k: v for k, v in broker_config.kwargs.items() if k == "db"}
        return cls(url=broker_config.url or None, **kwargs)

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: Iterable[dict[str, Any]]) -> None:
        """Queues what the report reads of ``events``; the writer thread stores it."""
        kept = [k for k in (for_report(e) for e in events) if k is not None]
        if kept:
            self._queue.put(kept)
            metrics.broker_queue(self._queue.qsize())

    def _write(self) -> None:
        while True:
            item = self._queue.get()
            batch, done, stop = [], [], False
            while True:  # everything queued meanwhile goes into the same transaction
                if isinstance(item, threading.Event):
                    done.append(item)
                elif isinstance(item, list):
                    batch += item
                elif item is STOP:
                    stop = True
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                rows = [{"sender_id": e.get("sender_id"), "data": json.dumps(e)} for e in batch]
                try:
                    with self.engine.begin() as connection:
                        connection.execute(self._table.insert(), rows)
                except Exception as error:  # the database is down: these events miss the report
                    logger.warning("report events not stored (%d): %s", len(rows), type(error).__name__)
                    metrics.error("event_broker")
                metrics.broker_queue(self._queue.qsize())
            for event in done:
                event.set()
            if stop:
                return

    def flush(self, timeout: float = 10.0) -> bool:
        """Waits until everything queued so far is stored (tests; ``close``)."""
        written = threading.Event()
        self._queue.put(written)
        return written.wait(timeout)

    async def close(self) -> None:
        """Rasa calls this when it stops: the queue is written, then the connections closed."""
        if self._writer.is_alive():
            self._queue.put(STOP)
            await asyncio.to_thread(self._writer.join, 30)
        self.engine.dispose()

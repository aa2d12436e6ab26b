"""Which stored conversations the report reads, and reading them with one clear line on failure.

The event broker's copy (stores/event_broker.py: table ``events``, each event's JSON) is found in
this order (``choose``):

1. ``--db FILE``: that SQLite file (named on purpose: it wins);
2. ``EVENTS_DATABASE_URL`` or ``DATABASE_URL`` set: that PostgreSQL (base/paths.py
   ``events_database_url``: the database ``rasa_events`` beside ``DATABASE_URL``);
3. ``--cluster``: the database of the local ``make cluster`` (base/paths.py
   ``local_cluster_database_url``), even when a SQLite file exists;
4. the SQLite file ``rasa_events.db`` (``make run``), if it exists;
5. the local cluster's database, if the cluster ever ran on this host;
6. else: one line saying so, exit status 1.

What was read is printed with any password masked (stores/retention.py ``shown``). A database
that does not answer is one line too ("the cluster's database at 127.0.0.1:5433 is not running:
start make cluster"), never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stores.retention import shown

QUERY = "SELECT sender_id, data FROM events ORDER BY id"


class NoStore(Exception):
    """Nothing to read, or it cannot be read: the one line to print."""


@dataclass(frozen=True)
class Store:
    location: str  # a SQLite file, or a postgresql:// URL
    why: str  # how it was chosen (printed)
    cluster: bool = False  # the local `make cluster`'s database: "start make cluster" if it is down

    @property
    def is_url(self) -> bool:
        return self.location.startswith("postgresql")

    def __str__(self) -> str:
        return f"{shown(self.location)} ({self.why})"


def choose(db: Path | None, env_url: str, cluster: bool, default_db: Path, cluster_url: str) -> Store:
    """The store to read (see the module docstring). ``db``: ``--db`` if given; ``env_url``: the
    URL of the environment ("" if none); ``cluster_url``: the local cluster's events database ("" if
    the cluster never ran on this host)."""
    if db is not None:
        if not db.is_file():
            raise NoStore(f"{db}: no such file")
        return Store(str(db), "--db")
    if env_url:
        return Store(env_url, "EVENTS_DATABASE_URL/DATABASE_URL")
    if cluster:
        if not cluster_url:
            raise NoStore("--cluster: make cluster never ran on this host (no password file in build/cluster/)")
        return Store(cluster_url, "--cluster: the local make cluster", cluster=True)
    if default_db.is_file():
        return Store(str(default_db), "make run's SQLite file")
    if cluster_url:
        return Store(cluster_url, f"the local make cluster; {default_db.name} does not exist", cluster=True)
    raise NoStore(
        f"No conversations stored on this host: {default_db} does not exist and make cluster never ran here "
        "(make run or make cluster, then ask something; or set DATABASE_URL)"
    )


def stored_events(db: Path | None = None, url: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(conversation, event) in the order they were stored: a SQLite file or a database URL."""
    if url:
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        try:
            with engine.connect() as con:
                for sender, data in con.execute(sqlalchemy.text(QUERY)):
                    yield str(sender), json.loads(data)
        finally:
            engine.dispose()
        return
    if db is None or not db.is_file():
        raise NoStore(f"No conversations stored yet: {db} does not exist (make run, then ask something).")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        for sender, data in con.execute(QUERY):
            yield str(sender), json.loads(data)


def events_of(store: Store) -> Iterator[tuple[str, dict[str, Any]]]:
    """The store's events; a store that cannot be read raises ``NoStore`` with one line."""
    try:
        if store.is_url:
            yield from stored_events(url=store.location)
        else:
            yield from stored_events(Path(store.location))
    except sqlite3.Error as error:
        raise NoStore(f"cannot read {store.location}: {error}") from None
    except Exception as error:  # sqlalchemy's errors: the driver's message says what went wrong
        if not store.is_url or type(error).__module__.split(".")[0] != "sqlalchemy":
            raise
        raise NoStore(unreachable(store, error)) from None


def unreachable(store: Store, error: Exception) -> str:
    """One line for a database that cannot be read: not running (refused), or the driver's first line."""
    from sqlalchemy.engine import make_url

    url = make_url(store.location)
    where = f"{url.host}:{url.port or 5432}"
    detail = str(getattr(error, "orig", None) or error).strip().splitlines()[0] if str(error).strip() else ""
    if "refused" in detail.lower():
        if store.cluster:
            return f"the cluster's database at {where} is not running: start make cluster"
        return f"the database at {where} is not running (connection refused): {shown(store.location)}"
    return f"cannot read {shown(store.location)}: {detail}"

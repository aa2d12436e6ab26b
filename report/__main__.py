"""``make report`` / ``python -m report``: reports/report.json and reports/report.html.

    python -m report [--db rasa_events.db] [--since 2026-11-01] [--until 2026-11-30] [--min-group 2]
    DATABASE_URL=postgresql://... python -m report        (the cluster's PostgreSQL: rasa_events)

Reads what Rasa's SQL event broker kept (stores/event_broker.py: table ``events``, the JSON of
each event, already redacted by the input gate): the SQLite file ``rasa_events.db``, or
``EVENTS_DATABASE_URL`` (by default the database ``rasa_events`` beside ``DATABASE_URL``).
The report files are readable by their owner only (0600, the folder reports/ 0700); ``make purge``
deletes them once they are older than the retention period (stores/retention.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from base.paths import EVENTS_DB, REPORTS, events_database_url
from report.figures import MIN_GROUP, figures
from report.html import page
from report.turns import Turn, turns_of
from stores.retention import DEFAULT_DAYS

OUT = REPORTS


def stored_events(db: Path | None = None, url: str | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
    """(conversation, event) in the order they were stored: a SQLite file or a database URL."""
    query = "SELECT sender_id, data FROM events ORDER BY id"
    if url:
        import sqlalchemy

        with sqlalchemy.create_engine(url).connect() as con:
            for sender, data in con.execute(sqlalchemy.text(query)):
                yield str(sender), json.loads(data)
        return
    if db is None or not db.is_file():
        raise SystemExit(f"No conversations stored yet: {db} does not exist (make run, then ask something).")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        for sender, data in con.execute(query):
            yield str(sender), json.loads(data)


def all_turns(events: Iterator[tuple[str, dict[str, Any]]]) -> list[Turn]:
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sender, event in events:
        by_conversation[sender].append(event)
    return [t for sender, evs in by_conversation.items() for t in turns_of(sender, evs)]


def private_folder(folder: Path) -> None:
    """``folder`` for the report files: created with mode 0700; reports/ (the default) is set to
    0700 even if it existed (an existing folder given with ``--out`` keeps its mode)."""
    created = not folder.exists()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if created or folder.resolve() == OUT.resolve():
        folder.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """``text`` into ``path``, readable and writable by its owner only (0600), also when the file
    existed with another mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(fd, 0o600)
        file.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=EVENTS_DB, help="the event broker's SQLite file")
    parser.add_argument("--since", type=dt.date.fromisoformat)
    parser.add_argument("--until", type=dt.date.fromisoformat)
    parser.add_argument(
        "--min-group",
        type=int,
        default=MIN_GROUP,
        help="groups asked by fewer distinct conversations are shown without text",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.min_group < 1:
        parser.error("--min-group must be at least 1")
    started = time.perf_counter()
    turns = all_turns(stored_events(args.db, events_database_url()))
    report = figures(turns, args.since, args.until, args.min_group)
    private_folder(args.out)
    write_private(args.out / "report.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    write_private(args.out / "report.html", page(report, DEFAULT_DAYS))
    took = time.perf_counter() - started
    print(f"{report['conversations']} conversations, {report['messages']} messages -> {args.out}/report.html, "
          f"report.json ({took:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()

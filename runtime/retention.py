"""Delete conversations whose last event is older than the retention period (default 30 days).

    python -m runtime.retention --db rasa_tracker.db --days 30      (make purge)

Works on Rasa's SQL tracker store (table ``events``): a conversation is deleted as a whole, so
no half conversation is left. Run it daily (cron or a systemd timer).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import time
from pathlib import Path

DEFAULT_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))


def purge(db: Path, days: float, now: float | None = None) -> int:
    """Delete every conversation idle for more than ``days``; returns how many were deleted."""
    if not db.is_file():
        raise ValueError(f"File '{db}' does not exist.")
    cutoff = (now if now is not None else time.time()) - days * 86400
    with sqlite3.connect(db) as con:
        old = [
            row[0]
            for row in con.execute(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < ?", (cutoff,)
            )
        ]
        con.executemany("DELETE FROM events WHERE sender_id = ?", [(s,) for s in old])
    with sqlite3.connect(db) as con:
        con.execute("VACUUM")  # the deleted text must not stay in free pages of the file
        # WAL journal (runtime/tracker_store.py): copy the journal into the file and empty it, so
        # no old page with deleted text stays in rasa_tracker.db-wal either.
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return len(old)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=Path("rasa_tracker.db"))
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS)
    args = parser.parse_args()
    print(f"deleted {purge(args.db, args.days)} conversations idle for more than {args.days:g} days")


if __name__ == "__main__":
    main()

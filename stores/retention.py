"""Delete conversations whose last event is older than the retention period (default 30 days).

    python -m stores.retention --db rasa_tracker.db --days 30      (make purge)
    DATABASE_URL=postgresql://... python -m stores.retention       (make purge, cluster)

Works on Rasa's SQL tracker store (table ``events``, column ``timestamp``) and on the event
broker's copy for the editors' report (stores/event_broker.py: ``rasa_events.db`` or
``EVENTS_DATABASE_URL``; table ``events``, the time inside each event's JSON): a conversation is
deleted as a whole, so no half conversation is left. The editors' reports (``reports/``, written
by ``make report``) and the backup folders (``backups/``, written by ``make backup``,
stores/backup.py) older than the same period are deleted too: they hold texts of conversations
that are gone by then. Run it daily (cron or a systemd timer).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sqlite3
import stat
import time
from pathlib import Path

from base.paths import BACKUPS, CLUSTER_HOME, REPORTS, events_database_url, local_cluster_database_url
from base.secret_files import mask

DEFAULT_DAYS = int(os.environ.get("RETENTION_DAYS", "30"))


class PurgeIncomplete(RuntimeError):
    """Deleted text may still be on disk (a reader held the database, or it is still in a file)."""


# When an event happened: the tracker store has a column, the event broker's table only the JSON.
TRACKER_TIME = "timestamp"
SQLITE_EVENT_TIME = "json_extract(data, '$.timestamp')"
POSTGRES_EVENT_TIME = "CAST(CAST(data AS json)->>'timestamp' AS double precision)"


def purge(db: Path, days: float, now: float | None = None, wait_s: float = 10.0, time_sql: str = TRACKER_TIME) -> int:
    """Delete every conversation idle for more than ``days``; returns how many were deleted.

    The deleted rows are overwritten (``secure_delete``), the file is rebuilt (``VACUUM``) and the
    WAL journal emptied (``wal_checkpoint(TRUNCATE)``); then the database file and its journal are
    read back: if a deleted conversation's id is still in either (e.g. a reader kept an old
    snapshot open, so the journal could not be emptied), ``PurgeIncomplete`` is raised, and
    ``make purge`` fails, instead of reporting success."""
    if not db.is_file():
        raise ValueError(f"File '{db}' does not exist.")
    cutoff = (now if now is not None else time.time()) - days * 86400
    with sqlite3.connect(db, timeout=wait_s) as con:
        con.execute("PRAGMA secure_delete=ON")  # deleted content is overwritten, not just unlinked
        old = [
            row[0]
            for row in con.execute(
                f"SELECT sender_id FROM events GROUP BY sender_id HAVING MAX({time_sql}) < ?", (cutoff,)
            )
        ]
        con.executemany("DELETE FROM events WHERE sender_id = ?", [(s,) for s in old])
    con = sqlite3.connect(db, timeout=wait_s)
    try:
        con.execute("VACUUM")  # the deleted text must not stay in free pages of the file
        # WAL journal (stores/tracker_store.py): copy the journal into the file and empty it, so
        # no old page with deleted text stays in rasa_tracker.db-wal either.
        busy, _, _ = con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as error:  # locked by a writer or reader for longer than wait_s
        raise PurgeIncomplete(f"{len(old)} conversations deleted, but the file was not rebuilt: {error}") from None
    finally:
        con.close()
    on_disk = [path.read_bytes() for path in (db, db.with_name(db.name + "-wal")) if path.is_file()]
    left = [s for s in old if any(s.encode() in content for content in on_disk)]
    if busy or left:
        raise PurgeIncomplete(
            f"{len(left)} of {len(old)} deleted conversations are still on disk"
            + (" (a reader kept the WAL journal from being emptied; run again)" if busy else "")
        )
    return len(old)


def purge_postgres(url: str, days: float, now: float | None = None, time_sql: str = TRACKER_TIME) -> int:
    """The same on PostgreSQL (``make cluster``): whole conversations deleted, then the table
    rewritten (``VACUUM FULL``: deleted rows do not stay in its files as dead tuples; it locks the
    table for the moment it takes), then checked. PostgreSQL's write-ahead log keeps the old rows
    until its segments are recycled (minutes to hours, by ``max_wal_size``/checkpoints)."""
    import sqlalchemy as sa

    cutoff = (now if now is not None else time.time()) - days * 86400
    engine = sa.create_engine(url)
    try:
        with engine.begin() as con:
            query = f"SELECT sender_id FROM events GROUP BY sender_id HAVING MAX({time_sql}) < :cutoff"
            old = [row[0] for row in con.execute(sa.text(query), {"cutoff": cutoff})]
            if old:
                con.execute(sa.text("DELETE FROM events WHERE sender_id = ANY(:ids)"), {"ids": old})
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
            con.execute(sa.text("VACUUM FULL events"))
            left = con.execute(sa.text("SELECT COUNT(*) FROM events WHERE sender_id = ANY(:ids)"), {"ids": old})
            if old and left.scalar():
                raise PurgeIncomplete("deleted conversations are still in the table")
    finally:
        engine.dispose()
    return len(old)


def purge_reports(folder: Path, days: float, now: float | None = None) -> int:
    """Delete the files in ``folder`` (the editors' reports) last written more than ``days`` ago;
    returns how many. Only regular files directly in it; links and subfolders are left alone."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - days * 86400
    deleted = 0
    for path in sorted(folder.iterdir()):
        info = path.lstat()
        if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
            path.unlink()
            deleted += 1
    return deleted


# A backup folder's name is its UTC time (stores/backup.py): 2026-12-06T091500Z, maybe with -2.
BACKUP_NAME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2})(\d{2})(\d{2})Z(-\d+)?$")


def backup_age_time(folder: Path) -> float:
    """When a backup was made: the UTC time in its name (copying the folder elsewhere and back
    changes its mtime, not its name), else the folder's mtime."""
    import calendar

    match = BACKUP_NAME.match(folder.name)
    if match:
        try:
            return float(calendar.timegm(time.strptime("".join(match.groups()[:6]), "%Y%m%d%H%M%S")))
        except ValueError:  # 2026-13-45T...: not a time after all
            pass
    return folder.lstat().st_mtime


def purge_backups(folder: Path, days: float, now: float | None = None) -> int:
    """Delete the backup folders in ``folder`` made more than ``days`` ago; returns how many.
    Only folders directly in it; links and files are left alone."""
    if not folder.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - days * 86400
    deleted = 0
    for path in sorted(folder.iterdir()):
        if stat.S_ISDIR(path.lstat().st_mode) and backup_age_time(path) < cutoff:
            shutil.rmtree(path)
            deleted += 1
    return deleted


def shown(db: str | Path) -> str:
    """A store as the output may name it: a database URL without its password (purge runs from
    cron; its output lands in mail or the journal)."""
    return mask(str(db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--db",
        default=os.environ.get("DATABASE_URL") or "rasa_tracker.db",
        help="SQLite file, or a postgresql:// URL (default: DATABASE_URL, else rasa_tracker.db and the "
        "local make cluster's database)",
    )
    parser.add_argument(
        "--events-db",
        default=events_database_url() or "rasa_events.db",
        help="the event broker's SQLite file or postgresql:// URL (default: EVENTS_DATABASE_URL, with "
        "DATABASE_URL the database rasa_events on its server, else rasa_events.db)",
    )
    parser.add_argument("--cluster-home", type=Path, default=CLUSTER_HOME, help=argparse.SUPPRESS)
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS)
    parser.add_argument("--reports", type=Path, default=REPORTS, help="make report's folder (default reports/)")
    parser.add_argument("--backups", type=Path, default=BACKUPS, help="make backup's folder (default backups/)")
    args = parser.parse_args()
    stores = [("conversations", args.db, TRACKER_TIME), ("conversations (the report's copy)", args.events_db, None)]
    cluster = local_cluster_database_url(args.cluster_home)
    if cluster and not os.environ.get("DATABASE_URL") and args.db == "rasa_tracker.db":  # make cluster on this host
        stores += [("conversations", cluster, TRACKER_TIME),
                   ("conversations (the report's copy)", events_database_url(cluster), None)]  # fmt: skip
    failed = False
    for name, db, time_sql in stores:
        try:
            if str(db).startswith("postgresql"):
                deleted = purge_postgres(db, args.days, time_sql=time_sql or POSTGRES_EVENT_TIME)
            elif Path(db).is_file():  # the files exist once Rasa ran on this host
                deleted = purge(Path(db), args.days, time_sql=time_sql or SQLITE_EVENT_TIME)
            else:
                print(f"{db}: no such file on this host, nothing to delete")
                continue
        except PurgeIncomplete as error:
            raise SystemExit(f"purge incomplete ({shown(db)}): {error}") from None
        except Exception as error:  # a database that is not running: one line, the others still purged
            if "could not connect" not in str(error) and "Connection refused" not in str(error):
                raise
            print(f"{shown(db)}: not running, nothing deleted (start it, e.g. make cluster, and purge again)")
            failed = True
            continue
        print(f"{shown(db)}: deleted {deleted} {name} idle for more than {args.days:g} days")
    reports = purge_reports(args.reports, args.days)
    print(f"{args.reports}: {reports} report files older than {args.days:g} days deleted")
    backups = purge_backups(args.backups, args.days)
    print(f"{args.backups}: {backups} backup folders older than {args.days:g} days deleted")
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

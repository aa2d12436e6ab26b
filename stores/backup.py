"""Backups of the stored conversations, kept as long as the conversations themselves.

    python -m stores.backup backup                              (make backup)
    python -m stores.backup restore backups/2026-12-06T091500Z  (make restore FROM=...)

``backup`` writes ``backups/<UTC time>/`` (folders mode 0700, files 0600) with every store found
on this host and a ``manifest.json`` (what, size, sha256, time; never a password):
- the SQLite files of ``make run`` that exist (the tracker store ``rasa_tracker.db`` and the event
  broker's copy ``rasa_events.db``), copied with SQLite's online backup API: a consistent copy
  while Rasa runs and writes (WAL journal: the copy waits for no one and stops no one), checked
  with ``PRAGMA integrity_check`` before it counts;
- PostgreSQL: ``DATABASE_URL``'s database and the event broker's (``events_database_url``), else
  those of the local ``make cluster`` if it ran here and answers; ``pg_dump -Fc``, the password
  given in the environment (``PGPASSWORD``), never on the command line or in the output.
A store that cannot be backed up fails the whole run (exit 1, the new folder removed): a backup
that looks complete but is not would be found out only when it is needed.

``restore`` checks every file against the manifest's sha256 first (nothing restored if one is
damaged), then puts the SQLite files back, only while no process has them open and no Rasa
answers on ``RASA_URL`` (default http://127.0.0.1:5005; ``--force`` skips both checks), and
restores PostgreSQL with ``pg_restore --clean --if-exists`` in one transaction.

Backups hold conversation texts: ``make purge`` (stores/retention.py) deletes the backup folders
older than the retention period.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from base.paths import (
    BACKUPS,
    CLUSTER_HOME,
    EVENTS_DB,
    ROOT,
    events_database_url,
    local_cluster_database_url,
    postgres_program,
)
from stores.retention import shown

TRACKER_DB = ROOT / "rasa_tracker.db"
RASA_URL = os.environ.get("RASA_URL", "http://127.0.0.1:5005")
NAME_FORMAT = "%Y-%m-%dT%H%M%SZ"  # a backup folder's name: its UTC time (make purge reads it: BACKUP_NAME)
MANIFEST = "manifest.json"
WAIT_S = 30  # how long the copy waits for a SQLite lock (Rasa's busy timeout, stores/tracker_store.py)


class BackupError(RuntimeError):
    """A store could not be backed up or restored: its one line for the operator (no password)."""


@dataclass(frozen=True)
class Store:
    """One database to back up: ``role`` says where it is restored to (``tracker``, ``events``)."""

    role: str
    kind: str  # "sqlite" or "postgresql"
    source: str  # a file, or a postgresql:// URL (with its password: never printed)

    @property
    def file(self) -> str:
        """The file's name in the backup folder."""
        base = "rasa_tracker" if self.role == "tracker" else "rasa_events"
        return f"{base}.db" if self.kind == "sqlite" else f"{base}.dump"


def private_folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)  # also when it was there before with a wider mode
    return path


def new_folder(backups: Path, now: float) -> Path:
    """``backups/<UTC time>/``; a second backup in the same second gets ``-2``, ``-3``, ..."""
    private_folder(backups)
    name = datetime.fromtimestamp(now, timezone.utc).strftime(NAME_FORMAT)
    for number in range(1, 100):
        folder = backups / (name if number == 1 else f"{name}-{number}")
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        folder.chmod(0o700)
        return folder
    raise BackupError(f"{backups}: too many backups in the same second")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ---- SQLite -------------------------------------------------------------------------------------
def backup_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of ``source`` while others write to it (``Connection.backup``: one step,
    so the copy is one snapshot), as one file (journal_mode DELETE, no WAL beside it), checked."""
    target.touch(mode=0o600, exist_ok=False)
    src = sqlite3.connect(source, timeout=WAIT_S)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"{source}: not copied: {error}") from None
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise BackupError(f"{source}: the copy fails SQLite's integrity check: {check}")


def holders(path: Path) -> list[int]:
    """The processes that have ``path`` or its WAL journal open (Linux /proc; [] elsewhere)."""
    names = {str(path.resolve()), str(path.resolve()) + "-wal"}
    found = []
    for fds in Path("/proc").glob("[0-9]*/fd"):
        pid = int(fds.parent.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in names for fd in fds.iterdir()):
                found.append(pid)
        except OSError:  # gone meanwhile, or another user's process
            continue
    return found


def rasa_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (the operator's own URL)
            return b"Rasa" in response.read(200)
    except (OSError, ValueError):
        return False


def restore_sqlite(copy: Path, target: Path) -> None:
    """``target`` replaced by ``copy`` in one step (no half file if it stops); the old WAL journal
    goes first, so SQLite cannot mix its pages into the restored file."""
    temporary = target.with_name(target.name + ".restoring")
    temporary.unlink(missing_ok=True)
    shutil.copyfile(copy, temporary)
    temporary.chmod(0o600)
    for journal in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + journal).unlink(missing_ok=True)
    os.replace(temporary, target)


# ---- PostgreSQL ---------------------------------------------------------------------------------


def pg_environment(url: str) -> dict[str, str]:
    """libpq's variables for ``url``: the password stays out of the command line (``ps`` shows
    that to every user of the host) and out of the output."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    env = {**os.environ, "PGHOST": parsed.host or "127.0.0.1", "PGPORT": str(parsed.port or 5432),
           "PGDATABASE": parsed.database or "", "PGCONNECT_TIMEOUT": "10"}  # fmt: skip
    if parsed.username:
        env["PGUSER"] = parsed.username
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    if "sslmode" in parsed.query:
        env["PGSSLMODE"] = str(parsed.query["sslmode"])
    return env


def postgres_answers(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=2):
            return True
    except OSError:
        return False


def run_pg(command: list[str], url: str, what: str) -> None:
    env = pg_environment(url)
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()] or [f"exit status {done.returncode}"]
        message = lines[0].replace(env.get("PGPASSWORD") or "\0", "***")
        raise BackupError(f"{shown(url)}: {what} failed: {message}")


def backup_postgres(url: str, target: Path) -> None:
    run_pg([postgres_program("pg_dump"), "-Fc", "-f", str(target)], url, "pg_dump")
    target.chmod(0o600)


def restore_postgres(dump: Path, url: str) -> None:
    """Tables dropped and made again from the dump, in one transaction: a failed restore leaves
    the database as it was."""
    database = pg_environment(url)["PGDATABASE"]
    command = [postgres_program("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               "--exit-on-error", "-d", database, str(dump)]  # fmt: skip
    run_pg(command, url, "pg_restore")


# ---- which stores, backup, restore --------------------------------------------------------------
def postgres_url(database_url: str, cluster_home: Path) -> tuple[str, str]:
    """The PostgreSQL of this host and what to call it: ``DATABASE_URL``, else the local cluster's."""
    if database_url:
        return database_url, "DATABASE_URL"
    return local_cluster_database_url(cluster_home), "the local make cluster"


def stores_on_host(tracker_db: Path, events_db: Path, database_url: str, cluster_home: Path) -> list[Store]:
    """Every store found here: the SQLite files that exist, then PostgreSQL's tracker and events
    databases (``DATABASE_URL``'s, else the local cluster's if it answers: not running, it is
    told and skipped)."""
    found = [Store(role, "sqlite", str(path)) for role, path in (("tracker", tracker_db), ("events", events_db))
             if path.is_file()]  # fmt: skip
    url, origin = postgres_url(database_url, cluster_home)
    if url and not database_url and not postgres_answers(url):
        print(f"{shown(url)} ({origin}): does not answer, not backed up (start make cluster to back it up)")
        return found
    if url:
        found += [Store("tracker", "postgresql", url), Store("events", "postgresql", events_database_url(url))]
    return found


def backup(stores: list[Store], backups: Path, now: float | None = None) -> Path:
    """One folder with a copy of each store and the manifest; removed again if one copy fails."""
    moment = time.time() if now is None else now
    folder = new_folder(backups, moment)
    entries: list[dict[str, Any]] = []
    try:
        for store in stores:
            target = folder / store.file
            if store.kind == "sqlite":
                backup_sqlite(Path(store.source), target)
            else:
                backup_postgres(store.source, target)
            entries.append({"file": store.file, "role": store.role, "kind": store.kind,
                            "source": shown(store.source), "bytes": target.stat().st_size,
                            "sha256": sha256(target)})  # fmt: skip
            print(f"{shown(store.source)} -> {target} ({target.stat().st_size:,} bytes)")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    created = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = {"created": created, "files": entries}
    (folder / MANIFEST).touch(mode=0o600)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return folder


def read_manifest(folder: Path) -> list[dict[str, Any]]:
    """The manifest's entries, each file checked against its sha256 (before anything is restored)."""
    try:
        entries = list(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{folder}: no readable {MANIFEST} ({type(error).__name__})") from None
    for entry in entries:
        name = str(entry.get("file", ""))
        if Path(name).name != name or not name or entry.get("role") not in ("tracker", "events"):
            raise BackupError(f"{folder}/{MANIFEST}: unexpected entry {name!r}")
        path = folder / name
        if not path.is_file() or sha256(path) != entry.get("sha256"):
            raise BackupError(f"{path}: missing or changed (sha256 differs from the manifest); nothing restored")
    return entries


def restore(folder: Path, targets: dict[str, Path], database_url: str, cluster_home: Path,
            force: bool = False, rasa_url: str = RASA_URL) -> list[str]:  # fmt: skip
    """Every store of the backup ``folder`` put back: SQLite files to ``targets[role]``, PostgreSQL
    into this host's (``DATABASE_URL``, else the local cluster's). Returns what was restored."""
    entries = read_manifest(folder)
    sqlite_entries = [e for e in entries if e["kind"] == "sqlite"]
    if sqlite_entries and not force:
        if rasa_answers(rasa_url):
            raise BackupError(f"Rasa answers on {rasa_url}: stop the bot first (or --force); nothing restored")
        for entry in sqlite_entries:
            if pids := holders(targets[entry["role"]]):
                raise BackupError(f"{targets[entry['role']]} is open in process {', '.join(map(str, pids))}: "
                                  "stop the bot first (or --force); nothing restored")  # fmt: skip
    url, origin = postgres_url(database_url, cluster_home)
    if any(e["kind"] == "postgresql" for e in entries) and not url:
        raise BackupError("no PostgreSQL to restore into: set DATABASE_URL or start make cluster; nothing restored")
    done = []
    for entry in entries:
        copy = folder / entry["file"]
        if entry["kind"] == "sqlite":
            restore_sqlite(copy, targets[entry["role"]])
            done.append(f"{copy} -> {targets[entry['role']]}")
        else:
            into = url if entry["role"] == "tracker" else events_database_url(url)
            restore_postgres(copy, into)
            done.append(f"{copy} -> {shown(into)} ({origin})")
        print(done[-1])
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("backup", "restore"))
    parser.add_argument("folder", nargs="?", type=Path, help="restore: the backup folder (backups/<UTC time>)")
    parser.add_argument("--to", type=Path, default=BACKUPS, help="backup: where the folders go (default backups/)")
    parser.add_argument("--tracker-db", type=Path, default=TRACKER_DB, help="SQLite tracker store (make run)")
    parser.add_argument("--events-db", type=Path, default=EVENTS_DB, help="the event broker's SQLite file")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""), help="default: DATABASE_URL")
    parser.add_argument("--cluster-home", type=Path, default=CLUSTER_HOME, help="the local make cluster's files")
    parser.add_argument("--force", action="store_true", help="restore: even if the bot seems to be running")
    parser.add_argument("--rasa-url", default=RASA_URL, help="restore: refused while Rasa answers here")
    args = parser.parse_args(argv)
    os.umask(0o077)  # every file written here (dumps, SQLite's side files) readable by this user only
    try:
        if args.command == "restore":
            if args.folder is None:
                parser.error("restore needs the backup folder: make restore FROM=backups/<UTC time>")
            targets = {"tracker": args.tracker_db, "events": args.events_db}
            restore(args.folder, targets, args.database_url, args.cluster_home, args.force, args.rasa_url)
            print("restored; run `make purge` next: the backup may hold conversations past the retention period")
            return 0
        stores = stores_on_host(args.tracker_db, args.events_db, args.database_url, args.cluster_home)
        if not stores:
            print("nothing to back up on this host (no SQLite files, no DATABASE_URL, no local cluster)")
            return 0
        print(f"backup written: {backup(stores, args.to)}")
        return 0
    except BackupError as error:
        print(f"backup failed: {error}" if args.command == "backup" else f"restore failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

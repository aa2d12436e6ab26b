"""stores/backup.py (make backup, make restore) without servers: a consistent SQLite copy while a
writer writes, private modes, the manifest, passwords kept out of command lines and output, the
checks before a restore."""

from __future__ import annotations

import http.server
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from base.paths import ROOT
from ops.services import free_port
from stores import backup as b
from stores.retention import backup_age_time

PASSWORD = "2c68secret"


def make_db(path: Path, rows: int = 100) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        con.executemany("INSERT INTO events (sender_id, data) VALUES (?, ?)", [("c", "x" * 500)] * rows)
    return path


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTS_DATABASE_URL")}
    command = [sys.executable, "-m", "stores.backup", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**environment, **(env or {})})


def host_args(tmp_path: Path) -> list[str]:
    """A host of the test's own: its files in tmp_path, no cluster, no Rasa."""
    return ["--tracker-db", str(tmp_path / "tracker.db"), "--events-db", str(tmp_path / "events.db"),
            "--cluster-home", str(tmp_path / "no-cluster")]  # fmt: skip


def test_a_copy_made_while_a_writer_writes_is_consistent(tmp_path: Path) -> None:
    """The bot keeps writing during `make backup`: the copy is one snapshot that passes SQLite's
    integrity check, in one file (no WAL journal needed beside it)."""
    source = make_db(tmp_path / "tracker.db", rows=2_000)
    stop, written = threading.Event(), [0]

    def writer() -> None:
        con = sqlite3.connect(source, timeout=30)
        con.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            con.execute("INSERT INTO events (sender_id, data) VALUES ('w', ?)", ("y" * 2000,))
            con.commit()
            written[0] += 1
        con.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 50:
            time.sleep(0.01)
        copies = [tmp_path / f"copy{i}.db" for i in range(5)]
        for copy in copies:
            b.backup_sqlite(source, copy)
    finally:
        stop.set()
        thread.join()
    assert written[0] > 50
    for copy in copies:
        with sqlite3.connect(copy) as con:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert con.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'c'").fetchone()[0] == 2_000
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert not copy.with_name(copy.name + "-wal").exists()


def test_backup_writes_private_folders_and_a_manifest(tmp_path: Path) -> None:
    make_db(tmp_path / "tracker.db")
    make_db(tmp_path / "events.db", rows=3)
    backups = tmp_path / "backups"
    backups.mkdir(mode=0o755)
    done = run_cli("backup", "--to", str(backups), *host_args(tmp_path))
    assert done.returncode == 0, done.stderr
    (folder,) = backups.iterdir()
    assert backup_age_time(folder) == pytest.approx(time.time(), abs=30)
    assert stat.S_IMODE(backups.stat().st_mode) == 0o700  # also when it was there before, wider
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {
        "rasa_tracker.db": 0o600, "rasa_events.db": 0o600, "manifest.json": 0o600}  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["created"].endswith("Z") and manifest["created"][:10] == folder.name[:10]
    for entry in manifest["files"]:
        path = folder / entry["file"]
        assert entry["bytes"] == path.stat().st_size and entry["sha256"] == b.sha256(path)
    assert {(e["role"], e["kind"]) for e in manifest["files"]} == {("tracker", "sqlite"), ("events", "sqlite")}


def test_a_second_backup_in_the_same_second_gets_its_own_folder(tmp_path: Path) -> None:
    now = 1_796_548_500.0  # 2026-12-06 09:15:00 UTC
    first, second = b.new_folder(tmp_path, now), b.new_folder(tmp_path, now)
    assert (first.name, second.name) == ("2026-12-06T091500Z", "2026-12-06T091500Z-2")
    assert backup_age_time(second) == now


def test_a_host_with_nothing_to_back_up_says_so(tmp_path: Path) -> None:
    done = run_cli("backup", "--to", str(tmp_path / "backups"), *host_args(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "nothing to back up on this host" in done.stdout
    assert not (tmp_path / "backups").exists()


def test_a_database_that_refuses_gives_one_line_and_exit_1(tmp_path: Path) -> None:
    make_db(tmp_path / "tracker.db")
    url = f"postgresql://rasa:{PASSWORD}@127.0.0.1:{free_port()}/rasa"
    done = run_cli("backup", "--to", str(tmp_path / "backups"), *host_args(tmp_path), env={"DATABASE_URL": url})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "pg_dump failed" in done.stderr and "Connection refused" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert list((tmp_path / "backups").iterdir()) == []  # no backup that looks complete but is not


def test_a_local_cluster_that_does_not_run_is_told_and_skipped(tmp_path: Path) -> None:
    home = tmp_path / "no-cluster"
    home.mkdir()
    (home / "postgres-password").write_text(PASSWORD)
    (home / "postgres-port").write_text(str(free_port()))
    done = run_cli("backup", "--to", str(tmp_path / "backups"), *host_args(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "does not answer, not backed up" in done.stdout and "nothing to back up" in done.stdout
    assert PASSWORD not in done.stdout + done.stderr


def test_pg_dump_gets_the_password_in_its_environment_only(tmp_path: Path, monkeypatch: Any) -> None:
    """`ps` shows command lines to every user of the host; the manifest and output are read by others."""
    seen: list[tuple[list[str], dict[str, str]]] = []

    def fake_run(command: list[str], env: dict[str, str], **_: Any) -> subprocess.CompletedProcess:
        seen.append((command, env))
        Path(command[command.index("-f") + 1]).write_bytes(b"PGDMP")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(b.subprocess, "run", fake_run)
    url = f"postgresql://rasa:{PASSWORD}@db.example:5433/rasa?sslmode=require"
    stores = [b.Store("tracker", "postgresql", url), b.Store("events", "postgresql", b.events_database_url(url))]
    folder = b.backup(stores, tmp_path / "backups")
    assert [c[c.index("-f") - 1] for c, _ in seen] == ["-Fc", "-Fc"]
    assert all(PASSWORD not in " ".join(command) for command, _ in seen)
    given = [(e["PGPASSWORD"], e["PGHOST"], e["PGPORT"], e["PGDATABASE"], e["PGSSLMODE"]) for _, e in seen]
    assert given == [(PASSWORD, "db.example", "5433", database, "require") for database in ("rasa", "rasa_events")]
    manifest = (folder / "manifest.json").read_text()
    assert PASSWORD not in manifest and "db.example:5433/rasa_events" in manifest


def test_an_error_line_of_a_pg_tool_is_shown_without_the_password(monkeypatch: Any) -> None:
    def failing(command: list[str], env: dict[str, str], **_: Any) -> subprocess.CompletedProcess:
        return subprocess.CompletedProcess(command, 1, "", f"pg_restore: error: bad {env['PGPASSWORD']}\nmore\n")

    monkeypatch.setattr(b.subprocess, "run", failing)
    with pytest.raises(b.BackupError) as error:
        b.run_pg(["pg_restore"], f"postgresql://rasa:{PASSWORD}@127.0.0.1:5433/rasa", "pg_restore")
    assert PASSWORD not in str(error.value) and "more" not in str(error.value)
    assert str(error.value).startswith("postgresql://rasa:***@127.0.0.1:5433/rasa: pg_restore failed")


# ---- restore ------------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A backup of a tracker store with 100 rows, the store then changed to 7 rows."""
    source = make_db(tmp_path / "tracker.db")
    folder = b.backup([b.Store("tracker", "sqlite", str(source))], tmp_path / "backups")
    source.unlink()
    make_db(source, rows=7)
    return folder


def rows(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def restore_cli(folder: Path, tmp_path: Path, *extra: str, rasa_url: str = "http://127.0.0.1:1") -> Any:
    return run_cli("restore", str(folder), *host_args(tmp_path), "--rasa-url", rasa_url, *extra)


def test_restore_puts_the_file_back_and_drops_the_old_wal_journal(saved: Path, tmp_path: Path) -> None:
    target = tmp_path / "tracker.db"
    wal = target.with_name("tracker.db-wal")
    wal.write_bytes(b"stale journal of the file before")
    done = restore_cli(saved, tmp_path)
    assert done.returncode == 0, done.stderr
    assert rows(target) == 100 and not wal.exists()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "make purge" in done.stdout


@pytest.mark.parametrize(
    "damage",
    [
        lambda folder: (folder / "rasa_tracker.db").write_bytes(b"changed"),
        lambda folder: (folder / "rasa_tracker.db").unlink(),
        lambda folder: (folder / "manifest.json").write_text('{"files": [{"file": "../x", "role": "tracker"}]}'),
        lambda folder: (folder / "manifest.json").unlink(),
    ],
    ids=["changed", "missing", "path outside", "no manifest"],
)
def test_restore_refuses_a_damaged_backup_and_restores_nothing(saved: Path, tmp_path: Path, damage: Any) -> None:
    damage(saved)
    done = restore_cli(saved, tmp_path)
    assert done.returncode == 1 and "restore failed" in done.stderr and "Traceback" not in done.stderr
    assert rows(tmp_path / "tracker.db") == 7


@pytest.fixture
def fake_rasa() -> Iterator[str]:
    class Hello(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"Hello from Rasa: 3.6.21")

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_restore_refuses_while_rasa_answers_unless_forced(saved: Path, tmp_path: Path, fake_rasa: str) -> None:
    done = restore_cli(saved, tmp_path, rasa_url=fake_rasa)
    assert done.returncode == 1 and "Rasa answers" in done.stderr and "--force" in done.stderr
    assert rows(tmp_path / "tracker.db") == 7
    assert restore_cli(saved, tmp_path, "--force", rasa_url=fake_rasa).returncode == 0
    assert rows(tmp_path / "tracker.db") == 100


def test_restore_refuses_while_a_process_has_the_file_open(saved: Path, tmp_path: Path) -> None:
    """The bot on another port, or a worker still stopping: the file is open in its process."""
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import sqlite3, time; c = sqlite3.connect({str(tmp_path / 'tracker.db')!r}); "
         "c.execute('SELECT 1 FROM events').fetchall(); print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        done = restore_cli(saved, tmp_path)
        assert done.returncode == 1 and f"open in process {holder.pid}" in done.stderr
        assert rows(tmp_path / "tracker.db") == 7
    finally:
        holder.kill()
        holder.wait()
    assert restore_cli(saved, tmp_path).returncode == 0
    assert rows(tmp_path / "tracker.db") == 100


def test_restore_of_a_postgresql_backup_without_a_postgresql_restores_nothing(saved: Path, tmp_path: Path) -> None:
    dump = saved / "rasa.dump"
    dump.write_bytes(b"PGDMP")
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["files"].append({"file": "rasa.dump", "role": "tracker", "kind": "postgresql", "sha256": b.sha256(dump)})
    (saved / "manifest.json").write_text(json.dumps(manifest))
    done = restore_cli(saved, tmp_path)
    assert done.returncode == 1 and "no PostgreSQL to restore into" in done.stderr
    assert rows(tmp_path / "tracker.db") == 7

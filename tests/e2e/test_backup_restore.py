"""make backup and make restore over real servers: a conversation backed up while the bot runs,
its files deleted, restored, and after a restart its follow-up still finds its context; a
PostgreSQL database dumped and restored (pg_dump -Fc, pg_restore --clean)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from base.paths import ROOT
from ops.services import free_port
from tests.e2e.servers import running_servers

pytestmark = pytest.mark.e2e
SENDER = "restored-citizen"


def text_of(replies: list[dict[str, Any]]) -> str:
    return " ".join(str(r.get("text", "")) for r in replies)


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTS_DATABASE_URL")}
    command = [sys.executable, "-m", "stores.backup", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)


def count(db: Path, sender: str = SENDER) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)).fetchone()[0])


def test_a_restored_conversation_goes_on_with_its_context(tmp_path: Path) -> None:
    workdir, backups = tmp_path / "bot", tmp_path / "backups"
    tracker, events = workdir / "tracker.db", workdir / "events.db"
    host = ["--tracker-db", str(tracker), "--events-db", str(events), "--cluster-home", str(tmp_path / "no-cluster")]
    with running_servers(workdir) as servers:
        servers.say("Was ist ein kommunales Jobcenter?", sender=SENDER)
        assert "104" in text_of(servers.say("Wie viele kommunale Jobcenter gibt es?", sender=SENDER))
        made = cli("backup", "--to", str(backups), *host)  # while the bot runs
        assert made.returncode == 0, made.stderr
        (folder,) = backups.iterdir()
        refused = cli("restore", str(folder), *host, "--rasa-url", servers.rasa_url)
        assert refused.returncode == 1 and f"Rasa answers on {servers.rasa_url}" in refused.stderr
        # Rasa on a port restore does not ask: its process has the files open
        refused = cli("restore", str(folder), *host, "--rasa-url", f"http://127.0.0.1:{free_port()}")
        assert refused.returncode == 1 and f"is open in process {servers.rasa.pid}" in refused.stderr
        rasa_url = servers.rasa_url
    stored = count(tracker)
    assert stored > 0 and count(events) > 0
    for path in workdir.glob("*.db*"):  # the files and their WAL journals
        path.unlink()
    restored = cli("restore", str(folder), *host, "--rasa-url", rasa_url)
    assert restored.returncode == 0, restored.stderr
    assert count(tracker) == stored and count(events) > 0
    with running_servers(workdir) as servers:
        assert "303" in text_of(servers.say("Und gemeinsame Einrichtungen?", sender=SENDER))
        # the same follow-up without the conversation before it: the context came from the backup
        assert "303" not in text_of(servers.say("Und gemeinsame Einrichtungen?", sender="never-seen"))


@pytest.fixture
def postgres(tmp_path: Path) -> Any:
    from ops.cluster import start_postgres

    with start_postgres(tmp_path / "pg" / "postgres", free_port()) as pg:
        yield pg


def rows(url: str) -> list[tuple[str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as con:
            return [(r[0], r[1]) for r in con.execute(sa.text("SELECT sender_id, data FROM events ORDER BY id"))]
    finally:
        engine.dispose()


def test_a_postgresql_database_is_dumped_and_restored(tmp_path: Path, postgres: Any) -> None:
    url, backups = postgres.url, tmp_path / "backups"
    engine = sa.create_engine(url)
    with engine.begin() as con:
        con.execute(sa.text("CREATE TABLE events (id serial PRIMARY KEY, sender_id text, data text)"))
        for n in range(50):
            con.execute(sa.text("INSERT INTO events (sender_id, data) VALUES (:s, :d)"), {"s": f"c{n}", "d": "Frage"})
    before = rows(url)
    host = ["--tracker-db", str(tmp_path / "none.db"), "--events-db", str(tmp_path / "none-events.db"),
            "--cluster-home", str(tmp_path / "no-cluster"), "--database-url", url]  # fmt: skip
    made = cli("backup", "--to", str(backups), *host)
    assert made.returncode == 0, made.stderr
    assert postgres.password not in made.stdout + made.stderr
    (folder,) = backups.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "rasa_events.dump", "rasa_tracker.dump"]
    assert postgres.password not in (folder / "manifest.json").read_text()
    with engine.begin() as con:  # what a restore must undo
        con.execute(sa.text("DELETE FROM events WHERE id > 10"))
        con.execute(sa.text("UPDATE events SET data = 'changed'"))
    engine.dispose()
    restored = cli("restore", str(folder), *host)
    assert restored.returncode == 0, restored.stderr
    assert postgres.password not in restored.stdout + restored.stderr
    assert rows(url) == before and len(before) == 50

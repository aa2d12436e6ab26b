"""The cluster's PostgreSQL (``make cluster``, ops/cluster.py): Debian's server with a data
directory under ``build/cluster/postgres``, created on first start, run as the ``postgres`` user
(PostgreSQL refuses to run as root), on loopback and a stable port (``CLUSTER_DB_PORT``, default
5433). A server left running by a cluster that was killed is stopped at the next start."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from base.paths import EVENTS_DATABASE, postgres_program


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the user Debian's package creates."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Postgres:
    home: Path  # owned by the postgres user: data/, log, socket
    port: int
    password: str

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def url(self) -> str:
        return f"postgresql://rasa:{self.password}@127.0.0.1:{self.port}/rasa"

    def ctl(self, *args: str) -> None:
        if os.geteuid() == 0:
            reachable(self.home)
        command = [postgres_program("pg_ctl"), "-D", str(self.data), "-l", str(self.home / "postgres.log"), *args]
        subprocess.run(as_postgres(command), check=True, stdout=subprocess.DEVNULL)

    def running(self) -> bool:
        """``pg_ctl status``: 0 while a server runs on this data directory, 3 when none does."""
        if os.geteuid() == 0:
            reachable(self.home)
        command = [postgres_program("pg_ctl"), "-D", str(self.data), "status"]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        return subprocess.run(as_postgres(command), **quiet).returncode == 0  # type: ignore[call-overload]

    def recover(self) -> str:
        """A server of an earlier run that was not stopped (the cluster was killed) is stopped, a
        lock file of a dead one removed: the data directory is this cluster's alone. Returns what
        was done ("" when nothing was left)."""
        lock = self.data / "postmaster.pid"
        if self.running():
            self.stop()
            return "a PostgreSQL server left running by an earlier start was stopped"
        if lock.is_file():
            lock.unlink()
            return "the lock file of an earlier PostgreSQL server that is gone was removed"
        return ""

    def start(self) -> None:
        options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1"
        self.ctl("-w", "-t", "60", "-o", options, "start")

    def stop(self) -> None:
        self.ctl("-w", "-m", "fast", "stop")


def reachable(home: Path) -> None:
    """As root: the postgres user may pass through every folder above ``home`` (o+x). Checked before
    each pg_ctl call: another program may take it away meanwhile (pytest resets its temporary
    folder's mode on every start)."""
    for parent in (home.parent, *home.parent.parents):
        if parent == Path("/"):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def prepare_postgres(home: Path, port: int) -> Postgres:
    """The folder of the data directory, owned by the postgres user, and the password."""
    home.mkdir(parents=True, exist_ok=True)
    password_file = home.parent / "postgres-password"  # readable by this user only (base/paths.py)
    if not password_file.is_file():
        password_file.write_text(secrets.token_hex(16), encoding="utf-8")
        password_file.chmod(0o600)
    pg = Postgres(home, port, password_file.read_text(encoding="utf-8").strip())
    if os.geteuid() == 0:
        reachable(home)
        shutil.chown(home, "postgres", "postgres")
    home.chmod(0o700)
    return pg


def create_database(pg: Postgres) -> None:
    """A new data directory (``initdb``); after the start: the user ``rasa`` and its database."""
    init = [postgres_program("initdb"), "-D", str(pg.data), "-U", "postgres", "--auth-local=peer",
            "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C.UTF-8"]  # fmt: skip
    subprocess.run(as_postgres(init), check=True, stdout=subprocess.DEVNULL)


def psql(pg: Postgres, statement: str) -> str:
    command = ["psql", "-qtA", "-h", str(pg.home), "-p", str(pg.port), "-U", "postgres", "-c", statement]
    return subprocess.run(as_postgres(command), check=True, capture_output=True, text=True).stdout.strip()


def create_user(pg: Postgres) -> None:
    for statement in (f"CREATE ROLE rasa LOGIN PASSWORD '{pg.password}'", "CREATE DATABASE rasa OWNER rasa"):
        psql(pg, statement)


def create_events_database(pg: Postgres) -> None:
    """The event broker's database, also in a data directory made before it existed."""
    if not psql(pg, f"SELECT 1 FROM pg_database WHERE datname = '{EVENTS_DATABASE}'"):
        psql(pg, f"CREATE DATABASE {EVENTS_DATABASE} OWNER rasa")


@contextmanager
def start_postgres(home: Path, port: int) -> Iterator[Postgres]:
    """PostgreSQL on ``port``, recovered from an earlier run left behind; the port is written
    beside the password (``postgres-port``), where `make report`, `make purge` and `make backup`
    look for it (base/paths.py ``local_cluster_database_url``)."""
    pg = prepare_postgres(home, port)
    new = not (pg.data / "PG_VERSION").is_file()
    if new:
        create_database(pg)
    else:
        recovered = pg.recover()
        if recovered:
            print(f"cluster: {recovered}", file=sys.stderr, flush=True)
    pg.start()
    port_file = home.parent / "postgres-port"
    port_file.write_text(f"{port}\n", encoding="utf-8")
    if new:
        create_user(pg)
    create_events_database(pg)
    try:
        yield pg
    finally:
        with suppress(subprocess.CalledProcessError):  # already stopped
            pg.stop()

"""``make report`` finds its store and keeps one report per day (report/store.py, report/__main__.py):
the choice of store as a table, a database that does not answer, dated files, retention."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import report.__main__ as make_report
from base.paths import ROOT
from report.store import NoStore, Store, choose, events_of
from stores.retention import purge_reports
from tests.test_report import DAY, conversation

ENV_URL = "postgresql://rasa:env-secret@db.example:5432/rasa_events"
CLUSTER_URL = "postgresql://rasa:cluster-secret@127.0.0.1:5433/rasa_events"
NO_DATABASE_ENV = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "EVENTS_DATABASE_URL")}


def events_file(path: Path, conversations: dict[str, list[dict[str, Any]]]) -> Path:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        rows = [(sender, json.dumps(e)) for sender, events in conversations.items() for e in events]
        con.executemany("INSERT INTO events (sender_id, data) VALUES (?, ?)", rows)
    return path


@pytest.mark.parametrize(
    ("given", "env", "cluster", "file_exists", "cluster_ran", "expected"),
    [
        # --db wins over everything; a --db that does not exist is said, never replaced by another store
        ("given.db", ENV_URL, False, True, True, ("given.db", False)),
        ("missing.db", "", False, True, True, "missing.db: no such file"),
        # the environment's URL, also before --cluster
        (None, ENV_URL, False, True, True, (ENV_URL, False)),
        (None, ENV_URL, True, True, True, (ENV_URL, False)),
        # --cluster: the local cluster's database, even with a SQLite file; refused when it never ran
        (None, "", True, True, True, (CLUSTER_URL, True)),
        (None, "", True, True, False, "--cluster: make cluster never ran on this host"),
        # nothing asked for: the SQLite file of make run, else the local cluster, else one line
        (None, "", False, True, True, ("rasa_events.db", False)),
        (None, "", False, False, True, (CLUSTER_URL, True)),
        (None, "", False, False, False, "No conversations stored on this host"),
    ],
)
def test_the_store_the_report_reads(
    tmp_path: Path, given: str | None, env: str, cluster: bool, file_exists: bool, cluster_ran: bool, expected: Any
) -> None:
    default = tmp_path / "rasa_events.db"
    for name in ("rasa_events.db", "given.db"):
        if file_exists:
            (tmp_path / name).write_bytes(b"")
    db = tmp_path / given if given else None
    if isinstance(expected, str):
        with pytest.raises(NoStore, match=expected.replace("-", r"\-")):
            choose(db, env, cluster, default, CLUSTER_URL if cluster_ran else "")
        return
    store = choose(db, env, cluster, default, CLUSTER_URL if cluster_ran else "")
    location, is_cluster = expected
    assert store.location in (location, str(tmp_path / location)) and store.cluster is is_cluster
    assert "secret" not in str(store)  # printed without its password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_cluster_database_that_is_not_running_is_one_line() -> None:
    port = free_port()
    store = Store(f"postgresql://rasa:cluster-secret@127.0.0.1:{port}/rasa_events", "--cluster", cluster=True)
    with pytest.raises(NoStore) as refused:
        list(events_of(store))
    assert str(refused.value) == f"the cluster's database at 127.0.0.1:{port} is not running: start make cluster"


def test_a_refused_database_ends_the_report_with_one_line_and_status_1(tmp_path: Path) -> None:
    """As an operator runs it: exit status 1, one line on stderr, no traceback, no password."""
    port = free_port()
    env = {**NO_DATABASE_ENV, "EVENTS_DATABASE_URL": f"postgresql://rasa:env-secret@127.0.0.1:{port}/rasa_events"}
    done = subprocess.run([sys.executable, "-m", "report", "--out", str(tmp_path / "reports")], cwd=ROOT, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"the database at 127.0.0.1:{port} is not running (connection refused): "
        f"postgresql://rasa:***@127.0.0.1:{port}/rasa_events"
    )
    assert "env-secret" not in done.stdout + done.stderr and not (tmp_path / "reports").exists()


def test_cluster_flag_reads_the_local_cluster(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: Any) -> None:
    port = free_port()
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EVENTS_DATABASE_URL", raising=False)
    monkeypatch.setattr(
        make_report, "local_cluster_database_url", lambda: f"postgresql://rasa:pw@127.0.0.1:{port}/rasa"
    )
    with pytest.raises(SystemExit) as ended:
        make_report.main(["--cluster", "--out", str(tmp_path)])
    assert ended.value.code == f"the cluster's database at 127.0.0.1:{port} is not running: start make cluster"
    assert capsys.readouterr().out == (
        f"reading postgresql://rasa:***@127.0.0.1:{port}/rasa_events (--cluster: the local make cluster)\n"
    )


def test_each_run_writes_the_days_report_and_the_latest_copy(tmp_path: Path, monkeypatch: Any, capsys: Any) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("EVENTS_DATABASE_URL", raising=False)
    db = events_file(tmp_path / "events.db", {
        "a": conversation("a", ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter")),
        "test-1": conversation("test-1", ("xyz", "utter_suggest")),
    })  # fmt: skip
    out = tmp_path / "reports"
    before = dt.datetime.now(dt.timezone.utc).date()
    make_report.main(["--db", str(db), "--out", str(out)])
    today = dt.datetime.now(dt.timezone.utc).date()
    day = (today if (out / f"report-{today}.json").exists() else before).isoformat()
    names = [f"report-{day}.html", f"report-{day}.json", "report.html", "report.json"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert [stat.S_IMODE(p.stat().st_mode) for p in (out, *(out / n for n in names))] == [0o700] + [0o600] * 4
    assert (out / f"report-{day}.json").read_text(encoding="utf-8") == (out / "report.json").read_text(encoding="utf-8")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["conversations"] == 1 and report["left_out"][0]["reason"] == "test_sender"
    printed = capsys.readouterr().out
    assert f"reading {db} (--db)" in printed and "conversations left out: 1 (test_sender)" in printed
    # the same day again replaces that day's files; --include-test counts the test conversation
    make_report.main(["--db", str(db), "--out", str(out), "--include-test"])
    assert sorted(p.name for p in out.iterdir()) == names
    assert json.loads((out / f"report-{day}.json").read_text(encoding="utf-8"))["conversations"] == 2
    # another day keeps the first day's files beside its own
    make_report.write_report(report, out, dt.date(2030, 1, 2))
    assert len(list(out.iterdir())) == 6 and (out / "report-2030-01-02.html").is_file()


def test_make_purge_deletes_old_dated_reports_and_keeps_recent_ones(tmp_path: Path) -> None:
    """stores/retention.py deletes every file in reports/ older than the retention period: the
    dated reports too, by the time they were written."""
    reports = tmp_path / "reports"
    reports.mkdir()
    old, recent = reports / "report-2026-10-01.html", reports / f"report-{dt.date.today()}.json"
    for path in (old, recent, reports / "report.html"):
        path.write_text("Frage", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    assert purge_reports(reports, 30) == 1
    assert sorted(p.name for p in reports.iterdir()) == sorted([recent.name, "report.html"])


def test_the_page_names_the_store_it_read_without_password(tmp_path: Path) -> None:
    from report.figures import figures
    from report.html import page
    from report.turns import turns_of

    report = figures(turns_of("a", conversation("a", ("xyz", "utter_suggest"), start=DAY)))
    report["store"] = str(Store(CLUSTER_URL, "--cluster", cluster=True))
    html = page(report, 30)
    assert "postgresql://rasa:***@127.0.0.1:5433/rasa_events" in html and "cluster-secret" not in html

"""Faults: the action server dies or hangs, Rasa restarts. The citizen always gets an answer."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from base.paths import MODEL
from ops.services import free_port, start_actions, start_rasa, stop
from pipeline.render import render

pytestmark = pytest.mark.e2e
WEBSITE = "https://www.erzgebirgskreis.de"  # the slot official_website (domain/domain.yml)


def say(port: int, text: str, sender: str, language: str | None = None) -> str:
    body = {"sender": sender, "message": text, "metadata": {"language": language} if language else {}}
    r = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", json=body, timeout=30)
    r.raise_for_status()
    return "\n".join(m.get("text", "") for m in r.json())


def hanging_server(port: int) -> subprocess.Popen:
    """A server on ``port`` that accepts every connection and never answers."""
    return subprocess.Popen(
        [sys.executable, "-c", (
            "import socket,time\n"
            f"s=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('127.0.0.1',{port}));"
            "s.listen(50)\nconns=[]\nwhile True:\n c,_=s.accept();conns.append(c)\n"
        )],
    )  # fmt: skip


@pytest.fixture(autouse=True)
def model() -> None:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")


def test_action_server_down_then_back(tmp_path: Path) -> None:
    log = tmp_path / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    with start_rasa(tmp_path, rasa_port, actions_port, log):
        with start_actions(actions_port, log) as actions:
            assert "104" in say(rasa_port, "Wie viele kommunale Jobcenter gibt es?", "fault")
            stop(actions)  # killed mid-conversation
            answer = say(rasa_port, "Wie viele gemeinsame Einrichtungen gibt es?", "fault")
            assert "nicht abrufen" in answer and "303" not in answer
            assert "automatisiertes Programm" in say(rasa_port, "Hallo", "fault")  # no action needed
            # in the conversation's language (issue 25: the fault answers were German only)
            for code in ("en", "ar"):
                told = render("utter_action_unavailable", code, {"official_website": WEBSITE})
                assert told and told["text"] in say(rasa_port, "How many joint facilities are there?", code, code)
        with start_actions(actions_port, log):  # back: works again by itself
            assert "303" in say(rasa_port, "Wie viele gemeinsame Einrichtungen gibt es?", "fault")


def test_slow_action_server_gets_an_answer_within_the_timeout(tmp_path: Path) -> None:
    """A server that accepts the call and never answers: the citizen hears back after ~3 s."""
    port = free_port()
    hang = hanging_server(port)
    try:
        rasa_port = free_port()
        with start_rasa(tmp_path, rasa_port, port, tmp_path / "servers.log"):
            start = time.monotonic()
            answer = say(rasa_port, "Wie viele gemeinsame Einrichtungen gibt es?", "slow")
            elapsed = time.monotonic() - start
            assert "nicht abrufen" in answer
            assert elapsed < 10
    finally:
        hang.kill()


def test_conversation_continues_after_a_rasa_restart(tmp_path: Path) -> None:
    log = tmp_path / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    with start_actions(actions_port, log):
        with start_rasa(tmp_path, rasa_port, actions_port, log):
            assert "104" in say(rasa_port, "Wie viele kommunale Jobcenter gibt es?", "restart")
        with start_rasa(tmp_path, rasa_port, actions_port, log):
            assert "303" in say(rasa_port, "Und gemeinsame Einrichtungen?", "restart")


# Rasa's start-up error (rasa/core/tracker_store.py ``TrackerStore.create``) with SQLite's
CANNOT_OPEN = "Cannot connect to tracker store.(sqlite3.OperationalError) unable to open database file"


def cannot_create_in(folder: Path) -> bool:
    try:
        (folder / "probe").touch()
    except OSError:
        return True
    (folder / "probe").unlink()
    return False


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder in which this user cannot create a file. Made read-only (mode 0555); root writes
    there anyway (CAP_DAC_OVERRIDE), so for root it is also made immutable (``chattr +i``, which
    stops root too); where that is not possible either (no CAP_LINUX_IMMUTABLE, a file system
    without the attribute), the folder's name is given to a regular file: nobody can create
    anything under a file. Checked before the test uses it."""
    folder = tmp_path / "readonly"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if not cannot_create_in(folder) and shutil.which("chattr"):
        immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    if not cannot_create_in(folder):
        folder.rmdir()
        folder.write_text("a file, not a folder\n")
    assert cannot_create_in(folder), f"{folder} is still writable"
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        if folder.is_dir():
            folder.chmod(0o755)  # so that pytest can remove it


def test_unwritable_tracker_store_stops_start_up(tmp_path: Path, unwritable_folder: Path) -> None:
    """Rasa with the project's tracker store (endpoints.yml) in a folder it cannot write refuses to
    start: it must not serve conversations it cannot keep. The servers' own configuration but
    for the database's path, so that nothing else can make start-up fail."""
    log, db = tmp_path / "servers.log", unwritable_folder / "tracker.db"
    starting = start_rasa(tmp_path, free_port(), free_port(), log, tracker_store={"db": str(db)})
    with pytest.raises(RuntimeError, match="exited with 1"), starting:
        pass
    assert CANNOT_OPEN in log.read_text(encoding="utf-8", errors="replace")
    assert not db.exists()


def test_rasa_own_sql_store_when_unwritable_starts_but_answers_store_unavailable(
    tmp_path: Path, unwritable_folder: Path
) -> None:
    """Rasa's own store (``type: SQL``) only logs that it could not create its tables and starts
    anyway; every message then fails on the database, and the citizen gets the notice of change 1
    (engine/changes.py), not silence. What the project's store (above) prevents at start-up."""
    log, db, port = tmp_path / "servers.log", unwritable_folder / "tracker.db", free_port()
    with start_rasa(
        tmp_path, port, free_port(), log, tracker_store={"type": "SQL", "dialect": "sqlite", "db": str(db)}
    ):
        answer = say(port, "Hallo", "unwritable")
    assert answer.startswith("Ihre Nachricht kann gerade nicht bearbeitet werden"), answer
    assert "Could not create tables: (sqlite3.OperationalError) unable to open database file" in log.read_text(
        encoding="utf-8", errors="replace"
    )
    assert not db.exists()


def test_a_cancelled_request_leaves_no_text_in_the_log(tmp_path: Path) -> None:
    """Rasa logged the original text of a REST request that was cancelled or failed (issue 13)."""
    port = free_port()
    hang = hanging_server(port)
    log = tmp_path / "servers.log"
    text = "Wie viele gemeinsame Einrichtungen gibt es? zebra-4711 erika.musterfrau@example.org"
    try:
        rasa_port = free_port()
        with start_rasa(tmp_path, rasa_port, port, log):
            with pytest.raises(requests.exceptions.ReadTimeout):  # the client gives up: cancelled
                requests.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                              json={"sender": "cancelled", "message": text}, timeout=1)  # fmt: skip
            time.sleep(5)
    finally:
        hang.kill()
    written = log.read_text(encoding="utf-8", errors="replace")
    assert "rest.message.received" in written  # Rasa logged the event ...
    assert "zebra-4711" not in written and "erika" not in written  # ... without the text

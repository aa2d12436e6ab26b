"""Faults: the action server dies or hangs, Rasa restarts. The citizen always gets an answer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from base.paths import MODEL, ROOT
from ops.services import free_port, start_actions, start_rasa, stop

pytestmark = pytest.mark.e2e


def say(port: int, text: str, sender: str) -> str:
    r = requests.post(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
    )
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


@pytest.mark.parametrize("store", ["stores.tracker_store.SQLiteTrackerStore", "SQL"])
def test_unwritable_tracker_store_stops_start_up(tmp_path: Path, store: str) -> None:
    db_dir = tmp_path / "readonly"
    db_dir.mkdir()
    (db_dir / "tracker.db").write_bytes(b"this is not a sqlite database" * 100)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: {store}\n  dialect: sqlite\n  db: {db_dir / 'tracker.db'}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "run", "--model", str(MODEL), "--port", str(free_port()),
         "--interface", "127.0.0.1", "--endpoints", str(endpoints), "--credentials", str(ROOT / "credentials.yml")],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode != 0


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

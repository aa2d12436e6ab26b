"""Beyond one machine (make cluster, ops/cluster.py): three Rasa instances on PostgreSQL and
Redis behind nginx, started on loopback as `make cluster` starts them. Follow-ups across
instances, 32 conversations over REST and socket.io through nginx, redaction and retention on
PostgreSQL, PostgreSQL restarting, an instance killed during a load run; nginx names instances
instead of their addresses, serves the demo page with the demo server's headers, and never sends
a message that was broken off to a second instance."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
import socketio
import sqlalchemy as sa

from base.paths import MODEL
from ops.cluster import Cluster, running_cluster, start_nginx
from ops.services import free_port
from pipeline.rate_limit import NO_RATE_LIMITS
from stores.retention import POSTGRES_EVENT_TIME, purge_postgres
from tests.e2e.test_load import CONVERSATIONS, MESSAGES, one_round

pytestmark = pytest.mark.cluster
INSTANCES = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
        pytest.fail("nginx missing: run `make nginx`")
    with running_cluster(
        tmp_path_factory.mktemp("cluster"), port=free_port(), instances=INSTANCES, extra_env=NO_RATE_LIMITS
    ) as c:
        yield c


def say(cluster: Cluster, sender: str, text: str, tries: int = 1) -> tuple[int, str, str]:
    """Status, the reply's text and the instance nginx chose; a client's retry on a failure, after
    a pause as a citizen's second try would come (nginx no longer sends a message that was broken
    off to another instance: the client gets the error and asks again)."""
    for attempt in range(tries):
        if attempt:
            time.sleep(2.0 * attempt)
        try:
            r = requests.post(
                f"{cluster.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
            )
        except requests.ConnectionError:
            if attempt == tries - 1:
                raise
            continue
        if r.status_code == 200 or attempt == tries - 1:
            text_out = " ".join(m.get("text", "") for m in r.json()) if r.status_code == 200 else ""
            return r.status_code, text_out, r.headers.get("X-Instance", "")
    raise AssertionError("unreachable")


def wait_until_true(condition: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def events_text(cluster: Cluster, sender: str, url: str | None = None) -> str:
    """What a database holds of one conversation: the tracker store's, or ``url`` (the event broker's)."""
    engine = sa.create_engine(url or cluster.database_url)
    try:
        with engine.connect() as con:
            rows = con.execute(sa.text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender}).fetchall()
    finally:
        engine.dispose()
    return "\n".join(r[0] for r in rows)


def test_follow_ups_while_messages_land_on_different_instances(cluster: Cluster) -> None:
    moves, seen = 0, set()
    for _ in range(6):
        sender = f"follow-{uuid.uuid4().hex[:12]}"
        status, first, one = say(cluster, sender, "Wie viele kommunale Jobcenter gibt es?")
        assert status == 200 and "104" in first
        status, second, two = say(cluster, sender, "Und gemeinsame Einrichtungen?")
        assert status == 200 and "303" in second, second  # the context came from the database
        moves += one != two
        seen |= {one, two}
    assert len(seen) == INSTANCES and moves >= 3, (seen, moves)
    assert seen == {f"rasa-{i + 1}" for i in range(INSTANCES)}  # names, not internal addresses (issue 24)


def test_the_demo_page_through_nginx_has_the_demo_servers_headers(cluster: Cluster) -> None:
    """Files only, and the CSP of ops/web.py (issue 24)."""
    for path, status in [("/", 200), ("/datenschutz.html", 200), ("/static/widget.js", 200), ("/static/", 404),
                         ("/static", 404), ("/static/vendor/", 404), ("/nothing", 404)]:  # fmt: skip
        r = requests.get(f"{cluster.url}{path}", timeout=10, allow_redirects=False)
        assert r.status_code == status, (path, r.status_code)
        assert status == 200 or "widget" not in r.text  # no folder listing
        policy = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert f"connect-src 'self' {cluster.url} {cluster.url.replace('http:', 'ws:')};" in policy
        assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["Referrer-Policy"] == "no-referrer"
        assert "X-Instance" not in r.headers and "nginx/" not in r.headers.get("Server", "")


def test_the_widget_page_and_socket_io_through_nginx(cluster: Cluster) -> None:
    page = requests.get(f"{cluster.url}/", timeout=10)
    assert page.status_code == 200 and cluster.url in page.text  # the widget talks to nginx
    assert requests.get(f"{cluster.url}/static/widget.js", timeout=10).status_code == 200
    polling = requests.get(f"{cluster.url}/socket.io/?EIO=4&transport=polling", timeout=10)
    assert polling.status_code == 400  # websocket only: a socket never needs a second instance

    async def greeting() -> str:
        client = socketio.AsyncClient(reconnection=False)
        replies: asyncio.Queue[dict] = asyncio.Queue()
        client.on("bot_uttered", lambda data: replies.put_nowait(data))
        await client.connect(cluster.url, headers={"Origin": cluster.url}, transports=["websocket"],
                             socketio_path="/socket.io", wait_timeout=30)  # fmt: skip
        await client.emit("session_request", {"session_id": ""})
        await client.emit("user_uttered", {"message": "Hallo"})
        reply = await asyncio.wait_for(replies.get(), 60)
        await client.disconnect()
        return str(reply.get("text", ""))

    assert "automatisiert" in asyncio.run(greeting())


def test_32_conversations_over_rest_and_socket_io_none_lost_or_crossed(cluster: Cluster) -> None:
    problems: list[str] = []
    started = time.monotonic()
    answered = asyncio.run(one_round(cluster.url, problems))
    print(f"\ncluster load: {answered} replies in {time.monotonic() - started:.1f} s, {len(problems)} problems")
    assert problems == []  # no 5xx (REST), each reply names its own conversation's Jobcenter
    assert answered == CONVERSATIONS * MESSAGES


def test_redaction_and_retention_hold_on_postgresql(cluster: Cluster) -> None:
    sender = f"pii-{uuid.uuid4().hex[:12]}"
    status, _, _ = say(cluster, sender, "Meine Mail ist erika.musterfrau@example.org, IBAN DE89 3704 0044 0532 0130 00")
    assert status == 200
    stored = events_text(cluster, sender)
    assert stored and "erika" not in stored and "DE89" not in stored and "[E-Mail]" in stored
    assert purge_postgres(cluster.database_url, days=30) == 0  # nothing is old yet
    deleted = purge_postgres(cluster.database_url, days=0, now=time.time() + 60)
    assert deleted >= 1 and events_text(cluster, sender) == ""
    # the event broker's copy for the report (database rasa_events): redacted, read by the report, purged
    events_url = cluster.env["EVENTS_DATABASE_URL"]
    copy = wait_until_true(lambda: events_text(cluster, sender, events_url))
    assert "erika" not in copy and "DE89" not in copy and "[E-Mail]" in copy
    from report.__main__ import all_turns, stored_events

    [turn] = [t for t in all_turns(stored_events(url=events_url)) if t.conversation == sender]
    assert turn.channel == "rest" and "[E-Mail]" in turn.text
    assert purge_postgres(events_url, days=0, now=time.time() + 60, time_sql=POSTGRES_EVENT_TIME) >= 1
    assert events_text(cluster, sender, events_url) == ""


def test_postgresql_restarting_gets_a_clear_answer_then_full_recovery(cluster: Cluster) -> None:
    assert cluster.postgres is not None
    sender = f"pg-{uuid.uuid4().hex[:12]}"
    assert "104" in say(cluster, sender, "Wie viele kommunale Jobcenter gibt es?")[1]
    cluster.postgres.stop()
    try:
        status, text, _ = say(cluster, sender, "Und gemeinsame Einrichtungen?")
        assert status == 503 or (status == 200 and "noch einmal" in text), (status, text)
    finally:
        cluster.postgres.start()
    for instance in range(INSTANCES):  # every instance recovers by itself
        status, text, _ = say(cluster, f"{sender}-{instance}", "Wie viele kommunale Jobcenter gibt es?")
        assert status == 200 and "104" in text
    assert "303" in say(cluster, sender, "Und gemeinsame Einrichtungen?")[1]  # the conversation goes on


def stored_events(cluster: Cluster, sender: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as con:
            rows = con.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).fetchall()
    finally:
        engine.dispose()
    return [json.loads(r[0]) for r in rows]


class BreakingProxy(socketserver.ThreadingTCPServer):
    """Between nginx and one instance: passes each request on and, when the instance's answer
    begins (it has stored the message by then), breaks the connection off, so the answer never
    reaches nginx: a network fault, or an instance dying right after it stored the message."""

    daemon_threads = True

    def __init__(self, target: str) -> None:
        self.target = (urlparse(target).hostname or "127.0.0.1", int(urlparse(target).port or 80))
        self.requests = 0  # requests the instance got through this proxy
        super().__init__(("127.0.0.1", 0), BreakingHandler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class BreakingHandler(socketserver.BaseRequestHandler):
    server: BreakingProxy

    def handle(self) -> None:
        client: socket.socket = self.request
        upstream = socket.create_connection(self.server.target, timeout=60)

        def forward() -> None:
            with suppress(OSError):
                while data := client.recv(65536):
                    if data.startswith(b"POST "):
                        self.server.requests += 1
                    upstream.sendall(data)

        threading.Thread(target=forward, daemon=True).start()
        with suppress(OSError):
            upstream.recv(1)  # the answer begins: break off
        for s in (client, upstream):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()


def test_a_message_broken_off_mid_request_is_stored_and_answered_once(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """nginx passed a message whose answer broke off to the next instance (``non_idempotent``),
    which stored and answered it again: up to three times (issue 24). Now the client gets 502,
    and the conversation holds the message and its answer once."""
    proxies = [BreakingProxy(instance.url) for instance in cluster.instances[:2]]
    sender = f"broken-{uuid.uuid4().hex[:12]}"
    try:
        port = free_port()  # nginx as `make cluster` configures it, in front of the two proxies
        with start_nginx(tmp_path_factory.mktemp("nginx-broken"), port, [p.url for p in proxies]):
            r = requests.post(f"http://127.0.0.1:{port}/webhooks/rest/webhook", timeout=60,
                              json={"sender": sender, "message": "Wie viele kommunale Jobcenter gibt es?"})  # fmt: skip
        assert r.status_code == 502
    finally:
        for proxy in proxies:
            proxy.shutdown()
            proxy.server_close()
    events = stored_events(cluster, sender)
    users = [e for e in events if e.get("event") == "user"]
    answers = [e for e in events if e.get("event") == "bot" and "104" in str(e.get("text"))]
    assert (len(users), len(answers), sum(p.requests for p in proxies)) == (1, 1, 1)
    status, text, _ = say(cluster, sender, "Und gemeinsame Einrichtungen?")  # the conversation goes on
    assert status == 200 and "303" in text


def test_an_instance_killed_during_a_load_run_loses_no_message(cluster: Cluster) -> None:
    results: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def conversation() -> None:
        sender = f"kill-{uuid.uuid4().hex[:12]}"
        for i in range(10):
            question, answer = ("Wie viele kommunale Jobcenter gibt es?", "104") if i % 2 == 0 else (
                "Und gemeinsame Einrichtungen?", "303")  # fmt: skip
            status, text, _ = say(cluster, sender, question, tries=4)
            with lock:
                results.append((status, answer, text))

    threads = [threading.Thread(target=conversation) for _ in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    cluster.kill(0)
    for t in threads:
        t.join(120)
    lost = [r for r in results if r[0] != 200 or r[1] not in r[2]]
    print(f"\nkilled one instance during {len(results)} messages: {len(lost)} lost or wrong")
    assert len(results) == 80 and lost == []
    cluster.restart(0)
    status, text, _ = say(cluster, "after-restart", "Wie viele kommunale Jobcenter gibt es?")
    assert status == 200 and "104" in text

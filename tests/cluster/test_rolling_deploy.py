"""A new model in the cluster without downtime (ops/rolling.py): while 16 conversations talk over
REST and socket.io through nginx, the model file is replaced as `make deploy` replaces it; the
supervisor replaces the instances one at a time. Nothing is lost, nothing answered twice, and
follow-ups keep their context on the new instances."""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

import aiohttp
import pytest
import requests
import socketio
import sqlalchemy as sa

from base.paths import MODEL
from ops.cluster import Cluster, running_cluster
from ops.deploy import changed_copy
from ops.rolling import model_id
from ops.services import free_port
from pipeline.rate_limit import NO_RATE_LIMITS

pytestmark = pytest.mark.cluster
CONVERSATIONS = 16  # 8 over REST, 8 over socket.io
QUESTION, FOLLOW_UP = "Wie viele kommunale Jobcenter gibt es?", "Und gemeinsame Einrichtungen?"
EXPECTED = {QUESTION: "104", FOLLOW_UP: "303"}
REPLY_WAIT_S = 15.0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    work = tmp_path_factory.mktemp("rolling")
    model = work / "current.tar.gz"
    shutil.copy2(MODEL, model)
    with running_cluster(work, port=free_port(), instances=2, extra_env=NO_RATE_LIMITS, db_port=free_port(),
                         supervise=True, model=model) as c:  # fmt: skip
        yield c


class Tally:
    def __init__(self) -> None:
        self.asked = self.answered = self.twice = self.resent = 0
        self.lost: list[str] = []
        self.rest_asked: dict[str, int] = {}


async def post(session: aiohttp.ClientSession, url: str, body: dict, tally: Tally) -> tuple[int, str]:
    """As an HTTP client does: a kept-alive connection that nginx closed while reloading (idle, so
    nothing was sent on it) is replaced by a new one once. Whether the message was then handled
    once is checked in the database."""
    for attempt in range(2):
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json=body) as r:
                return r.status, " ".join(m.get("text", "") for m in await r.json()) if r.status == 200 else ""
        except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
            if attempt:
                raise
            tally.resent += 1
    raise AssertionError("unreachable")


async def rest_talk(session: aiohttp.ClientSession, url: str, done: asyncio.Event, tally: Tally) -> None:
    sender = f"roll-rest-{uuid.uuid4().hex[:12]}"
    while not done.is_set():
        for text in (QUESTION, FOLLOW_UP):
            tally.asked += 1
            tally.rest_asked[sender] = tally.rest_asked.get(sender, 0) + 1
            status, reply = await post(session, url, {"sender": sender, "message": text}, tally)
            if EXPECTED[text] in reply:
                tally.answered += 1
            else:
                tally.lost.append(f"REST {status} {text!r}: {reply[:60]!r}")
            await asyncio.sleep(0.2)  # a person reads the answer: 16 conversations send about 60 a second


async def socket_talk(url: str, done: asyncio.Event, tally: Tally) -> None:
    """As the widget does: its session kept across reconnects (a question is sent only once the
    session is confirmed again), a question without an answer sent again once the socket is back."""
    replies: asyncio.Queue[dict] = asyncio.Queue()
    confirmed = asyncio.Event()
    client = socketio.AsyncClient(reconnection=True, reconnection_delay=0.2)
    session = {"id": ""}
    client.on("bot_uttered", lambda data: replies.put_nowait(data))

    def on_confirm(data: Any) -> None:
        session["id"] = str(data)  # the signed session id
        confirmed.set()

    async def on_connect() -> None:
        await client.emit("session_request", {"session_id": session["id"]})

    client.on("session_confirm", on_confirm)
    client.on("connect", on_connect)
    client.on("disconnect", confirmed.clear)
    await client.connect(url, transports=["websocket"], socketio_path="/socket.io", wait_timeout=30)
    await asyncio.wait_for(confirmed.wait(), 30)
    first = session["id"]
    try:
        while not done.is_set():
            for text in (QUESTION, FOLLOW_UP):
                tally.asked += 1
                reply: dict[str, Any] | None = None
                for _ in range(3):  # sent, and sent again after a reconnect
                    if not confirmed.is_set():
                        with suppress(asyncio.TimeoutError):
                            await asyncio.wait_for(confirmed.wait(), REPLY_WAIT_S)
                        if not confirmed.is_set():
                            continue
                    await client.emit("user_uttered", {"message": text, "session_id": session["id"]})
                    try:
                        reply = await asyncio.wait_for(replies.get(), REPLY_WAIT_S)
                        break
                    except asyncio.TimeoutError:
                        continue
                if reply is not None and EXPECTED[text] in reply.get("text", ""):
                    tally.answered += 1
                else:
                    tally.lost.append(f"socket.io {text!r}: {reply!r:.80}")
                await asyncio.sleep(0.2)
                while not replies.empty():  # a second answer to the same question
                    replies.get_nowait()
                    tally.twice += 1
        if session["id"] != first:
            tally.lost.append("socket.io: the conversation was not kept across the reconnect")
    finally:
        await client.disconnect()


async def talk_through(cluster: Cluster, deploy: Any) -> tuple[Tally, float]:
    done, tally = asyncio.Event(), Tally()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        talkers = [asyncio.create_task(rest_talk(session, cluster.url, done, tally)) for _ in range(CONVERSATIONS // 2)]
        talkers += [asyncio.create_task(socket_talk(cluster.url, done, tally)) for _ in range(CONVERSATIONS // 2)]
        await asyncio.sleep(3)
        seconds = await asyncio.get_running_loop().run_in_executor(None, deploy)
        await asyncio.sleep(3)
        done.set()
        await asyncio.gather(*talkers)
    return tally, seconds


def test_a_new_model_is_rolled_out_while_16_conversations_go_on(cluster: Cluster) -> None:
    before = {i.url for i in cluster.instances}
    target = ""

    def deploy() -> float:
        nonlocal target
        started = time.monotonic()
        fresh = changed_copy(cluster.model, cluster.model.with_name("candidate.tar.gz"))
        target = model_id(fresh)
        fresh.replace(cluster.model)  # as ops/deploy.py promote: one rename
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            r = requests.get(cluster.url + "/ready", timeout=5)
            if r.status_code == 200 and set(r.json()["models"].values()) == {target}:
                return time.monotonic() - started
            time.sleep(0.5)
        raise AssertionError(f"not rolled out: {requests.get(cluster.url + '/health', timeout=5).json()}")

    tally, seconds = asyncio.run(talk_through(cluster, deploy))
    handled = user_messages(cluster, list(tally.rest_asked))
    twice = sum(max(0, handled.get(s, 0) - n) for s, n in tally.rest_asked.items())
    print(f"\nrolling deploy in {seconds:.0f} s: {tally.asked} asked, {tally.answered} answered, "
          f"{len(tally.lost)} lost, {tally.twice} answered twice over socket.io, {twice} REST messages "
          f"handled twice, {tally.resent} sent again on a new connection")  # fmt: skip
    assert tally.lost == [] and tally.twice == 0 and twice == 0
    assert handled == tally.rest_asked  # every REST message stored exactly once
    assert tally.answered == tally.asked > CONVERSATIONS * 2
    assert {i.url for i in cluster.instances}.isdisjoint(before)  # every instance was replaced
    assert all(i.model_id == target for i in cluster.instances)


def user_messages(cluster: Cluster, senders: list[str]) -> dict[str, int]:
    """How many messages of each conversation the tracker store holds."""
    engine = sa.create_engine(cluster.database_url)
    try:
        with engine.connect() as con:
            query = "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' AND sender_id = ANY(:s) GROUP BY 1"
            rows = con.execute(sa.text(query), {"s": senders}).fetchall()
    finally:
        engine.dispose()
    return {sender: count for sender, count in rows}


def test_rest_and_follow_ups_work_on_the_new_instances(cluster: Cluster) -> None:
    sender = f"after-{uuid.uuid4().hex[:8]}"
    for text in (QUESTION, FOLLOW_UP):
        r = requests.post(f"{cluster.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
        assert r.status_code == 200 and EXPECTED[text] in " ".join(m.get("text", "") for m in r.json())

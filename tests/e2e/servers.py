"""The servers of an end-to-end test: action server and Rasa (and Redis with several workers), as
ops/services.py starts them, in a work folder of the test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from base.paths import MODEL
from ops.services import free_port, start_actions, start_rasa, start_redis
from pipeline.rate_limit import NO_RATE_LIMITS


@dataclass
class Servers:
    rasa_url: str
    actions_url: str
    workdir: Path
    log: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen
    redis_port: int | None = None  # the lock store's Redis (several workers)

    def say(self, text: str, sender: str = "e2e", timeout: float = 30) -> list[dict]:
        r = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        r.raise_for_status()
        return list(r.json())


async def widget_socket(servers: Servers, origin: str, on_reply: Any) -> Any:
    """A socket.io client connected as the widget from ``origin``, its session confirmed (its id in
    ``session_id``); each ``bot_uttered`` goes to ``on_reply``. The caller disconnects it."""
    import asyncio

    import socketio

    sio = socketio.AsyncClient(reconnection=False)
    sessions: asyncio.Queue[Any] = asyncio.Queue()
    sio.on("bot_uttered", on_reply)
    sio.on("session_confirm", lambda data: sessions.put_nowait(data))
    await sio.connect(servers.rasa_url, headers={"Origin": origin}, transports=["websocket"],
                      socketio_path="/socket.io", wait_timeout=30)  # fmt: skip
    await sio.emit("session_request", {"session_id": ""})
    sio.session_id = await asyncio.wait_for(sessions.get(), 30)  # the conversation's id
    return sio


@contextmanager
def with_fake_platforms(workdir: Path, bot: str, env: Any) -> Iterator[tuple[Servers, Any]]:
    """The servers with the messenger channels pointed at a fake platform on loopback;
    ``env(fake_url)`` gives the channels' environment."""
    from tests.e2e.fake_platforms import FakePlatforms

    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    fake = FakePlatforms(bot)
    try:
        with running_servers(workdir, extra_env=env(fake.url)) as servers:
            yield servers, fake
    finally:
        fake.close()


def module_servers(name: str, **options: Any) -> Any:
    """A module-scoped pytest fixture ``servers`` with the servers of ``running_servers(**options)``."""

    @pytest.fixture(scope="module")
    def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
        with running_servers(tmp_path_factory.mktemp(name), **options) as s:
            yield s

    return servers


@contextmanager
def running_servers(
    workdir: Path, extra: list[str] | None = None, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Servers]:
    """Action server and Rasa; with ``workers`` > 1 also Redis for the lock store, as in the Procfile.
    Rate limits are off unless ``extra_env`` sets them: the tests send many messages from one address."""
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    redis_port = free_port() if workers > 1 else None
    with (
        start_redis(redis_port) if redis_port else nullcontext(),
        start_actions(actions_port, log) as actions,
        start_rasa(
            workdir,
            rasa_port,
            actions_port,
            log,
            extra,
            {**NO_RATE_LIMITS, **(extra_env or {})},
            workers=workers,
            redis_port=redis_port,
        ) as rasa,
    ):
        rasa_url, actions_url = f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}"
        yield Servers(rasa_url, actions_url, workdir, log, rasa, actions, redis_port)

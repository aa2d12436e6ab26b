"""Start the action server and Rasa on loopback for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout} s")


@dataclass
class Servers:
    rasa_url: str
    actions_url: str
    workdir: Path
    log: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen

    def say(self, text: str, sender: str = "e2e", timeout: float = 30) -> list[dict]:
        r = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        r.raise_for_status()
        return list(r.json())


def env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The servers' environment: the messenger variables only when a test passes them."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "FACEBOOK_"))}
    return {
        **base,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(ROOT),
        **(extra or {}),
    }


@contextmanager
def start_actions(workdir: Path, port: int, log: Path) -> Iterator[subprocess.Popen]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--port", str(port), "--actions", "actions"],
            cwd=ROOT, env={**env(), "SANIC_HOST": "127.0.0.1"}, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(f"http://127.0.0.1:{port}/health", proc, 60)
        yield proc
    finally:
        stop(proc)


@contextmanager
def start_rasa(
    workdir: Path,
    port: int,
    actions_port: int,
    log: Path,
    extra: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
    model: Path = ROOT / "models" / "current.tar.gz",
) -> Iterator[subprocess.Popen]:
    credentials = workdir / "credentials.yml"
    subprocess.run(
        [sys.executable, "-m", "channels.config", "--out", str(credentials)], cwd=ROOT, env=env(extra_env), check=True
    )
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'tracker.db'}\n",
        encoding="utf-8",
    )
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "runtime", "run", "--model", str(model),
             "--port", str(port), "--interface", "127.0.0.1",
             "--credentials", str(credentials), "--endpoints", str(endpoints), *(extra or [])],
            cwd=ROOT, env=env(extra_env), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(f"http://127.0.0.1:{port}/webhooks/rest/", proc, 180)
        yield proc
    finally:
        stop(proc)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_servers(
    workdir: Path, extra: list[str] | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[Servers]:
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    with (
        start_actions(workdir, actions_port, log) as actions,
        start_rasa(workdir, rasa_port, actions_port, log, extra, extra_env) as rasa,
    ):
        yield Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", workdir, log, rasa, actions)

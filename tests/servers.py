"""Start the action server and Rasa on loopback for end-to-end tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRODUCTION_ENDPOINTS = ROOT / "endpoints.yml"
MODEL = ROOT / "models" / "current.tar.gz"


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


def endpoints_for(workdir: Path, actions_port: int, redis_port: int | None) -> dict:
    """The production endpoints.yml with this run's ports and database; no lock store without Redis
    (one worker). ``TRACKER_STORE_TYPE`` replaces the tracker store type, only to measure that lever."""
    endpoints = yaml.safe_load(PRODUCTION_ENDPOINTS.read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints["tracker_store"]["db"] = str(workdir / "tracker.db")
    if os.environ.get("TRACKER_STORE_TYPE"):
        endpoints["tracker_store"] = {**endpoints["tracker_store"], "type": os.environ["TRACKER_STORE_TYPE"]}
    if redis_port is None:
        del endpoints["lock_store"]
    else:
        endpoints["lock_store"]["port"] = redis_port
    return endpoints


@contextmanager
def start_rasa(
    workdir: Path,
    port: int,
    actions_port: int,
    log: Path,
    extra: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
    model: Path = MODEL,
    workers: int = 1,
    redis_port: int | None = None,
) -> Iterator[subprocess.Popen]:
    """Rasa as in production; ``workers`` > 1 needs the Redis lock store on ``redis_port``."""
    if workers > 1 and redis_port is None:
        raise ValueError("more than one Sanic worker needs the Redis lock store")
    extra_env = {**(extra_env or {}), "SANIC_WORKERS": str(workers)}
    credentials = workdir / "credentials.yml"
    subprocess.run(
        [sys.executable, "-m", "channels.config", "--out", str(credentials)], cwd=ROOT, env=env(extra_env), check=True
    )
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(endpoints_for(workdir, actions_port, redis_port)), encoding="utf-8")
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


@contextmanager
def start_redis(port: int) -> Iterator[subprocess.Popen]:
    """A Redis server on loopback for the lock store (nothing written to disk)."""
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {port} did not start") from None
                time.sleep(0.1)
        yield proc
    finally:
        stop(proc)


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Sanic workers are children of Rasa's main process)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def proc_mb(pid: int, path: str, field: str) -> float:
    """A memory field of /proc/<pid>/<path> ("status" VmRSS/VmHWM, "smaps_rollup" Pss) in MB."""
    for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def module_servers(name: str, **options: Any) -> Any:
    """A module-scoped pytest fixture ``servers`` with the servers of ``running_servers(**options)``."""
    import pytest

    @pytest.fixture(scope="module")
    def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
        if not MODEL.is_file():
            pytest.fail(f"{MODEL} missing: run `make train`")
        with running_servers(tmp_path_factory.mktemp(name), **options) as s:
            yield s

    return servers


@contextmanager
def running_servers(
    workdir: Path, extra: list[str] | None = None, extra_env: dict[str, str] | None = None, workers: int = 1
) -> Iterator[Servers]:
    """Action server and Rasa; with ``workers`` > 1 also Redis for the lock store, as in the Procfile."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "servers.log"
    actions_port, rasa_port = free_port(), free_port()
    redis_port = free_port() if workers > 1 else None
    with (
        start_redis(redis_port) if redis_port else nullcontext(),
        start_actions(workdir, actions_port, log) as actions,
        start_rasa(
            workdir, rasa_port, actions_port, log, extra, extra_env, workers=workers, redis_port=redis_port
        ) as rasa,
    ):
        yield Servers(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{actions_port}", workdir, log, rasa, actions)

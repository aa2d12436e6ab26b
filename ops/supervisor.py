"""What keeps `make cluster` running as a service: health that tells the truth, a crashed
instance restarted with backoff, the cluster's log rotated.

- ``/health`` and ``/ready`` (served here on a loopback port; nginx passes its own ``/health`` and
  ``/ready`` to it): every second each Rasa instance (its process and an answer to ``GET /``), the
  tracker database and the lock store are checked. ``/health`` is 200 while the cluster can answer
  (one instance up, both stores up), else 503; ``/ready`` is 200 only when every instance and both
  stores are up (a deploy waits for it between two instances). Both give the same JSON: the state of
  each part, never an address or a password.
- A Rasa instance or action server whose process ended is started again, after 1 s, then 2, 4,
  ... up to 60 s while it keeps failing (reset once it stayed up for 5 minutes). One log line each.
- A new model file (``make deploy``, ``make rollback``) is rolled out: each instance replaced in
  turn by one with the new model, behind nginx (ops/rolling.py); ``/health`` names each instance's
  model.
- ``cluster.log`` is copied to ``cluster.log.<UTC date>`` and emptied once a day (the processes
  append to it); copies older than ``LOG_KEEP_DAYS`` (default 7) are deleted.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import os
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

FIRST_BACKOFF_S, MAX_BACKOFF_S, STABLE_S = 1.0, 60.0, 300.0
PROBE_EVERY_S = 1.0
LOG_KEEP_DAYS = int(os.environ.get("LOG_KEEP_DAYS", "7"))


def say(line: str) -> None:
    print(f"cluster: {line}", file=sys.stderr, flush=True)


# ---- probes -------------------------------------------------------------------------------------
def answers(url: str, timeout: float = 1.0) -> bool:
    import requests

    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def port_open(url: str, timeout: float = 1.0) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout):
            return True
    except OSError:
        return False


def database_up(url: str) -> bool:
    """``SELECT 1`` on the tracker database (a refused or hanging server is down)."""
    import psycopg2

    if not port_open(url):
        return False
    try:
        con = psycopg2.connect(url, connect_timeout=2)
    except psycopg2.Error:
        return False
    try:
        with con.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except psycopg2.Error:
        return False
    finally:
        con.close()


def lock_store_up(url: str, password: str) -> bool:
    import redis

    parsed = urlparse(url)
    client = redis.Redis(host=parsed.hostname or "127.0.0.1", port=parsed.port or 6379,
                         password=password or None, socket_timeout=1, socket_connect_timeout=1)  # fmt: skip
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def verdict(instances: dict[str, str], stores: dict[str, str]) -> tuple[str, int, int]:
    """The cluster's state ("ok", "degraded", "down") and the status of ``/health`` and ``/ready``."""
    stores_up = all(v == "up" for v in stores.values())
    up = sum(v == "up" for v in instances.values())
    if not stores_up or not up:
        return "down", 503, 503
    if up < len(instances):
        return "degraded", 200, 503
    return "ok", 200, 200


# ---- restarts -----------------------------------------------------------------------------------
@dataclass
class Backoff:
    """When a process that keeps failing is started again: 1, 2, 4, ... 60 s; reset once it ran
    ``STABLE_S``."""

    delay: float = 0.0
    due: float = 0.0
    started: float = field(default_factory=time.monotonic)
    restarts: int = 0

    def failed(self, now: float) -> float:
        if now - self.started >= STABLE_S:
            self.delay = 0.0
        self.delay = min(MAX_BACKOFF_S, self.delay * 2 if self.delay else FIRST_BACKOFF_S)
        self.due = now + self.delay
        return self.delay


# ---- the health endpoint ------------------------------------------------------------------------
def health_server(state: Callable[[], dict[str, Any]], port: int) -> http.server.ThreadingHTTPServer:
    """``/health`` and ``/ready`` on ``127.0.0.1:port`` from ``state()`` (no access log)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            current = state()
            path = self.path.split("?", 1)[0]
            if path not in ("/health", "/ready"):
                self.send_error(404)
                return
            status = current["health_status"] if path == "/health" else current["ready_status"]
            body = json.dumps({k: v for k, v in current.items() if not k.endswith("_status")}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the standard library's name)
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
    return server


# ---- the log ------------------------------------------------------------------------------------
def rotate_log(log: Path, today: dt.date, keep_days: int = LOG_KEEP_DAYS) -> Path | None:
    """``log`` copied to ``log.<today>`` and emptied (its writers append, so they go on at its
    start); copies older than ``keep_days`` deleted. Returns the copy (None if nothing to copy)."""
    copy = None
    if log.is_file() and log.stat().st_size:
        copy = log.with_name(f"{log.name}.{today.isoformat()}")
        with log.open("rb") as source, copy.open("ab") as out:
            shutil.copyfileobj(source, out)
        copy.chmod(0o600)
        with log.open("r+b") as truncated:
            truncated.truncate(0)
    for old in log.parent.glob(f"{log.name}.*"):
        try:
            day = dt.date.fromisoformat(old.name.rsplit(".", 1)[-1])
        except ValueError:
            continue
        if (today - day).days > keep_days:
            old.unlink()
    return copy


# ---- the watcher --------------------------------------------------------------------------------
class Supervisor:
    """Watches a running cluster (ops/cluster.py ``Cluster``) in a thread: probes, restarts, log."""

    def __init__(self, cluster: Any, instance_urls: list[str], redis_url: str, redis_password: str) -> None:
        self.cluster = cluster
        self.instance_urls = instance_urls  # those started here and those named by INSTANCE_URLS
        self.redis_url, self.redis_password = redis_url, redis_password
        self.backoff: dict[str, Backoff] = {}
        self.current: dict[str, Any] = {"status": "starting", "health_status": 503, "ready_status": 503}
        self.stopping = threading.Event()
        self.rolling: threading.Thread | None = None  # a rolling restart under way: no restarts meanwhile
        self.model_seen = (0, 0)
        self.log_day = dt.datetime.now(dt.timezone.utc).date()
        self.thread = threading.Thread(target=self.run, name="supervisor", daemon=True)

    def state(self) -> dict[str, Any]:
        return self.current

    def start(self) -> Supervisor:
        from ops.rolling import model_changed

        _, self.model_seen = model_changed(self.cluster.model, self.model_seen)
        self.probe()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)

    def probe(self) -> None:
        urls = [i.url for i in self.cluster.instances] or self.instance_urls
        instances = {f"rasa-{i + 1}": "up" if answers(u + "/") else "down" for i, u in enumerate(urls)}
        models = {f"rasa-{i + 1}": instance.model_id for i, instance in enumerate(self.cluster.instances)}
        stores = {
            "database": "up" if database_up(self.cluster.database_url) else "down",
            "lock_store": "up" if lock_store_up(self.redis_url, self.redis_password) else "down",
        }
        status, health, ready = verdict(instances, stores)
        restarts = {name: b.restarts for name, b in self.backoff.items() if b.restarts}
        if self.rolling is not None and self.rolling.is_alive():
            status, ready = "deploying", 503
        self.current = {"status": status, "instances": instances, **stores, "models": models, "restarts": restarts,
                        "health_status": health, "ready_status": ready}  # fmt: skip

    def heal(self, now: float) -> None:
        """Start again what has died, each after its backoff."""
        if self.rolling is not None and self.rolling.is_alive():
            return  # the rolling restart stops old instances itself
        for index, instance in enumerate(self.cluster.instances):
            if self.stopping.is_set():
                return
            for part in ("rasa", "actions"):
                proc = instance.proc if part == "rasa" else instance.actions
                if proc is None or proc.poll() is None:
                    continue
                name = f"rasa-{index + 1}" + ("" if part == "rasa" else " (action server)")
                backoff = self.backoff.setdefault(name, Backoff())
                if not backoff.due:
                    delay = backoff.failed(now)
                    say(f"{name} exited with status {proc.returncode}; starting it again in {delay:g} s")
                    continue
                if now < backoff.due:
                    continue
                try:
                    if part == "rasa":
                        self.cluster.restart(index)
                    else:
                        self.cluster.restart_actions(index)
                except Exception as error:  # it did not come up: try again later
                    say(f"{name} did not start ({type(error).__name__}); next try in {backoff.failed(now):g} s")
                    continue
                backoff.restarts += 1
                backoff.due, backoff.started = 0.0, time.monotonic()
                say(f"{name} answers again (restart {backoff.restarts})")

    def roll(self) -> None:
        from ops.rolling import roll

        started = time.monotonic()
        try:
            target = roll(self.cluster, say)
            say(f"every instance runs model {target} ({time.monotonic() - started:.0f} s)")
        except Exception as error:  # the old instances that were not replaced keep answering
            say(f"rolling restart stopped: {type(error).__name__}: {error}")

    def watch_model(self) -> None:
        from ops.rolling import model_changed

        if self.rolling is not None and self.rolling.is_alive():
            return  # a model deployed meanwhile is seen when this one is done
        changed, self.model_seen = model_changed(self.cluster.model, self.model_seen)
        if changed and self.cluster.instances:
            say("a new model: replacing the instances one at a time")
            self.rolling = threading.Thread(target=self.roll, name="rolling", daemon=True)
            self.rolling.start()

    def run(self) -> None:
        while not self.stopping.wait(PROBE_EVERY_S):
            try:
                self.watch_model()
                self.heal(time.monotonic())
                self.probe()
                today = dt.datetime.now(dt.timezone.utc).date()
                if today != self.log_day:
                    rotate_log(self.cluster.log, self.log_day)
                    if self.cluster.nginx is not None:  # nginx's access and error logs (ops/access_log.py)
                        from ops.access_log import rotate_logs

                        rotate_logs(self.cluster.log.parent / "nginx")
                    self.log_day = today
            except Exception as error:  # the watcher must outlive any single failure
                say(f"supervisor: {type(error).__name__}")

"""The model server Rasa pulls its model from (endpoints.yml ``models``): models/current.tar.gz on
loopback, with an ETag, so a new model reaches every running Sanic worker without a restart.

    python -m ops.model_server [--port 5006] [--model models/current.tar.gz]   # Procfile line

Rasa 3.6 (rasa/core/agent.py ``_update_model_from_server``) asks every ``wait_time_between_pulls``
seconds with ``If-None-Match: <its fingerprint>``; 304 keeps its model, 200 with an ``ETag`` makes it
load the body and take the ETag as its new fingerprint. The load runs on the worker's event loop
(``Agent.load_model`` is synchronous): that worker answers nothing for a few seconds, its requests
wait (never refused). Hence:

- one worker loads at a time: while another worker has fetched the new model and not yet asked
  again with its ETag (= finished loading), a worker that already has a model gets 304, so the
  other worker keeps answering;
- each puller is known by its process id (the client's socket looked up in /proc, loopback only),
  and ``GET /workers`` tells which model each one runs: ops/deploy.py waits on it.

The file is read whole when its (inode, size, mtime) changes, and served from memory: a rename over
it (ops/deploy.py) never mixes two models in one answer. Nothing personal passes through here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from base.paths import MODEL

PORT = 5006
PULL_SECONDS = 2  # endpoints.yml ``models: wait_time_between_pulls``: a switch reaches a worker this soon
PATH = "/models/current.tar.gz"
URL = f"http://127.0.0.1:{PORT}{PATH}"  # endpoints.yml ``models: url``
# A worker that fetched a model and did not come back within this many seconds is taken as failed:
# the next worker may load (Rasa keeps its old model when a load fails and fetches again).
LOAD_TIMEOUT = 120.0
log = logging.getLogger("model_server")


def socket_owner(client_port: int, server_port: int) -> int | None:
    """The process id owning the loopback TCP connection from ``client_port`` to ``server_port``
    (Linux /proc), or None. Each Rasa worker is a process of its own: this tells them apart."""
    inode = ""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            local, remote = parts[1].rsplit(":", 1)[1], parts[2].rsplit(":", 1)[1]
            if int(local, 16) == client_port and int(remote, 16) == server_port:
                inode = parts[9]
                break
        if inode:
            break
    if not inode or inode == "0":
        return None
    target = f"socket:[{inode}]"
    own = os.getpid()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == own:
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == target:
                    return int(proc.name)
        except OSError:
            continue
    return None


@dataclass
class Worker:
    model: str = ""  # the ETag it last asked with: the model it runs
    fetched: str = ""  # the ETag it last downloaded, until it asks with it
    fetched_at: float = 0.0
    seen: float = 0.0


@dataclass
class ModelFile:
    """The served file, read again whenever it changed on disk."""

    path: Path
    body: bytes = b""
    etag: str = ""
    _key: tuple[int, int, int] = (0, 0, 0)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> tuple[bytes, str]:
        with self._lock:
            try:
                with self.path.open("rb") as f:
                    st = os.fstat(f.fileno())
                    key = (st.st_ino, st.st_size, st.st_mtime_ns)
                    if key != self._key:
                        self.body = f.read()
                        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'
                        self._key = key
            except FileNotFoundError:
                self.body, self.etag, self._key = b"", "", (0, 0, 0)
            return self.body, self.etag


class State:
    """What each puller runs; decides who may load now."""

    def __init__(self, model: ModelFile) -> None:
        self.model = model
        self.workers: dict[str, Worker] = {}
        self.served: set[str] = set()  # ETags given out: a worker asking with one of them has a model
        self.lock = threading.Lock()

    def answer(self, who: str, asked_with: str, now: float) -> tuple[int, bytes, str]:
        """(status, body, etag) for a pull by ``who`` with ``If-None-Match: asked_with``."""
        body, etag = self.model.current()
        with self.lock:
            worker = self.workers.setdefault(who, Worker())
            worker.seen = now
            if asked_with != worker.model:
                log.info("worker %s runs %s", who, asked_with.strip('"')[:12] or "-")
            worker.model = asked_with
            if asked_with == worker.fetched:
                worker.fetched = ""
            if not etag:
                return 404, b"", ""
            if asked_with == etag:
                return 304, b"", etag
            loading = [
                w for k, w in self.workers.items() if k != who and w.fetched and now - w.fetched_at < LOAD_TIMEOUT
            ]
            if asked_with in self.served and loading:
                return 304, b"", ""  # it keeps answering with its model while another one loads
            worker.fetched, worker.fetched_at = etag, now
            self.served.add(etag)
            log.info("worker %s fetches %s", who, etag.strip('"')[:12])
            return 200, body, etag

    def report(self, now: float, recent: float) -> dict[str, Any]:
        """The model's ETag and what each worker seen in the last ``recent`` seconds runs (a worker
        loading a model is blocked, and counts however long ago it was seen)."""
        _, etag = self.model.current()
        with self.lock:
            workers = [
                {"worker": k, "model": w.model, "loading": bool(w.fetched), "seen_ago": round(now - w.seen, 2)}
                for k, w in self.workers.items()
                if now - w.seen <= recent or (w.fetched and now - w.fetched_at < LOAD_TIMEOUT)
            ]
        return {"etag": etag, "workers": workers}


def handler_for(state: State, pull_interval: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            now = time.monotonic()
            if self.path.split("?")[0] == "/workers":
                data = json.dumps(state.report(now, 3 * pull_interval + 1)).encode()
                return self.reply(200, data, {"Content-Type": "application/json"})
            if self.path.split("?")[0] != PATH:
                return self.reply(404, b"", {})
            pid = socket_owner(int(self.client_address[1]), int(self.server.server_address[1]))  # type: ignore[index]
            who = str(pid) if pid else f"port-{self.client_address[1]}"
            status, body, etag = state.answer(who, self.headers.get("If-None-Match", ""), now)
            headers = {"ETag": etag} if etag else {}
            if status == 200:
                headers |= {"Content-Type": "application/gzip", "filename": "model.tar.gz"}
            self.reply(status, body, headers)

        def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the state changes are logged (State.answer); one line per pull would be noise

    return Handler


def make_server(model: Path = MODEL, port: int = PORT, pull_interval: float = PULL_SECONDS) -> ThreadingHTTPServer:
    """The server on 127.0.0.1:``port`` (0: a free one), not yet serving: ``serve_forever()``."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(State(ModelFile(model)), pull_interval))
    server.daemon_threads = True
    return server


def wait_for_model_server(endpoints: Path, timeout: float = 60) -> None:
    """`make run` starts this server and Rasa together: Rasa pulls its first model as it starts
    (endpoints.yml ``models``), and without an answer it would start with none."""
    import yaml

    url = (yaml.safe_load(endpoints.read_text(encoding="utf-8")).get("models") or {}).get("url")
    if not url:
        return
    from ops.services import wait_until

    try:
        wait_until(url.split("/models/")[0] + "/workers", None, timeout)
    except TimeoutError:
        raise SystemExit(f"no model server at {url} after {timeout:.0f} s (Procfile: model_server)") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=int(os.environ.get("MODEL_SERVER_PORT", PORT)))
    parser.add_argument("--model", type=Path, default=MODEL)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s model_server %(message)s")
    server = make_server(args.model, args.port)
    log.info("serving %s on 127.0.0.1:%d", args.model.name, args.port)
    server.serve_forever()


if __name__ == "__main__":
    main()

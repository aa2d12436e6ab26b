"""The metrics endpoint: ``GET /metrics`` in Prometheus' text format on ``127.0.0.1:METRICS_PORT``.

    python -m ops.metrics [--port 9464] [--directory build/metrics]   # the Procfile's `metrics`

Why a process of its own: Rasa runs several Sanic workers, each counting in its own memory, and
Rasa's port (5005) and nginx's are public. Each worker writes its numbers (base/metrics.py) into
files in ``PROMETHEUS_MULTIPROC_DIR``; this process adds them up on each scrape and answers on
loopback only, ``/metrics`` and nothing else (404), without an access log. It never writes the
folder: Rasa (engine/__main__.py) empties it when it starts, before its workers count.

What the services need (ops/services.py, ops/cluster.py): ``environment()`` for Rasa's environment,
``command()`` for this server, ``start_metrics()`` for tests. One folder and one server per Rasa
(a second Rasa on the same folder would empty the first one's numbers at its start).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from base import logs
from base.metrics import MULTIPROC_ENV
from base.paths import BUILD

METRICS_PORT = int(os.environ.get("METRICS_PORT", "9464"))
METRICS_DIR = BUILD / "metrics"  # the multiprocess folder of `make run`'s Rasa
HOST = "127.0.0.1"  # never another interface: the numbers are for this host's Prometheus
PATH = "/metrics"


def environment(directory: Path = METRICS_DIR) -> dict[str, str]:
    """The variables Rasa's environment needs so its workers write their metrics to ``directory``."""
    return {MULTIPROC_ENV: str(directory)}


def command(port: int = METRICS_PORT, directory: Path = METRICS_DIR) -> list[str]:
    return [sys.executable, "-m", "ops.metrics", "--port", str(port), "--directory", str(directory)]


Start = Callable[[str, list[tuple[str, str]]], Any]


def application(directory: Path) -> Callable[[dict[str, Any], Start], Iterable[bytes]]:
    """The WSGI app: the sum of every process's files in ``directory`` at ``/metrics``, 404 elsewhere."""
    from prometheus_client import CollectorRegistry, make_wsgi_app
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Start) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        return metrics(environ, start_response)

    return app


class QuietHandler(WSGIRequestHandler):
    """No access log: it would name the scraper's address on every request."""

    def log_message(self, format: str, *args: Any) -> None:
        return None


def server(port: int, directory: Path) -> WSGIServer:
    """The server (not yet serving) on ``127.0.0.1:port``; creates ``directory`` (mode 0700) when
    missing, so it can start before Rasa."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    return make_server(HOST, port, application(directory), handler_class=QuietHandler)


def serve(port: int = METRICS_PORT, directory: Path = METRICS_DIR) -> None:
    """Serves ``/metrics`` until stopped (the Procfile's process)."""
    with server(port, directory) as httpd:
        httpd.serve_forever()


@contextmanager
def start_metrics(
    port: int, directory: Path, log: Path, extra_env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen]:
    """The metrics server as a process of its own (tests), once it answers; stopped afterwards."""
    from ops.services import environment as service_environment
    from ops.services import running

    env = service_environment({**environment(directory), **(extra_env or {})})
    with running(command(port, directory), env, log, f"http://{HOST}:{port}{PATH}", 30) as proc:
        yield proc


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=METRICS_PORT)
    parser.add_argument("--directory", type=Path, default=Path(os.environ.get(MULTIPROC_ENV) or METRICS_DIR))
    args = parser.parse_args(argv)
    logs.install()
    serve(args.port, args.directory)


if __name__ == "__main__":
    main()

"""`python -m engine <rasa arguments>`: Rasa's own command line with engine/changes.py."""

from __future__ import annotations

import os
import sys

from base import logs, metrics
from base.quiet_warnings import ignore_known_warnings
from base.secret_files import persistent_secret
from engine import metrics_hooks


def main() -> None:
    logs.install()  # LOG_FORMAT=json: every line JSON (base/logs.py)
    metrics.reset_directory()  # before the workers count (PROMETHEUS_MULTIPROC_DIR, ops/metrics.py)
    # Sanic reads SANIC_* settings from the environment: refuse request bodies over 64 KiB.
    os.environ.setdefault("SANIC_REQUEST_MAX_SIZE", str(64 * 1024))
    # Files Rasa creates (the tracker database and its WAL journal) are readable by this user only.
    os.umask(0o077)
    # One secret for the socket.io session ids of every Sanic worker and every restart
    # (channels/socketio.py): generated once into build/secrets/ when not set.
    os.environ["SOCKET_SESSION_SECRET"] = persistent_secret("SOCKET_SESSION_SECRET")
    ignore_known_warnings()  # before Rasa is imported (engine/changes.py imports it)
    from engine.changes import install

    install()
    metrics_hooks.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()

"""What the servers expose: no open HTTP API, action server on loopback only, CORS only for the
site's origin, request bodies limited."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from tests.e2e.servers import Servers, module_servers

pytestmark = pytest.mark.e2e
SITE = "http://localhost:8080"


servers = module_servers("exposure", extra=["--cors", SITE])


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/status"), ("POST", "/model/parse"), ("GET", "/conversations/someone/tracker"),
     ("PUT", "/model"), ("POST", "/conversations/someone/trigger_intent")],
)  # fmt: skip
def test_rasa_http_api_is_off(servers: Servers, method: str, path: str) -> None:
    r = requests.request(method, servers.rasa_url + path, json={"text": "hallo"}, timeout=10)
    assert r.status_code in (404, 405), (path, r.status_code)


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hexport = local.rpartition(":")
            if state == "0A" and int(hexport, 16) == port:
                found.add(address)
    return found


def test_action_server_listens_on_loopback_only(servers: Servers) -> None:
    port = int(servers.actions_url.rsplit(":", 1)[1])
    addresses = listening_addresses(port)
    assert addresses == {"0100007F"}, addresses  # 127.0.0.1, nothing else


def test_cors_only_for_the_site(servers: Servers) -> None:
    url = f"{servers.rasa_url}/webhooks/rest/webhook"
    headers = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    allowed = requests.options(url, headers={**headers, "Origin": SITE}, timeout=10)
    assert allowed.headers.get("Access-Control-Allow-Origin") == SITE
    other = requests.options(url, headers={**headers, "Origin": "https://evil.example"}, timeout=10)
    assert other.headers.get("Access-Control-Allow-Origin") in (None, "")


def test_request_body_is_limited(servers: Servers) -> None:
    big = {"sender": "big", "message": "x" * (200 * 1024)}
    r = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=big, timeout=30)
    assert r.status_code == 413


def test_root_does_not_tell_the_rasa_version(servers: Servers) -> None:
    import rasa

    r = requests.get(servers.rasa_url + "/", timeout=10)
    assert r.status_code == 200 and rasa.__version__ not in r.text


def test_database_journal_and_log_are_readable_by_the_owner_only(servers: Servers) -> None:
    """They were world-readable (issue 13): conversations and senders are in them."""
    servers.say("Hallo", sender="permissions")
    db = servers.workdir / "tracker.db"
    for path in (db, db.with_name(db.name + "-wal"), servers.log):
        if path.exists():
            assert path.stat().st_mode & 0o077 == 0, f"{path.name}: {oct(path.stat().st_mode)}"
    assert db.exists()

"""What the servers expose: no open HTTP API, action server on loopback only, CORS only for the
site's origin, request bodies limited; Redis only with its password and without the commands that
write files; the demo page's server: files only, no version, a Content-Security-Policy the page
works under in chromium. Rasa runs with two workers and Redis, as `make run` starts it."""

from __future__ import annotations

import concurrent.futures
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from base.paths import ROOT
from ops.services import (
    DISABLED_REDIS_COMMANDS,
    REDIS_HOME,
    demo_site,
    free_port,
    redis_command,
    redis_password,
    start_web,
)
from tests.e2e.servers import Servers, running_servers

pytestmark = pytest.mark.e2e
SITE = "http://localhost:8080"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def web_port() -> int:
    """The port of this module's demo page server (its origin is allowed by the socket.io channel)."""
    return free_port()


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory, web_port: int) -> Iterator[Servers]:
    """Two workers and Redis, as `make run`; the socket.io channel allows this module's demo page."""
    origin = f"http://localhost:{web_port}"
    with running_servers(
        tmp_path_factory.mktemp("exposure"), extra=["--cors", SITE], extra_env={"WIDGET_ORIGINS": origin}, workers=2
    ) as s:
        yield s


@pytest.fixture(scope="module")
def web(servers: Servers, web_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo page's server (`python -m ops.services web`) with the widget pointed at Rasa."""
    folder = tmp_path_factory.mktemp("web")
    bot = servers.rasa_url.replace("127.0.0.1", "localhost")
    with start_web(web_port, demo_site(folder / "site", bot), bot, folder / "web.log"):
        yield f"http://localhost:{web_port}"


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


# ---- Redis (issue 24): a password, no commands that write files or change settings ---------------
def raw_redis(port: int, command: bytes) -> bytes:
    """What Redis answers a client that does not know the password."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        c.sendall(command + b"\r\n")
        return c.recv(200)


def test_redis_refuses_a_client_without_the_password(servers: Servers) -> None:
    """Any local user could change the locks or SAVE a dump into the project folder."""
    assert servers.redis_port
    for command in (b"PING", b"SET lock:x 1", b"KEYS *"):
        assert raw_redis(servers.redis_port, command).startswith(b"-NOAUTH"), command
    for command in (b"CONFIG SET dir /tmp", b"SAVE"):  # renamed away: unknown even before the password
        assert raw_redis(servers.redis_port, command).startswith((b"-NOAUTH", b"-ERR unknown command")), command
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(port=servers.redis_port, password="wrong", socket_timeout=5).ping()


def test_redis_with_the_password_cannot_write_files_or_change_settings(servers: Servers) -> None:
    assert servers.redis_port
    client = redis.Redis(port=servers.redis_port, password=redis_password(), socket_timeout=5)
    assert client.ping()
    for command in (["CONFIG", "SET", "dir", str(ROOT)], ["CONFIG", "GET", "requirepass"], ["SAVE"], ["BGSAVE"],
                    ["FLUSHALL"], ["DEBUG", "SLEEP", "0"], ["SLAVEOF", "127.0.0.1", "1"], ["SHUTDOWN"]):  # fmt: skip
        with pytest.raises(redis.ResponseError, match="unknown command"):
            client.execute_command(*command)
    assert client.ping()  # still running
    assert not (ROOT / "dump.rdb").exists()
    client.close()


def test_redis_password_and_folder_are_private_and_not_on_the_command_line(servers: Servers) -> None:
    assert REDIS_HOME.stat().st_mode & 0o777 == 0o700
    assert (REDIS_HOME / "password").stat().st_mode & 0o777 == 0o600
    command = redis_command(free_port())  # writes its configuration (mode 0600) first
    config = Path(command[-1])
    try:
        assert redis_password() not in " ".join(command)  # /proc/<pid>/cmdline is readable by everyone
        assert config.stat().st_mode & 0o777 == 0o600 and config.parent == REDIS_HOME
        text = config.read_text(encoding="utf-8")
        assert f"requirepass {redis_password()}" in text and f'dir "{REDIS_HOME}"' in text
        assert all(f'rename-command {c} ""' in text for c in DISABLED_REDIS_COMMANDS)
    finally:
        config.unlink()
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    assert redis_password() not in log


def test_two_workers_answer_through_the_locked_redis(servers: Servers) -> None:
    """The lock store authenticates: many conversations at once, follow-ups keep their context."""

    def conversation(i: int) -> tuple[str, str]:
        first = " ".join(m.get("text", "") for m in servers.say("Wie viele kommunale Jobcenter gibt es?", f"w{i}"))
        second = " ".join(m.get("text", "") for m in servers.say("Und gemeinsame Einrichtungen?", f"w{i}"))
        return first, second

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(conversation, range(16)))
    assert all("104" in first and "303" in second for first, second in answers), answers
    pids = subprocess.run(["pgrep", "-P", str(servers.rasa.pid)], capture_output=True, text=True).stdout.split()
    assert len(pids) >= 2  # two Sanic workers
    log = servers.log.read_text(encoding="utf-8", errors="replace")
    assert "NOAUTH" not in log and "AuthenticationError" not in log


# ---- the demo page's server (issue 24): files only, no version, a CSP the page works under --------
def test_the_demo_server_lists_no_folder(web: str) -> None:
    for path in ("/static/", "/static", "/static/vendor/"):
        r = requests.get(web + path, timeout=10, allow_redirects=False)
        assert r.status_code == 404, (path, r.status_code)
        assert "widget.js" not in r.text and "socket.io" not in r.text
    assert requests.get(web + "/static/widget.js", timeout=10).status_code == 200
    assert requests.get(web + "/../ops/web.py", timeout=10).status_code == 404


def test_the_demo_server_tells_no_version_and_sends_the_security_headers(servers: Servers, web: str) -> None:
    for path in ("/", "/datenschutz.html", "/static/widget.js", "/nothing-here"):
        r = requests.get(web + path, timeout=10)
        assert r.headers["Server"] == "demo", r.headers["Server"]  # was "SimpleHTTP/0.6 Python/3.10.x"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        policy = dict(
            d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";")
        )  # fmt: skip
        bot = servers.rasa_url.replace("127.0.0.1", "localhost")
        assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
        assert policy["connect-src"].split() == ["'self'", bot, bot.replace("http:", "ws:")]
        assert "unsafe-inline" not in r.headers["Content-Security-Policy"]
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"


def test_the_widget_works_under_the_policy_in_chromium(web: str) -> None:
    """No CSP violation in the console while the page loads and the widget answers."""
    if not CHROMIUM.exists():
        pytest.fail("Debian chromium missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    messages: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
        try:
            for path in ("/", "/datenschutz.html"):
                page = browser.new_page()
                page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
                page.add_init_script(VIOLATIONS_SCRIPT)
                page.goto(web + path)
                if path == "/":
                    page.locator(".jcw-launcher").click()
                    page.locator(".jcw-bot").first.wait_for(timeout=30_000)
                    page.locator("#jcw-input").fill("Wie viele kommunale Jobcenter gibt es?")
                    page.locator("#jcw-input").press("Enter")
                    page.locator(".jcw-bot", has_text="104").last.wait_for(timeout=30_000)
                violations: Any = page.evaluate("window.cspViolations")
                assert violations == [], (path, violations)
                page.close()
        finally:
            browser.close()
    assert not [m for m in messages if "Content Security Policy" in m or "Refused to" in m], messages


VIOLATIONS_SCRIPT = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""

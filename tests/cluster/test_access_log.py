"""nginx's access log of the cluster (ops/nginx.conf.template ``log_format privacy``,
ops/access_log.py): what was asked and how it went, never a query string, a body or a full client
address; rotated with a new file written afterwards. nginx as ``make cluster`` starts it, in front
of the stand-in instance of test_tls.py."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

from ops.access_log import rotate_logs
from ops.cluster import start_nginx
from ops.services import free_port
from ops.tls import TlsSettings
from tests.cluster import test_tls
from tests.cluster.test_tls import StandInServer, nginx_folder

pytestmark = pytest.mark.cluster
certificate, stand_in = test_tls.certificate, test_tls.stand_in  # the fixtures of test_tls.py


def wait_for_lines(log: Path, count: int) -> list[str]:
    """nginx writes a line when the answer is sent: a moment after the client has it."""
    deadline = time.monotonic() + 5
    while (lines := log.read_text(encoding="utf-8").splitlines() if log.exists() else []) and len(lines) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return lines


def test_the_log_has_no_query_string_body_or_full_client_address_and_rotates(
    tmp_path_factory: pytest.TempPathFactory,
    stand_in: StandInServer,
) -> None:
    prefix, port = nginx_folder(tmp_path_factory, "nginx-log"), free_port()
    base = f"http://127.0.0.1:{port}"
    with start_nginx(prefix, port, [stand_in.url]) as nginx:
        r = requests.post(f"{base}/webhooks/rest/webhook?q=secret-query&token=secret-token",
                          json={"sender": "secret-sender", "message": "secret-message"}, timeout=10)  # fmt: skip
        assert r.status_code == 200
        for path in ("/?q=secret-page", "/health?q=secret-health", "/nothing?q=secret-404"):
            requests.get(f"{base}{path}", timeout=10)
        lines = wait_for_lines(prefix / "access.log", 4)
        text = (prefix / "access.log").read_text(encoding="utf-8")
        assert len(lines) == 4 and "secret" not in text and "127.0.0.1" not in text, text
        _, network, method, uri, status, size, seconds, upstream, instance = lines[0].split(" ")
        assert (network, method, uri, status) == ("127.0.0.0", '"POST', '/webhooks/rest/webhook"', "200")
        assert instance == '"rasa-1"'
        assert int(size) > 0 and float(seconds) >= 0 and upstream.strip('"').replace(".", "").isdigit()
        assert [line.split('"')[1] for line in lines[1:]] == ["GET /index.html", "GET /health", "GET /nothing"]
        assert oct((prefix / "access.log").stat().st_mode & 0o777) == "0o640"

        rotation = rotate_logs(prefix, keep_days=7)
        assert rotation.signalled and "access" in [p.name.split(".log.")[0] for p in rotation.rotated]
        requests.get(f"{base}/health?q=secret-after", timeout=10)
        after = wait_for_lines(prefix / "access.log", 1)
        assert nginx.poll() is None  # SIGUSR1 reopened the logs, nginx runs on
    assert len(after) == 1 and '"GET /health"' in after[0] and "secret" not in after[0]
    [old] = [p for p in rotation.rotated if p.name.startswith("access.log.")]
    assert old.read_text(encoding="utf-8") == text  # the old lines stay in the rotated file only
    for log in prefix.glob("*.log*"):  # nginx's error log holds no query string either
        assert "secret" not in log.read_text(encoding="utf-8"), log


def test_an_ipv6_client_is_logged_by_its_network_only(
    tmp_path_factory: pytest.TempPathFactory,
    stand_in: StandInServer,
    certificate: tuple[Path, Path],
) -> None:
    """nginx on ::1 (HTTPS: only with TLS may it listen off 127.0.0.1): ``::1`` is logged as ``::/48``."""
    prefix, port, tls_port = nginx_folder(tmp_path_factory, "nginx-log6"), free_port(), free_port()
    tls = TlsSettings(*certificate, port=tls_port, bind="::1")
    with start_nginx(prefix, port, [stand_in.url], tls=tls):
        r = requests.get(f"https://[::1]:{tls_port}/health?q=secret", verify=str(certificate[0]), timeout=10)
        assert r.status_code == 200
        [line] = wait_for_lines(prefix / "access.log", 1)
    assert line.split(" ")[1] == "::/48" and "::1" not in line and "secret" not in line

"""HTTPS on the cluster's entry point (ops/tls.py, ops/nginx.py): nginx as ``make cluster``
starts it, with a self-signed certificate, in front of a stand-in instance and a stand-in
supervisor health server on loopback (Rasa itself is what tests/cluster/test_cluster.py covers;
here the entry point is under test). Each nginx starts in well under a second."""

from __future__ import annotations

import json
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from ops.cluster import start_nginx
from ops.services import free_port
from ops.tls import TlsError, TlsSettings

pytestmark = pytest.mark.cluster


class StandIn(BaseHTTPRequestHandler):
    """A Rasa instance's REST channel (echoes the sender) and the supervisor's /health, /ready."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.answer(200, json.dumps([{"recipient_id": body.get("sender"), "text": "Antwort"}]), "application/json")

    def do_GET(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.answer(200 if self.path == "/health" else 503, f"supervisor {self.path}\n", "text/plain")

    def answer(self, status: int, text: str, kind: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class StandInServer:
    server: ThreadingHTTPServer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def seen(self) -> list[str]:
        return self.server.seen  # type: ignore[attr-defined]


@pytest.fixture(scope="package")
def stand_in() -> Iterator[StandInServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield StandInServer(server)
    finally:
        server.shutdown()
        server.server_close()


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, 127.0.0.1 and ::1 (an EC key: made in milliseconds)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


@pytest.fixture(scope="package")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_certificate(tmp_path_factory.mktemp("tls"))


def nginx_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder nginx's workers (nobody, when the tests run as root) can reach, as `make
    cluster`'s (its PostgreSQL opens the folders above it the same way)."""
    folder = tmp_path_factory.mktemp(name)
    for parent in (folder, *folder.parents):
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o001)
    return folder


@dataclass
class Entry:
    plain: str  # http://127.0.0.1:port
    https: str  # https://127.0.0.1:tls port
    prefix: Path
    certificate: Path


@pytest.fixture(scope="module")
def entry(
    tmp_path_factory: pytest.TempPathFactory, certificate: tuple[Path, Path], stand_in: StandInServer
) -> Iterator[Entry]:
    port, tls_port = free_port(), free_port()
    tls = TlsSettings(*certificate, port=tls_port)
    prefix = nginx_folder(tmp_path_factory, "nginx-tls")
    with start_nginx(prefix, port, [stand_in.url], health_url=stand_in.url, tls=tls):
        yield Entry(f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls_port}", prefix, certificate[0])


def test_rest_over_https_through_nginx_answers(entry: Entry, stand_in: StandInServer) -> None:
    r = requests.post(f"{entry.https}/webhooks/rest/webhook", json={"sender": "tls-1", "message": "Hallo"},
                      verify=str(entry.certificate), timeout=10)  # fmt: skip
    assert r.status_code == 200 and r.json() == [{"recipient_id": "tls-1", "text": "Antwort"}]
    assert r.headers["X-Instance"] == "rasa-1"
    assert r.headers["Strict-Transport-Security"] == "max-age=63072000"


def handshake(url: str, context: ssl.SSLContext) -> ssl.SSLSocket:
    host, port = url.removeprefix("https://").rsplit(":", 1)
    raw = socket.create_connection((host, int(port)), timeout=5)
    return context.wrap_socket(raw, server_hostname=host)


def test_the_certificate_is_served_with_http2_and_modern_tls(entry: Entry) -> None:
    context = ssl.create_default_context(cafile=str(entry.certificate))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with handshake(entry.https, context) as tls:
        served = tls.getpeercert(binary_form=True)
        assert served == ssl.PEM_cert_to_DER_cert(entry.certificate.read_text())
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
    twelve = ssl.create_default_context(cafile=str(entry.certificate))
    twelve.maximum_version = ssl.TLSVersion.TLSv1_2
    with handshake(entry.https, twelve) as tls:
        cipher = tls.cipher()
        assert tls.version() == "TLSv1.2" and cipher and cipher[0].startswith("ECDHE-")  # forward secrecy


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_tls_1_0_and_1_1_are_refused_by_the_server(entry: Entry, version: ssl.TLSVersion) -> None:
    """The client offers only the old version (its own OpenSSL allowed to, SECLEVEL=0): the
    server answers with the alert "protocol version", so the refusal is nginx's, not the client's."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.minimum_version = context.maximum_version = version
    with pytest.raises(ssl.SSLError) as refused:
        handshake(entry.https, context).close()
    assert "PROTOCOL_VERSION" in str(refused.value).upper() or "UNSUPPORTED_PROTOCOL" in str(refused.value).upper()
    assert "NO_PROTOCOLS_AVAILABLE" not in str(refused.value).upper()  # the client did offer it


def test_the_plain_port_redirects_to_https_except_the_probes(entry: Entry, stand_in: StandInServer) -> None:
    r = requests.get(f"{entry.plain}/webhooks/rest/webhook?x=1", allow_redirects=False, timeout=10)
    assert r.status_code == 301 and r.headers["Location"] == f"{entry.https}/webhooks/rest/webhook?x=1"
    assert requests.get(f"{entry.plain}/", allow_redirects=False, timeout=10).headers["Location"] == f"{entry.https}/"
    for base in (entry.plain, entry.https):
        health = requests.get(f"{base}/health", verify=str(entry.certificate), timeout=10)
        ready = requests.get(f"{base}/ready", verify=str(entry.certificate), timeout=10)
        assert (health.status_code, health.text) == (200, "supervisor /health\n")  # the supervisor's answers
        assert (ready.status_code, ready.text) == (503, "supervisor /ready\n")
        metrics = requests.get(f"{base}/metrics", verify=str(entry.certificate), timeout=10, allow_redirects=False)
        assert metrics.status_code == 404
    assert "/metrics" not in stand_in.seen


def test_the_demo_page_over_https_talks_to_the_https_origin(entry: Entry) -> None:
    r = requests.get(f"{entry.https}/", verify=str(entry.certificate), timeout=10)
    assert r.status_code == 200 and entry.https in r.text  # the widget's server
    policy = r.headers["Content-Security-Policy"]
    assert f"connect-src 'self' {entry.https} {entry.https.replace('https:', 'wss:')};" in policy
    assert r.headers["Strict-Transport-Security"] == "max-age=63072000"
    assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_without_a_supervisor_nginx_answers_health_itself_and_metrics_is_404(
    tmp_path_factory: pytest.TempPathFactory, stand_in: StandInServer
) -> None:
    port = free_port()
    with start_nginx(nginx_folder(tmp_path_factory, "nginx-plain"), port, [stand_in.url]):
        assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).text == "ok\n"
        assert requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).status_code == 404
        assert requests.get(f"http://127.0.0.1:{port}/ready", timeout=10).status_code == 404


def test_a_missing_certificate_stops_the_start_with_one_line(tmp_path: Path, certificate: tuple[Path, Path]) -> None:
    tls = TlsSettings(tmp_path / "gone.pem", certificate[1], port=free_port())
    with (
        pytest.raises(TlsError) as stopped,
        start_nginx(tmp_path / "nginx", free_port(), ["http://127.0.0.1:9"], tls=tls),
    ):
        pass
    message = str(stopped.value.code)
    assert message == f"TLS_CERTIFICATE={tmp_path / 'gone.pem'}: no such file (nginx cannot start with TLS)"
    assert not (tmp_path / "nginx").exists()  # stopped before anything was written or started

"""nginx's configuration of the cluster's entry point (ops/cluster.py ``nginx_config``,
ops/nginx.py, ops/tls.py, ops/nginx.conf.template) and the rotation of its logs
(ops/access_log.py, ops/logrotate.conf), without starting a server: the HTTPS settings from the
environment, the client address shortened by nginx's map, the access log's fields, what
``nginx -t`` accepts. tests/cluster/test_tls.py and test_access_log.py start nginx."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from base.paths import ROOT
from ops.access_log import log_days, rotate_logs
from ops.cluster import nginx_config
from ops.tls import TlsError, TlsSettings, public_origin, tls_settings, widget_origins

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
TEMPLATE = (ROOT / "ops" / "nginx.conf.template").read_text(encoding="utf-8")
INSTANCES = ["http://127.0.0.1:5101", "http://127.0.0.1:5102"]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)  # fmt: skip
    return cert, key


# ---- the client's network (map $remote_addr $client_network) -------------------------------------
def client_network(address: str) -> str:
    """nginx's map, read from the template and applied as nginx does: the first regex that matches."""
    block = re.search(r"map \$remote_addr \$client_network \{(.*?)\n    \}", TEMPLATE, re.S)
    assert block
    for line in block.group(1).strip().splitlines():
        pattern, value = line.strip().rstrip(";").rsplit(None, 1)
        if pattern == "default":
            return value
        flags = re.I if pattern.startswith('"~*') else 0
        found = re.search(pattern.strip('"').lstrip("~*"), address, flags)
        if found:
            return value.replace("$1", found.group(1)) if found.groups() else value
    raise AssertionError("no default")


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("203.0.113.77", "203.0.113.0"),
        ("127.0.0.1", "127.0.0.0"),
        ("::ffff:198.51.100.9", "198.51.100.0"),
        ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
        ("2001:DB8:85A3::7348", "2001:DB8:85A3::/48"),
        ("2001:db8::1", "2001:db8::/48"),
        ("2001::8a2e:370:7348", "2001::/48"),
        ("::1", "::/48"),
        ("unix:", "-"),
    ],
)
def test_the_client_address_is_cut_to_its_network(address: str, network: str) -> None:
    assert client_network(address) == network


def test_the_access_log_format_has_no_query_string_body_or_address() -> None:
    found = re.search(r"log_format privacy (.*?);", TEMPLATE, re.S)
    assert found
    fields = set(re.findall(r"\$\w+", found.group(1)))
    assert fields == {"$time_iso8601", "$client_network", "$request_method", "$uri", "$status", "$body_bytes_sent",
                      "$request_time", "$upstream_response_time", "$instance_name"}  # fmt: skip
    # never $request_uri, $args, $request (the request line), $request_body, $remote_addr, $http_*
    assert "access_log @PREFIX@/access.log privacy;" in TEMPLATE and "access_log off" not in TEMPLATE


# ---- the configuration --------------------------------------------------------------------------
def config(tmp_path: Path, **options: object) -> str:
    return nginx_config(tmp_path, 8005, ROOT / "web" / "public", INSTANCES, **options)  # type: ignore[arg-type]


def servers(text: str) -> list[str]:
    """The text of each top-level ``server { ... }`` block."""
    return re.findall(r"\n    server \{\n(.*?)\n    \}\n", text, re.S)


def locations(server: str) -> dict[str, str]:
    blocks = re.findall(r"location ([^{]+?) \{(.*?)\}\n", server + "\n", re.S)
    return {name.strip(): body for name, body in blocks}


def test_without_tls_one_server_on_loopback_as_before(tmp_path: Path) -> None:
    text = config(tmp_path)
    [server] = servers(text)
    assert "listen 127.0.0.1:8005;" in server and "ssl" not in server and "Strict-Transport" not in text
    assert 'return 200 "ok\\n"' in locations(server)["= /health"] and "= /ready" not in locations(server)
    assert "connect-src 'self' http://127.0.0.1:8005 ws://127.0.0.1:8005;" in text


def test_health_and_ready_go_to_the_supervisor_and_metrics_is_404(tmp_path: Path) -> None:
    [server] = servers(config(tmp_path, health_url="http://127.0.0.1:9100/health"))
    found = locations(server)
    assert "proxy_pass http://127.0.0.1:9100;" in found["= /health"]  # the path is nginx's own: /health, /ready
    assert "proxy_pass http://127.0.0.1:9100;" in found["= /ready"]
    assert found["= /metrics"].strip() == "return 404;"
    with pytest.raises(ValueError, match="http://host:port"):
        config(tmp_path, health_url="127.0.0.1:9100")


def test_with_tls_https_with_http2_hsts_everywhere_and_a_redirecting_plain_port(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    tls = TlsSettings(*files, port=8443, bind="0.0.0.0")
    text = config(tmp_path, tls=tls, origin="https://chat.example.de", health_url="http://127.0.0.1:9100")
    plain, https = servers(text)
    assert "listen 0.0.0.0:8005;" in plain and "return 301 https://chat.example.de$request_uri;" in plain
    assert set(locations(plain)) == {"= /metrics", "= /health", "= /ready", "/"}
    assert "listen 0.0.0.0:8443 ssl http2;" in https and "ssl_protocols TLSv1.2 TLSv1.3;" in https
    assert re.search(r"ssl_ciphers (ECDHE-[A-Z0-9-]+(GCM-SHA\d+|CHACHA20-POLY1305):?)+;", https)
    assert "connect-src 'self' https://chat.example.de wss://chat.example.de;" in text
    # add_header in a location drops the server's: every location with headers repeats HSTS
    for name, body in locations(https).items():
        if "add_header" in body:
            assert 'Strict-Transport-Security "max-age=63072000" always;' in body, name
    assert 'add_header Strict-Transport-Security "max-age=63072000" always;' in https.split("location")[0]
    ipv6 = config(tmp_path, tls=TlsSettings(*files, port=8443, bind="::"))
    assert "listen [::]:8443 ssl http2;" in ipv6 and "listen [::]:8005;" in ipv6


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx missing: `make nginx` installs Debian's nginx-light")
@pytest.mark.parametrize(
    "options",
    [{}, {"health_url": "http://127.0.0.1:9100"}, {"tls": "127.0.0.1"}, {"tls": "0.0.0.0"}, {"tls": "::"},
     {"tls": "127.0.0.1", "health_url": "http://127.0.0.1:9100", "origin": "https://chat.example.de"}],
)  # fmt: skip
def test_nginx_accepts_the_configuration(tmp_path: Path, files: tuple[Path, Path], options: dict[str, str]) -> None:
    bind = options.pop("tls", None)
    tls = TlsSettings(*files, port=8443, bind=bind) if bind else None
    conf = tmp_path / "nginx.conf"
    conf.write_text(config(tmp_path, tls=tls, **options), encoding="utf-8")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr


# ---- the settings from the environment ----------------------------------------------------------
def test_tls_settings_from_the_environment(files: tuple[Path, Path]) -> None:
    cert, key = files
    assert tls_settings({}) is None
    settings = tls_settings({"TLS_CERTIFICATE": str(cert), "TLS_CERTIFICATE_KEY": str(key)})
    assert settings == TlsSettings(cert, key, 8443, "127.0.0.1")
    assert public_origin(8005, settings, {}) == "https://127.0.0.1:8443"
    assert public_origin(8005, None, {}) == "http://127.0.0.1:8005"
    assert public_origin(8005, settings, {"PUBLIC_ORIGIN": "https://chat.example.de/"}) == "https://chat.example.de"
    assert widget_origins("https://127.0.0.1:8443") == "https://127.0.0.1:8443,https://localhost:8443"
    assert widget_origins("https://chat.example.de") == "https://chat.example.de"
    env = {"TLS_CERTIFICATE": str(cert), "TLS_CERTIFICATE_KEY": str(key), "CLUSTER_TLS_PORT": "9443",
           "CLUSTER_BIND": "0.0.0.0"}  # fmt: skip
    assert tls_settings(env) == TlsSettings(cert, key, 9443, "0.0.0.0")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TLS_CERTIFICATE": "{cert}"}, "TLS_CERTIFICATE_KEY is not set: HTTPS needs both"),
        ({"TLS_CERTIFICATE_KEY": "{key}"}, "TLS_CERTIFICATE is not set: HTTPS needs both"),
        ({"TLS_CERTIFICATE": "{dir}/gone.pem", "TLS_CERTIFICATE_KEY": "{key}"},
         "TLS_CERTIFICATE={dir}/gone.pem: no such file (nginx cannot start with TLS)"),
        ({"TLS_CERTIFICATE": "{cert}", "TLS_CERTIFICATE_KEY": "{dir}"},
         "TLS_CERTIFICATE_KEY={dir}: no such file (nginx cannot start with TLS)"),
        ({"TLS_CERTIFICATE": "{cert}", "TLS_CERTIFICATE_KEY": "{key}", "CLUSTER_TLS_PORT": "84430"},
         "CLUSTER_TLS_PORT=84430: not a port number"),
        ({"CLUSTER_BIND": "0.0.0.0"}, "CLUSTER_BIND=0.0.0.0 needs TLS_CERTIFICATE and TLS_CERTIFICATE_KEY"),
    ],
)  # fmt: skip
def test_a_wrong_tls_setting_is_one_clear_line(files: tuple[Path, Path], env: dict[str, str], message: str) -> None:
    cert, key = files
    values = {"cert": cert, "key": key, "dir": cert.parent}
    with pytest.raises(TlsError) as stopped:
        tls_settings({k: v.format(**values) for k, v in env.items()})
    text = str(stopped.value.code)
    assert text.startswith(message.format(**values)) and "\n" not in text
    assert isinstance(stopped.value, SystemExit)  # no traceback: the program ends with this line


def test_an_unreadable_certificate_is_one_clear_line(files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every file is readable: the refusal of the file system is simulated."""

    def refused(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", refused)
    with pytest.raises(TlsError) as stopped:
        tls_settings({"TLS_CERTIFICATE": str(files[0]), "TLS_CERTIFICATE_KEY": str(files[1])})
    assert str(stopped.value.code) == f"TLS_CERTIFICATE={files[0]}: not readable (Permission denied)"


# ---- rotation -----------------------------------------------------------------------------------
def test_log_days_never_exceed_the_retention() -> None:
    assert log_days({}) == 7
    assert log_days({"RETENTION_DAYS": "3"}) == 3
    assert log_days({"ACCESS_LOG_DAYS": "14", "RETENTION_DAYS": "30"}) == 14
    assert log_days({"ACCESS_LOG_DAYS": "60", "RETENTION_DAYS": "30"}) == 30


def test_rotation_renames_signals_nginx_and_deletes_old_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    signals: list[tuple[int, int]] = []
    monkeypatch.setattr(os, "kill", lambda pid, sig: signals.append((pid, sig)))
    (tmp_path / "nginx.pid").write_text("4242\n")
    (tmp_path / "access.log").write_text("line\n")
    (tmp_path / "error.log").write_text("")  # empty: stays
    now = time.time()
    old, recent = tmp_path / "access.log.20270101-000000", tmp_path / "error.log.20270105-000000"
    for path, age_days in ((old, 10), (recent, 3)):
        path.write_text("x\n")
        os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    result = rotate_logs(tmp_path, keep_days=7, now=now)
    [rotated] = result.rotated
    assert rotated.read_text() == "line\n" and rotated.name.startswith("access.log.")
    assert (tmp_path / "access.log").read_text() == "" and oct((tmp_path / "access.log").stat().st_mode)[-3:] == "640"
    assert signals == [(4242, 0), (4242, signal.SIGUSR1)] and result.signalled
    assert result.deleted == [old] and not old.exists() and recent.exists()


# nginx's master as logrotate sees it: a process that notes SIGUSR1 in a file
SIGNAL_CATCHER = """import signal, sys, time
signal.signal(signal.SIGUSR1, lambda *a: open(sys.argv[1], "w").write("reopen"))
open(sys.argv[1], "w").write("ready")
time.sleep(30)
"""


def wait_for(condition: Callable[[], bool], timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.skipif(not shutil.which("logrotate"), reason="logrotate missing (Debian: apt-get install logrotate)")
def test_the_logrotate_configuration_rotates_and_signals_nginx(tmp_path: Path) -> None:
    """ops/logrotate.conf with its paths in tmp_path and this user instead of ``jobcenter``."""
    prefix = tmp_path / "build" / "cluster" / "nginx"
    prefix.mkdir(parents=True)
    (prefix / "access.log").write_text("line\n")
    marker = tmp_path / "usr1"
    catcher = subprocess.Popen([sys.executable, "-c", SIGNAL_CATCHER, str(marker)])
    try:
        wait_for(lambda: marker.exists())  # the handler is in place
        (prefix / "nginx.pid").write_text(f"{catcher.pid}\n")
        conf = (ROOT / "ops" / "logrotate.conf").read_text(encoding="utf-8")
        conf = conf.replace("/opt/jobcenter-faq", str(tmp_path))
        user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        (tmp_path / "logrotate.conf").write_text(conf.replace("jobcenter jobcenter", f"{user} {user}"))
        result = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "state"), str(tmp_path / "logrotate.conf")],
                                capture_output=True, text=True)  # fmt: skip
        assert result.returncode == 0, result.stderr
        wait_for(lambda: marker.read_text() == "reopen")
    finally:
        catcher.kill()
        catcher.wait()
    assert marker.read_text() == "reopen"
    [rotated] = prefix.glob("access.log-*")
    assert rotated.read_text() == "line\n" and (prefix / "access.log").read_text() == ""
    assert re.search(r"^\s*maxage 7$", conf, re.M) and re.search(r"^\s*rotate 7$", conf, re.M)

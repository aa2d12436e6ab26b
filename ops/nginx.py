"""The parts of nginx's configuration that depend on how the entry point is reached
(ops/nginx.conf.template; ops/cluster.py ``nginx_config`` puts them in): where it listens, plain
HTTP or HTTPS, the headers of every answer, and where ``/health`` and ``/ready`` go.

- Without TLS: one server on ``127.0.0.1:port``, as before.
- With TLS (ops/tls.py): the server on ``bind:TLS port`` with HTTP/2 and HSTS; the plain port
  answers ``/health`` and ``/ready`` (probes) and ``/metrics`` (404) and sends everything else to
  the HTTPS origin (301).
- ``health_url`` (the cluster supervisor's health server on loopback): ``/health`` and ``/ready``
  are passed to it; without it nginx answers ``/health`` itself ("ok").
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlparse

from ops.tls import HSTS, TlsSettings, local_address, tls_directives
from ops.web import security_headers


def health_locations(health_url: str | None) -> str:
    """``/health`` and ``/ready``: passed on to ``health_url`` (its path is dropped: the supervisor
    answers both paths), or nginx's own "ok" on ``/health``."""
    if not health_url:
        return '        location = /health { default_type text/plain; return 200 "ok\\n"; }'
    parsed = urlparse(health_url)
    if parsed.scheme != "http" or not parsed.netloc:
        raise ValueError(f"health_url must be http://host:port, not {health_url!r}")
    settings = "proxy_connect_timeout 2s; proxy_read_timeout 5s; proxy_set_header Host $host;"
    return "\n".join(
        f"        location = {path} {{ proxy_pass http://{parsed.netloc}; {settings} }}"
        for path in ("/health", "/ready")
    )


def redirect_server(port: int, origin: str, tls: TlsSettings, health: str) -> str:
    """The plain port with TLS on: probes and ``/metrics`` (404) stay, the rest goes to HTTPS."""
    return f"""    # Plain HTTP while HTTPS is on: only the probes; browsers and clients go to HTTPS.
    server {{
        listen {tls.listen(port)};
        location = /metrics {{ return 404; }}
{health}
        location / {{ return 301 {origin}$request_uri; }}
    }}
"""


def entry_point(port: int, site: Path, origin: str, tls: TlsSettings | None, health_url: str | None) -> dict[str, str]:
    """The template's values that say how the entry point is reached (``@LISTEN@`` ...)."""
    health = health_locations(health_url)
    headers = security_headers(site, origin)
    if tls is None:
        return {
            "@REDIRECT_SERVER@": "",
            "@LISTEN@": f"        listen 127.0.0.1:{port};",
            "@SERVER_HEADERS@": "",
            "@HEALTH@": health,
            "@HSTS@": "",
            "@SITE_HEADERS@": "\n".join(f'            add_header {n} "{v}" always;' for n, v in headers.items()),
        }
    headers["Strict-Transport-Security"] = HSTS
    hsts = f'add_header Strict-Transport-Security "{HSTS}" always;'
    return {
        "@REDIRECT_SERVER@": redirect_server(port, origin, tls, health),
        # http2 with its own "listen" flag: nginx 1.22 (Debian 12's nginx-light) has no "http2 on"
        "@LISTEN@": f"        listen {tls.listen(tls.port)} ssl http2;\n{tls_directives(tls)}",
        # add_header is inherited only by locations without one of their own: HSTS is in each
        "@SERVER_HEADERS@": f"        {hsts}",
        "@HEALTH@": health,
        "@HSTS@": f"            {hsts}",
        "@SITE_HEADERS@": "\n".join(f'            add_header {n} "{v}" always;' for n, v in headers.items()),
    }


def check_config(nginx: str, prefix: Path, conf: Path) -> None:
    """``nginx -t``; its complaint as one line (``RuntimeError``) instead of its several."""
    result = subprocess.run([nginx, "-t", "-q", "-p", str(prefix), "-c", str(conf)], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if "[emerg]" in line] or result.stderr.splitlines()
        raise RuntimeError(f"nginx refuses {conf}: {lines[0] if lines else result.returncode}")


def wait_listening(bind: str, port: int, proc: subprocess.Popen, timeout: float = 10) -> None:
    """Until nginx accepts connections on ``port`` (not on /health: that may be the supervisor's,
    which may report "not ready" while nginx itself is up)."""
    host = local_address(bind)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited with {proc.returncode} (see its error.log)")
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nginx not listening on {host}:{port} after {timeout} s")

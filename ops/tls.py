"""HTTPS on the cluster's entry point (nginx, ops/cluster.py): its settings from the environment.

    TLS_CERTIFICATE=/etc/ssl/jobcenter/fullchain.pem      # both set: nginx speaks HTTPS
    TLS_CERTIFICATE_KEY=/etc/ssl/jobcenter/privkey.pem
    CLUSTER_TLS_PORT=8443                                 # default 8443
    CLUSTER_BIND=0.0.0.0                                  # default 127.0.0.1; 0.0.0.0 serves the
                                                          # messengers' webhooks directly
    PUBLIC_ORIGIN=https://chat.jobcenter.example.de       # the name in the certificate (default
                                                          # https://127.0.0.1:CLUSTER_TLS_PORT)

With TLS, nginx answers on ``CLUSTER_BIND:CLUSTER_TLS_PORT`` (TLS 1.2 and 1.3 only, HTTP/2, HSTS)
and its plain port only sends browsers to HTTPS (``/health`` and ``/ready`` excepted, for probes).
Without TLS, nginx stays on loopback: ``CLUSTER_BIND`` other than loopback is refused, since
messages and webhooks would cross the network unencrypted.

A wrong setting stops the start with one line (``TlsError`` is a ``SystemExit``: no traceback),
before any process is started: a certificate nginx cannot read would otherwise only show up as
several lines of ``nginx -t`` after PostgreSQL, Redis and every Rasa instance had started.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TLS_PORT = 8443
LOOPBACK = ("127.0.0.1", "::1", "localhost")

# Mozilla's "intermediate" settings (TLS 1.2 and 1.3; for TLS 1.2 only forward-secret AEAD
# ciphers): "modern" (TLS 1.3 only) would lock out older messenger and government clients.
TLS_PROTOCOLS = "TLSv1.2 TLSv1.3"
TLS12_CIPHERS = ":".join(
    [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ]
)
# Two years, the browsers' preload minimum; no includeSubDomains: the Jobcenter's other hosts are
# not ours to force onto HTTPS.
HSTS = "max-age=63072000"


class TlsError(SystemExit):
    """A TLS setting that cannot work: the start stops with this one line."""


@dataclass(frozen=True)
class TlsSettings:
    certificate: Path
    key: Path
    port: int = DEFAULT_TLS_PORT
    bind: str = "127.0.0.1"

    def check(self) -> None:
        """The files are still there and readable (``TlsError`` with one line if not)."""
        readable_file("TLS_CERTIFICATE", str(self.certificate))
        readable_file("TLS_CERTIFICATE_KEY", str(self.key))

    def listen(self, port: int) -> str:
        """nginx's ``listen`` address for ``port`` on this bind address (IPv6 in brackets)."""
        return f"[{self.bind}]:{port}" if ":" in self.bind else f"{self.bind}:{port}"

    def origin(self, host: str = "127.0.0.1") -> str:
        """The public origin on this host (the demo page's CSP, the instances' WIDGET_ORIGINS)."""
        return f"https://{host}:{self.port}"


def readable_file(variable: str, value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise TlsError(f"{variable}={value}: no such file (nginx cannot start with TLS)")
    try:
        with path.open("rb") as handle:
            handle.read(1)
    except OSError as error:
        raise TlsError(f"{variable}={value}: not readable ({error.strerror})") from None
    return path


def tls_settings(env: Mapping[str, str] | None = None) -> TlsSettings | None:
    """The TLS settings of ``env`` (default: this process's environment); None without TLS."""
    env = os.environ if env is None else env
    certificate, key = env.get("TLS_CERTIFICATE", ""), env.get("TLS_CERTIFICATE_KEY", "")
    bind = env.get("CLUSTER_BIND", "") or "127.0.0.1"
    if not certificate and not key:
        if bind not in LOOPBACK:
            raise TlsError(
                f"CLUSTER_BIND={bind} needs TLS_CERTIFICATE and TLS_CERTIFICATE_KEY (no plain HTTP off loopback)"
            )
        return None
    if not certificate or not key:
        missing = "TLS_CERTIFICATE_KEY" if certificate else "TLS_CERTIFICATE"
        raise TlsError(f"{missing} is not set: HTTPS needs both TLS_CERTIFICATE and TLS_CERTIFICATE_KEY")
    port = env.get("CLUSTER_TLS_PORT", "") or str(DEFAULT_TLS_PORT)
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise TlsError(f"CLUSTER_TLS_PORT={port}: not a port number")
    return TlsSettings(
        readable_file("TLS_CERTIFICATE", certificate), readable_file("TLS_CERTIFICATE_KEY", key), int(port), bind
    )


def public_origin(port: int, tls: TlsSettings | None, env: Mapping[str, str] | None = None) -> str:
    """Where browsers reach the entry point: ``PUBLIC_ORIGIN`` when set (HTTPS with TLS), else
    ``https://127.0.0.1:TLS port`` with TLS and ``http://127.0.0.1:port`` without."""
    env = os.environ if env is None else env
    origin = env.get("PUBLIC_ORIGIN", "").strip().rstrip("/")
    if not origin:
        return tls.origin() if tls else f"http://127.0.0.1:{port}"
    if tls and not origin.startswith("https://"):
        raise TlsError(f"PUBLIC_ORIGIN={origin}: with TLS it must start with https://")
    if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
        raise TlsError(f"PUBLIC_ORIGIN={origin}: an origin is scheme://host[:port], nothing after it")
    return origin


def widget_origins(origin: str) -> str:
    """The instances' ``WIDGET_ORIGINS`` for the page at ``origin`` (also as ``localhost``)."""
    also = origin.replace("://127.0.0.1", "://localhost")
    return origin if also == origin else f"{origin},{also}"


def local_address(bind: str) -> str:
    """An address on this host that reaches a server bound to ``bind`` (its readiness check)."""
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(bind, bind)


def tls_directives(tls: TlsSettings) -> str:
    """The ``ssl_*`` lines of the HTTPS server."""
    lines = [
        f"ssl_certificate {tls.certificate};",
        f"ssl_certificate_key {tls.key};",
        f"ssl_protocols {TLS_PROTOCOLS};",
        f"ssl_ciphers {TLS12_CIPHERS};",
        "ssl_prefer_server_ciphers off;",  # every cipher left is strong: the client picks the fastest
        "ssl_session_timeout 1d;",
        "ssl_session_cache shared:TLS:10m;",
        "ssl_session_tickets off;",  # tickets' keys never rotate in nginx: they would undo forward secrecy
    ]
    return "\n".join(f"        {line}" for line in lines)

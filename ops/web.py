"""The demo page's web server (``python -m ops.services web``, port 8080): files and nothing else.

    python -m ops.web --port 8080 --directory web/public --bot http://localhost:5005

Python's ``http.server`` with its handler changed: a folder without an ``index.html`` is 404 (no
listing), the ``Server`` header names no software or version, nothing is logged (no client
addresses), and every answer carries ``security_headers``: a Content-Security-Policy that lets the
page load only its own files and talk only to its own origin and the bot server, plus
``nosniff``, no referrer and no framing. The page's own inline ``<style>`` blocks are allowed by
their hashes (``content_security_policy``), nothing else inline. nginx of ``make cluster`` sends
the same headers (ops/nginx.conf.template).
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import os
import re
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SERVER_NAME = "demo"
INLINE = re.compile(r"<(style|script)(?![^>]*\bsrc=)[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)


def inline_hashes(site: Path) -> dict[str, list[str]]:
    """The CSP hash sources of the inline ``<style>`` and ``<script>`` blocks of the site's pages."""
    found: dict[str, list[str]] = {"style": [], "script": []}
    for page in sorted(site.rglob("*.html")):
        for kind, body in INLINE.findall(page.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            source = f"'sha256-{digest}'"
            if source not in found[kind.lower()]:
                found[kind.lower()].append(source)
    return found


def bot_sources(bot: str) -> list[str]:
    """The bot server's origin for HTTP and for its websocket (socket.io)."""
    parsed = urlparse(bot)
    secure = parsed.scheme == "https"
    return [f"{parsed.scheme}://{parsed.netloc}", f"{'wss' if secure else 'ws'}://{parsed.netloc}"]


def content_security_policy(site: Path, bot: str) -> str:
    """Only the page's own origin and the bot server; inline only the page's own blocks."""
    hashes = inline_hashes(site)
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *hashes["script"]],
        "style-src": ["'self'", *hashes["style"]],
        "connect-src": ["'self'", *bot_sources(bot)],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(site: Path, bot: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(site, bot),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }


class FilesOnlyHandler(SimpleHTTPRequestHandler):
    """Files under ``directory``; folders only through their ``index.html``."""

    headers_to_send: dict[str, str] = {}

    def version_string(self) -> str:
        return SERVER_NAME

    def send_head(self) -> Any:
        path = self.translate_path(self.path)
        if os.path.isdir(path) and not os.path.isfile(os.path.join(path, "index.html")):
            self.send_error(404, "File not found")
            return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        self.send_error(404, "File not found")

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: it would hold the visitors' addresses."""


def make_server(port: int, directory: Path, bot: str, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    handler_class = type("SiteHandler", (FilesOnlyHandler,), {"headers_to_send": security_headers(directory, bot)})
    handler = functools.partial(handler_class, directory=str(directory))
    return ThreadingHTTPServer((host, port), handler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--directory", type=Path, required=True)
    parser.add_argument("--bot", required=True, help="the bot server's URL the page's widget talks to")
    args = parser.parse_args()
    with make_server(args.port, args.directory.resolve(), args.bot) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()

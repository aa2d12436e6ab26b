"""Generated secrets that survive a restart, and output that never shows a secret.

A secret the operator does not set (``SOCKET_SESSION_SECRET``, ...) is generated once and kept in
``build/secrets/<NAME>`` (folder 0700, file 0600), so a restart keeps the widget's sessions and
every instance of the cluster reads the same value. Rotating one: see README "Secrets".

``mask`` takes a line before it is printed or logged: a password in a URL, and the value of every
variable of the environment whose name says it is a secret (``*_TOKEN``, ``*_SECRET``,
``*_PASSWORD``, ``*_KEY``), become ``***``.

The ground floor: imports nothing of the project but base/paths.py.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Mapping
from pathlib import Path

from base.paths import BUILD

SECRETS_HOME = BUILD / "secrets"
# The secrets generated when unset; each is listed in .env.example.
GENERATED = ("SOCKET_SESSION_SECRET", "MESSENGER_ID_SECRET")
SECRET_NAME = re.compile(r"(TOKEN|SECRET|PASSWORD|_KEY)$")
MIN_MASKED_CHARS = 6  # shorter values ("1", "true") would mask ordinary words
MASK = "***"
# scheme://user:password@host: the password (any character but "@" and whitespace)
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^\s:/@]*:)(?P<password>[^\s@]+)(?=@)", re.IGNORECASE)


def persistent_secret(
    name: str, home: Path = SECRETS_HOME, env: Mapping[str, str] = os.environ, filename: str | None = None
) -> str:
    """``name`` from the environment when set; else the value in ``home/name`` (or ``filename``),
    generated on first use (exclusive create, mode 0600: two processes starting at once read the
    same value)."""
    if env.get(name):
        return env[name]
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    path = home / (filename or name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32))
    for _ in range(50):  # another process may be writing it right now
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value
        time.sleep(0.05)
    raise RuntimeError(f"{path} is empty: delete it to generate a new secret")


def secret_values(env: Mapping[str, str] = os.environ) -> list[str]:
    """The values to mask: every variable named like a secret, longest first."""
    values = {v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= MIN_MASKED_CHARS}
    return sorted(values, key=len, reverse=True)


def mask(text: str, env: Mapping[str, str] = os.environ, values: list[str] | None = None) -> str:
    """``text`` without a password of a URL or the value of a secret of ``env`` (``values``: the
    secrets, read once by a caller that masks every log line)."""
    if "://" in text:
        text = URL_PASSWORD.sub(lambda m: m.group("head") + MASK, text)
    for value in secret_values(env) if values is None else values:
        if value in text:
            text = text.replace(value, MASK)
    return text

"""nginx's logs of the cluster (``<prefix>/access.log``, ``<prefix>/error.log``): rotated and
deleted after a short time.

nginx never rotates its own files. Either Debian's logrotate does it (ops/logrotate.conf) or the
cluster's supervisor calls ``rotate_logs`` once a day: each log is renamed with the time of the
rotation (``access.log.20270101-000000``), nginx is told to open new files (``SIGUSR1`` to the
process in ``nginx.pid``), and rotated files older than the retention are deleted.

The access log holds no bodies, no query strings and no full client address
(ops/nginx.conf.template, ``log_format privacy``), but it still tells when someone used the
assistant: it is kept ``ACCESS_LOG_DAYS`` (7), never longer than ``RETENTION_DAYS`` (30), the
period the conversations themselves are kept. The error log names client addresses in its
lines (nginx has no setting against it): it is kept as briefly.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_LOG_DAYS = 7
LOG_NAMES = ("access.log", "error.log")
LOG_MODE = 0o640


def log_days(env: dict[str, str] | None = None) -> float:
    """How long rotated logs are kept: ``ACCESS_LOG_DAYS``, at most ``RETENTION_DAYS``."""
    env = dict(os.environ) if env is None else env
    retention = float(env.get("RETENTION_DAYS", "") or 30)
    return min(float(env.get("ACCESS_LOG_DAYS", "") or ACCESS_LOG_DAYS), retention)


def prepare_logs(prefix: Path) -> None:
    """The logs exist before nginx opens them, readable by this user and its group only (nginx
    would create them readable by everyone); nginx keeps a file's mode when it reopens it."""
    for name in LOG_NAMES:
        path = prefix / name
        if not path.exists():
            path.touch(mode=LOG_MODE)
        path.chmod(LOG_MODE)


@dataclass
class Rotation:
    rotated: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    signalled: bool = False  # nginx was running and was told to reopen its logs


def nginx_pid(prefix: Path) -> int | None:
    try:
        pid = int((prefix / "nginx.pid").read_text(encoding="utf-8").strip())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def rotate_logs(prefix: Path, keep_days: float | None = None, now: float | None = None) -> Rotation:
    """Rename the non-empty logs in ``prefix``, have nginx reopen them, delete rotated logs whose
    last line is older than ``keep_days`` (default ``log_days()``)."""
    now = time.time() if now is None else now
    keep_days = log_days() if keep_days is None else keep_days
    result = Rotation()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    for name in LOG_NAMES:
        path = prefix / name
        if path.is_file() and path.stat().st_size > 0:
            target = prefix / f"{name}.{stamp}"
            path.rename(target)
            result.rotated.append(target)
            prepare_logs(prefix)  # the new, empty file with the right mode, before nginx reopens it
    pid = nginx_pid(prefix)
    if pid is not None and result.rotated:
        os.kill(pid, signal.SIGUSR1)  # nginx's master reopens every log file
        result.signalled = True
    cutoff = now - keep_days * 86400
    for name in LOG_NAMES:
        for old in sorted(prefix.glob(f"{name}.*")):
            if old.stat().st_mtime < cutoff:
                old.unlink()
                result.deleted.append(old)
    return result

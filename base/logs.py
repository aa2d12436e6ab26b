"""``LOG_FORMAT=json``: every log line of a process one JSON object (time, level, logger, message).

Why at the class, not per handler: Rasa (coloredlogs, ``logging.basicConfig``), Sanic
(``logging.config.dictConfig`` when its app is made, in each worker) and rasa_sdk install their
own handlers and formatters, some after our code has run. Replacing ``logging.Handler.format``
reaches every handler whoever made it and whenever. Python's warnings and uncaught exceptions
become log lines too; Rasa's structlog events are rendered as JSON (``FORCE_JSON_LOGGING``) and
then carried in ``message`` like any other line. Whatever the records hold has already passed the
redaction of engine/changes.py (change 5) in the Rasa process: this only changes the layout.

Called first thing by ``python -m engine`` (Rasa) and ``python -m ops.logs`` (the action server,
ops/metrics.py); a no-op unless ``LOG_FORMAT=json``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from types import TracebackType
from typing import Any

FORMAT_ENV = "LOG_FORMAT"
JSON = "json"
_original_format = logging.Handler.format


def as_json(record: logging.LogRecord) -> str:
    """One record as one line of JSON: UTC time with milliseconds, level, logger, message (and
    the traceback, when there is one, as one string)."""
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    line: dict[str, Any] = {
        "time": f"{seconds}.{int(record.msecs):03d}Z",
        "level": record.levelname,
        "logger": record.name,
        "message": record.getMessage(),
    }
    if record.exc_info:
        line["exception"] = logging.Formatter().formatException(record.exc_info)
    elif record.exc_text:
        line["exception"] = record.exc_text
    return json.dumps(line, ensure_ascii=False, default=str)


def _format(self: logging.Handler, record: logging.LogRecord) -> str:
    return as_json(record)


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
    logging.getLogger("uncaught").critical("Uncaught %s", kind.__name__, exc_info=(kind, value, tb))


def wanted(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    return environ.get(FORMAT_ENV, "").strip().lower() == JSON


def install(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """JSON lines for every handler of this process when ``LOG_FORMAT=json``; True when installed."""
    if not wanted(environ):
        return False
    os.environ["FORCE_JSON_LOGGING"] = "1"  # Rasa's structlog: JSON, never the coloured console
    logging.Handler.format = _format  # type: ignore[method-assign]
    logging.captureWarnings(True)  # warnings.warn -> the logger "py.warnings"
    sys.excepthook = _log_uncaught
    root = logging.getLogger()
    if not root.handlers:  # lines before a library sets up its own handler
        handler = logging.StreamHandler(sys.stderr)
        root.addHandler(handler)
    return True


def uninstall() -> None:
    """Back to the text format (tests)."""
    logging.Handler.format = _original_format  # type: ignore[method-assign]
    logging.captureWarnings(False)
    sys.excepthook = sys.__excepthook__

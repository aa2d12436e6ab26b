"""``LOG_FORMAT=json`` (base/logs.py): every log line one JSON object with time, level, logger and
message, whoever made the handler; the text format otherwise."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from base import logs
from base.paths import ROOT

LOGGING_MODULE = """
import logging, logging.config, sys, warnings
logging.getLogger("early").warning("before any handler")
logging.config.dictConfig({"version": 1, "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {"sanic.root": {"level": "INFO", "handlers": ["console"]}}})
logging.getLogger("sanic.root").info("Starting worker\\nsecond line")
warnings.warn("a library warns")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("actions").exception("failed")
raise RuntimeError("uncaught")
"""


@pytest.mark.parametrize(("log_format", "json_lines"), [("json", True), ("JSON", True), ("", False), ("text", False)])
def test_every_stderr_line_is_json_only_with_log_format_json(tmp_path, log_format: str, json_lines: bool) -> None:
    (tmp_path / "logging_module.py").write_text(LOGGING_MODULE, encoding="utf-8")
    env = {"PYTHONPATH": f"{ROOT}:{tmp_path}", "LOG_FORMAT": log_format, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-m", "ops.logs", "logging_module"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    lines = done.stderr.splitlines()
    assert done.returncode != 0 and len(lines) >= 4
    parsed = []
    for line in lines:
        try:
            parsed.append(json.loads(line))
        except json.JSONDecodeError:
            parsed.append(None)
    if not json_lines:
        assert None in parsed
        return
    assert None not in parsed, done.stderr
    assert all(set(p) >= {"time", "level", "logger", "message"} for p in parsed)
    by_logger = {p["logger"]: p for p in parsed}
    assert by_logger["sanic.root"]["message"] == "Starting worker\nsecond line"
    assert "ZeroDivisionError" in by_logger["actions"]["exception"]
    assert by_logger["uncaught"]["level"] == "CRITICAL" and "RuntimeError" in by_logger["uncaught"]["exception"]
    assert "py.warnings" in by_logger and "early" in by_logger


def test_a_record_as_json() -> None:
    record = logging.LogRecord("rasa.core", logging.ERROR, __file__, 1, "answer %s took %d ms", ("x", 3), None)
    line = json.loads(logs.as_json(record))
    assert line["level"] == "ERROR" and line["logger"] == "rasa.core"
    assert line["message"] == "answer x took 3 ms"
    assert line["time"].endswith("Z") and line["time"][10] == "T"

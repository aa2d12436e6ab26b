"""The Facebook webhook signature check (channels/facebook.py ``signed``); the verify token in a
URL never reaches a log line (engine/changes.py, change 5)."""

from __future__ import annotations

import hashlib
import hmac
import logging

import pytest

from channels.facebook import signed
from engine.changes import redacting_records

SECRET = "s3cret"
BODY = b'{"object": "page"}'


def good(algorithm: str) -> str:
    return f"{algorithm}=" + hmac.new(SECRET.encode(), BODY, getattr(hashlib, algorithm)).hexdigest()


@pytest.mark.parametrize("algorithm", ["sha1", "sha256"])
def test_right_signature_is_accepted(algorithm: str) -> None:
    assert signed(SECRET, BODY, good(algorithm))


@pytest.mark.parametrize(
    "header",
    ["foo=bar", "md5=" + hmac.new(SECRET.encode(), BODY, hashlib.md5).hexdigest(), "sha256=", "sha256", "",
     "sha512=" + hmac.new(SECRET.encode(), BODY, hashlib.sha512).hexdigest(), good("sha256")[:-1] + "0"],
)  # fmt: skip
def test_anything_else_is_refused(header: str) -> None:
    assert not signed(SECRET, BODY, header)


@pytest.mark.parametrize(
    ("message", "args"),
    [("Exception occurred while handling uri: %s",
      ("'http://127.0.0.1:5005/webhooks/facebook/webhook?hub.verify_token=tok-4711&hub.mode=subscribe'",)),
     ("GET /webhooks/facebook/webhook?hub.mode=subscribe&hub.verify_token=tok-4711 400", ())],
)  # fmt: skip
def test_no_log_line_holds_a_query_string(message: str, args: tuple) -> None:
    """Sanic's error handler logged the whole URL of a failed verification, token included."""
    record = redacting_records(logging.LogRecord)("sanic.error", logging.ERROR, __file__, 1, message, args, None)
    logged = record.getMessage()
    assert "tok-4711" not in logged and "/webhooks/facebook/webhook?[query removed]" in logged


@pytest.mark.parametrize("message", ["Wie geht es? Gut.", "Was ist ein Jobcenter?", "a ? b = c", "https://x.example/"])
def test_other_question_marks_stay(message: str) -> None:
    record = redacting_records(logging.LogRecord)("x", logging.INFO, __file__, 1, message, (), None)
    assert record.getMessage() == message

"""The Facebook webhook signature check (channels/facebook.py ``signed``)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from channels.facebook import signed

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

"""`make shell` (issue 28): from a fresh clone with no channel variables (and with messenger
variables set, which it does not read), on loopback and a free port, its chats in a store of its
own that the report never reads, and a non-zero exit when it fails."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from base.paths import MODEL, ROOT
from ops.services import SHELL_HOME

pytestmark = pytest.mark.e2e


def shell(*options: str, text: str = "") -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false",
           "TELEGRAM_ACCESS_TOKEN": "x"}  # a half-configured messenger made Rasa's shell fail  # fmt: skip
    command = [sys.executable, "-m", "ops.services", "shell", *options]
    return subprocess.run(command, cwd=ROOT, env=env, input=text, capture_output=True, text=True, timeout=300)


def test_make_shell_answers_on_loopback_in_its_own_store() -> None:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    done = shell(text="Wie viele kommunale Jobcenter gibt es?\n/stop\n")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "104" in done.stdout
    assert "Starting Rasa server on http://127.0.0.1:" in done.stdout + done.stderr
    assert "0.0.0.0" not in done.stdout + done.stderr
    endpoints = yaml.safe_load((SHELL_HOME / "endpoints.yml").read_text(encoding="utf-8"))
    assert "event_broker" not in endpoints  # never in the editors' report
    assert endpoints["tracker_store"]["db"] == str(SHELL_HOME / "tracker.db")
    credentials = (SHELL_HOME / "credentials.yml").read_text(encoding="utf-8")
    assert "TELEGRAM" not in credentials and "telegram" not in credentials


def test_make_shell_fails_with_a_non_zero_exit() -> None:
    done = shell("--model", str(ROOT / "models" / "no-such-model.tar.gz"))
    assert done.returncode != 0

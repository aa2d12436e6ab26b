"""Running it as a service, without servers: generated secrets kept, secrets masked in output,
the start's channel line, known warnings hidden, the cluster's health verdict, restart backoff,
log rotation, .env read by the cluster."""

from __future__ import annotations

import datetime as dt
import logging
import os
import stat
from pathlib import Path

import pytest

from base.quiet_warnings import known
from base.secret_files import MASK, mask, persistent_secret
from channels.config import configured, summary
from ops.supervisor import FIRST_BACKOFF_S, MAX_BACKOFF_S, STABLE_S, Backoff, rotate_log, verdict

CREDENTIALS = (Path(__file__).resolve().parent.parent / "credentials.yml").read_text(encoding="utf-8")


def test_a_generated_secret_is_kept_in_a_private_file_and_reused(tmp_path: Path) -> None:
    first = persistent_secret("SOCKET_SESSION_SECRET", tmp_path / "secrets", env={})
    assert len(first) == 64 and persistent_secret("SOCKET_SESSION_SECRET", tmp_path / "secrets", env={}) == first
    assert stat.S_IMODE((tmp_path / "secrets" / "SOCKET_SESSION_SECRET").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "secrets").stat().st_mode) == 0o700


def test_a_secret_set_in_the_environment_wins_and_is_not_written(tmp_path: Path) -> None:
    assert persistent_secret("SOCKET_SESSION_SECRET", tmp_path, env={"SOCKET_SESSION_SECRET": "given"}) == "given"
    assert not (tmp_path / "SOCKET_SESSION_SECRET").exists()


@pytest.mark.parametrize(
    ("line", "hidden"),
    [
        ("postgresql://rasa:2c68secretpw@127.0.0.1:5433/rasa: deleted 0", "2c68secretpw"),
        ("redis://:redispass99@127.0.0.1:6380/0", "redispass99"),
        ("verify token fb-verify-123456 refused", "fb-verify-123456"),
        ("https://api.telegram.org/bot987654:AAtoken-xyz/setWebhook", "987654:AAtoken-xyz"),
    ],
)
def test_passwords_and_tokens_are_masked(line: str, hidden: str) -> None:
    env = {"FACEBOOK_VERIFY_TOKEN": "fb-verify-123456", "TELEGRAM_ACCESS_TOKEN": "987654:AAtoken-xyz", "LANG": "C"}
    shown = mask(line, env)
    assert hidden not in shown and MASK in shown


def test_masking_leaves_ordinary_text_and_short_values_alone() -> None:
    env = {"REDIS_PASSWORD": "1", "LANG": "C.UTF-8"}
    assert (
        mask("Wie viele kommunale Jobcenter gibt es? 1 Antwort", env)
        == "Wie viele kommunale Jobcenter gibt es? 1 Antwort"
    )
    assert mask("http://127.0.0.1:5005/webhooks/rest/webhook", env) == "http://127.0.0.1:5005/webhooks/rest/webhook"


def test_log_records_are_masked_by_the_installed_record_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.changes import redacting_records

    monkeypatch.setenv("TELEGRAM_ACCESS_TOKEN", "4711:telegram-token-for-a-test")
    factory = redacting_records(logging.LogRecord)
    record = factory("x", logging.WARNING, __file__, 1, "sent to bot%s and postgresql://u:pw123456@h/db",
                     ("4711:telegram-token-for-a-test",), None)  # fmt: skip
    assert "telegram-token" not in record.getMessage() and "pw123456" not in record.getMessage()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "channels on: rest, socketio; off: telegram (not set: TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_NAME, "
             "TELEGRAM_WEBHOOK_URL, TELEGRAM_SECRET_TOKEN); facebook (not set: FACEBOOK_VERIFY_TOKEN, "
             "FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN); whatsapp (not set: WHATSAPP_ACCESS_TOKEN, "
             "WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID)"),
        ({"TELEGRAM_ACCESS_TOKEN": "t", "TELEGRAM_BOT_NAME": "b", "TELEGRAM_WEBHOOK_URL": "https://x",
          "TELEGRAM_SECRET_TOKEN": "s", "FACEBOOK_APP_SECRET": "a"},
         "channels on: rest, socketio, telegram; off: facebook (not set: FACEBOOK_VERIFY_TOKEN, "
         "FACEBOOK_PAGE_ACCESS_TOKEN); whatsapp (not set: WHATSAPP_ACCESS_TOKEN, WHATSAPP_APP_SECRET, "
         "WHATSAPP_VERIFY_TOKEN, WHATSAPP_PHONE_NUMBER_ID)"),
        ({"WHATSAPP_ACCESS_TOKEN": "t", "WHATSAPP_APP_SECRET": "a", "WHATSAPP_VERIFY_TOKEN": "v",
          "WHATSAPP_PHONE_NUMBER_ID": "1", "FACEBOOK_APP_SECRET": "a"},
         "channels on: rest, socketio, whatsapp; off: telegram (not set: TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_NAME, "
         "TELEGRAM_WEBHOOK_URL, TELEGRAM_SECRET_TOKEN); facebook (not set: FACEBOOK_VERIFY_TOKEN, "
         "FACEBOOK_PAGE_ACCESS_TOKEN)"),
    ],
)  # fmt: skip
def test_the_start_names_each_channel_that_is_off_and_why(env: dict[str, str], expected: str) -> None:
    _, enabled, off = configured(CREDENTIALS, env)
    assert summary(enabled, off) == expected


@pytest.mark.parametrize(
    ("category", "filename", "hidden"),
    [
        (DeprecationWarning, "/v/site-packages/pkg_resources/__init__.py", True),
        (DeprecationWarning, "/v/site-packages/sanic_cors/extension.py", True),
        (DeprecationWarning, "/v/site-packages/rasa/core/tracker_store.py", True),
        (DeprecationWarning, "/v/site-packages/rasa/core/agent.py", False),
        (UserWarning, "/v/site-packages/pkg_resources/__init__.py", False),
        (DeprecationWarning, "/work/main/channels/telegram.py", False),
    ],
)
def test_only_the_known_deprecation_warnings_are_hidden(category: type[Warning], filename: str, hidden: bool) -> None:
    assert known(category, filename) is hidden


@pytest.mark.parametrize(
    ("instances", "stores", "expected"),
    [
        ({"rasa-1": "up", "rasa-2": "up"}, {"database": "up", "lock_store": "up"}, ("ok", 200, 200)),
        ({"rasa-1": "down", "rasa-2": "up"}, {"database": "up", "lock_store": "up"}, ("degraded", 200, 503)),
        ({"rasa-1": "down", "rasa-2": "down"}, {"database": "up", "lock_store": "up"}, ("down", 503, 503)),
        ({"rasa-1": "up", "rasa-2": "up"}, {"database": "down", "lock_store": "up"}, ("down", 503, 503)),
        ({"rasa-1": "up"}, {"database": "up", "lock_store": "down"}, ("down", 503, 503)),
    ],
)
def test_health_is_what_the_parts_are(instances: dict[str, str], stores: dict[str, str], expected: tuple) -> None:
    assert verdict(instances, stores) == expected


def test_restarts_back_off_up_to_a_minute_and_reset_after_a_stable_run() -> None:
    backoff = Backoff(started=0.0)
    delays = [backoff.failed(1.0) for _ in range(9)]
    assert delays[:3] == [FIRST_BACKOFF_S, 2 * FIRST_BACKOFF_S, 4 * FIRST_BACKOFF_S] and delays[-1] == MAX_BACKOFF_S
    assert backoff.failed(STABLE_S + 1) == FIRST_BACKOFF_S


def test_the_cluster_log_is_rotated_daily_and_old_copies_deleted(tmp_path: Path) -> None:
    log = tmp_path / "cluster.log"
    log.write_text("line one\n", encoding="utf-8")
    old = tmp_path / "cluster.log.2026-11-01"
    old.write_text("old\n", encoding="utf-8")
    copy = rotate_log(log, dt.date(2026, 12, 6), keep_days=7)
    assert copy is not None and copy.read_text(encoding="utf-8") == "line one\n"
    assert log.read_text(encoding="utf-8") == "" and not old.exists()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_the_cluster_reads_dot_env_without_overriding_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ops.cluster import load_env_file

    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_NAME=from_file\nTELEGRAM_SECRET_TOKEN=file-secret\n", encoding="utf-8")
    monkeypatch.setenv("TELEGRAM_BOT_NAME", "from_shell")
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN", raising=False)
    assert load_env_file(env_file) == ["TELEGRAM_SECRET_TOKEN"]
    assert os.environ["TELEGRAM_BOT_NAME"] == "from_shell" and os.environ["TELEGRAM_SECRET_TOKEN"] == "file-secret"


def test_the_cluster_passes_the_messengers_variables_to_its_instances(monkeypatch: pytest.MonkeyPatch) -> None:
    from ops.cluster import instance_env

    monkeypatch.setenv("TELEGRAM_ACCESS_TOKEN", "12:abc")
    monkeypatch.setenv("FACEBOOK_APP_SECRET", "fb")
    env = instance_env("postgresql://u:p@h/db", "redis://127.0.0.1:1/0", "http://o", "s", {})
    assert env["TELEGRAM_ACCESS_TOKEN"] == "12:abc" and env["FACEBOOK_APP_SECRET"] == "fb"

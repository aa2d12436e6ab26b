"""What an operator reads when the bot starts: the Telegram webhook registered again and again until
Telegram takes it (one clear line per failure), no known deprecation warnings, no secret."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.fake_platforms import FakePlatforms, telegram_env, wait_for
from tests.e2e.servers import Servers, running_servers

pytestmark = pytest.mark.e2e
BOT, TOKEN, SECRET = "retry_test_bot", "987654:retry-token-for-tests", "retry-secret-for-tests"
FAILURES = 2


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, FakePlatforms]]:
    fake = FakePlatforms(BOT)
    fake.set_webhook_failures = FAILURES  # Telegram answers 502 twice, then takes the webhook
    env = {**telegram_env(fake.url, BOT, TOKEN, SECRET), "TELEGRAM_WEBHOOK_RETRY_S": "0.5"}
    try:
        with running_servers(tmp_path_factory.mktemp("start"), extra_env=env) as servers:
            yield servers, fake
    finally:
        fake.close()


def log_text(servers: Servers) -> str:
    return servers.log.read_text(encoding="utf-8", errors="replace")


def test_the_telegram_webhook_is_registered_after_failures(started: tuple[Servers, FakePlatforms]) -> None:
    servers, fake = started
    calls = wait_for(lambda: [c for c in fake.telegram if c["method"] == "setWebhook"][FAILURES:], 20)
    assert calls, "setWebhook was not tried again after Telegram failed"
    assert wait_for(lambda: "Telegram webhook registered" in log_text(servers), 10)
    failures = [line for line in log_text(servers).splitlines() if "Telegram webhook not registered" in line]
    assert len(failures) == FAILURES
    for line in failures:  # endpoint, error and what to do, in one line
        assert "setWebhook at 127.0.0.1:" in line and "retrying in" in line and "TELEGRAM_WEBHOOK_URL" in line


def test_no_secret_and_no_known_deprecation_warning_in_the_log(started: tuple[Servers, FakePlatforms]) -> None:
    servers, _ = started
    assert servers.say("Was ist ein kommunales Jobcenter?")
    text = log_text(servers)
    assert TOKEN not in text and SECRET not in text
    assert "DeprecationWarning" not in text, [line for line in text.splitlines() if "Deprecation" in line][:5]

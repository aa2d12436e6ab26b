"""The alert rules (ops/alerts.yml) are valid and behave as ops/alerts_test.yml and
ops/alerts_time_test.yml say, checked by Prometheus' own promtool (Debian's `prometheus` package:
`make prometheus`)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from base.paths import ROOT

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="promtool missing: `make prometheus` installs it")


def promtool(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(PROMTOOL), *args], cwd=ROOT / "ops", capture_output=True, text=True, timeout=300)


def test_the_rules_are_valid() -> None:
    done = promtool("check", "rules", "alerts.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("tests", ["alerts_test.yml", "alerts_time_test.yml"])
def test_the_alerts_fire_when_they_should_and_only_then(tests: str) -> None:
    done = promtool("test", "rules", tests)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.parametrize(
    "alert",
    ["JobcenterErrorRateHigh", "JobcenterLatencyP95High", "JobcenterTrackerStoreUnavailable",
     "JobcenterFallbackRateOutOfBand", "JobcenterSilentInOfficeHours"],
)  # fmt: skip
def test_every_alert_the_issue_asks_for_is_tested(alert: str) -> None:
    assert f"alert: {alert}" in (ROOT / "ops" / "alerts.yml").read_text(encoding="utf-8")
    assert f"alertname: {alert}" in (ROOT / "ops" / "alerts_test.yml").read_text(encoding="utf-8")

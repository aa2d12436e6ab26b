"""The systemd units of ops/systemd/ (docs/systemd.md): ``systemd-analyze verify`` accepts each
without a word, every service is hardened and restarts on failure, the commands are the project's.

``verify`` checks that each ``ExecStart`` program exists: the units are copied to a temporary folder
with ``/opt/jobcenter-faq`` (where the operator puts the project) replaced by this checkout. It
needs no running systemd (it works in a container)."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from base.paths import ROOT

UNITS = ROOT / "ops" / "systemd"
INSTALLED = "/opt/jobcenter-faq"
ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
SERVICES = sorted(p.name for p in UNITS.glob("*.service"))
HARDENING = {
    "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
    "PrivateDevices": "yes", "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "RestrictSUIDSGID": "yes",
    "CapabilityBoundingSet": "", "User": "jobcenter", "WorkingDirectory": INSTALLED,
    "EnvironmentFile": f"-{INSTALLED}/.env", "KillSignal": "SIGTERM",
}  # fmt: skip
needs_analyze = pytest.mark.skipif(not Path(ANALYZE).exists(), reason="systemd-analyze missing (Debian: systemd)")


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name, encoding="utf-8")
    return parser


def test_the_units_are_there() -> None:
    names = {p.name for p in UNITS.iterdir()}
    assert {"jobcenter-rasa.service", "jobcenter-actions.service", "jobcenter-redis.service",
            "jobcenter-cluster.service", "jobcenter-purge.service", "jobcenter-purge.timer",
            "jobcenter-backup.service", "jobcenter-backup.timer", "jobcenter-model-server.service",
            "jobcenter-metrics.service"} <= names  # fmt: skip


def test_every_process_of_the_procfile_but_the_demo_page_has_a_unit() -> None:
    """`make run`'s processes (the Procfile) run under systemd too; the demo page is a demo."""
    commands = [line.split(":", 1)[1].strip() for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line]
    exec_lines = " ".join((UNITS / name).read_text(encoding="utf-8") for name in SERVICES)
    for command in commands:
        module = command.split(" -m ", 1)[1]
        assert module == "ops.services web" or module in exec_lines, module


@pytest.fixture(scope="module")
def here(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The units with their paths pointed at this checkout (its .venv) instead of /opt/jobcenter-faq."""
    out = tmp_path_factory.mktemp("systemd")
    for path in UNITS.iterdir():
        (out / path.name).write_text(path.read_text(encoding="utf-8").replace(INSTALLED, str(ROOT)), encoding="utf-8")
    return out


@needs_analyze
@pytest.mark.parametrize("name", sorted(p.name for p in UNITS.iterdir()))
def test_systemd_analyze_verify_accepts_the_unit_without_a_word(here: Path, name: str) -> None:
    """Any output (an unknown key, a wrong value, a missing program) counts: verify exits 0 on many."""
    result = subprocess.run([ANALYZE, "--man=no", "verify", str(here / name)], capture_output=True, text=True,
                            cwd=here, timeout=60)  # fmt: skip
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@needs_analyze
@pytest.mark.parametrize("name", SERVICES)
def test_the_service_is_rated_ok_by_systemd_analyze_security(here: Path, name: str) -> None:
    result = subprocess.run([ANALYZE, "security", "--offline=yes", "--no-pager", str(here / name)],
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found.group(1)) <= 2.0, result.stdout  # 0 (safe) .. 10 (exposed); "OK" is below 4


@pytest.mark.parametrize("name", SERVICES)
def test_every_service_is_hardened_and_runs_the_project(name: str) -> None:
    service = unit(name)["Service"]
    assert {key: service.get(key) for key in HARDENING} == HARDENING
    command = service["ExecStart"]
    assert command.startswith(f"{INSTALLED}/.venv/bin/python -m "), command
    module = command.split(" -m ")[1].split()[0]
    assert (ROOT / Path(*module.split(".")).with_suffix(".py")).is_file() or module == "stores.backup", module
    writable = service["ReadWritePaths"].split()
    assert all(path.startswith(INSTALLED) for path in writable)
    if INSTALLED in writable:  # the project folder (SQLite's journal beside the databases): its code stays read-only
        read_only = set(service["ReadOnlyPaths"].split())
        packages = {f"-{INSTALLED}/{p.parent.name}" for p in ROOT.glob("*/__init__.py")} - {f"-{INSTALLED}/tests"}
        assert packages | {f"-{INSTALLED}/.venv", f"-{INSTALLED}/.env"} <= read_only


@pytest.mark.parametrize("name", [n for n in SERVICES if unit(n)["Service"].get("Type") != "oneshot"])
def test_long_running_services_restart_on_failure_within_limits(name: str) -> None:
    parsed = unit(name)
    assert parsed["Service"]["Restart"] == "on-failure" and int(parsed["Service"]["RestartSec"]) >= 5
    assert int(parsed["Unit"]["StartLimitBurst"]) >= 3 and int(parsed["Unit"]["StartLimitIntervalSec"]) >= 300
    assert int(parsed["Service"]["TimeoutStopSec"]) >= 30
    assert parsed["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize(("timer", "command"), [("jobcenter-purge.timer", "stores.retention"),
                                                ("jobcenter-backup.timer", "stores.backup backup")])  # fmt: skip
def test_the_timers_start_their_service_daily(timer: str, command: str) -> None:
    parsed = unit(timer)
    service = parsed["Timer"]["Unit"]
    assert parsed["Timer"]["Persistent"] == "true" and re.fullmatch(
        r"\*-\*-\* \d\d:\d\d:00", parsed["Timer"]["OnCalendar"]
    )
    assert unit(service)["Service"]["ExecStart"].endswith(f"-m {command}")
    assert parsed["Install"]["WantedBy"] == "timers.target"

"""How every process of the assistant is started: defined once, used by `make run` (the Procfile),
`make shell`, the end-to-end tests and the benchmark.

    python -m ops.services actions|rasa|redis|web   # one process, production settings (Procfile)
    python -m ops.services shell                    # chat in the terminal (make shell)

The ``*_command`` functions give each process's command line; the ``start_*`` context managers
start one on loopback, wait until it answers, and stop it again (tests and benchmark).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import yaml

from base.paths import BUILD, MODEL, ROOT
from base.secret_files import persistent_secret
from ops import metrics
from ops.model_server import PULL_SECONDS, wait_for_model_server

PRODUCTION_ENDPOINTS = ROOT / "endpoints.yml"
ACTIONS_PORT, RASA_PORT, REDIS_PORT, WEB_PORT = 5055, 5005, 6380, 8080
# One Rasa worker per core, coordinated by the Redis lock store (docs/performance.md).
PRODUCTION_WORKERS = 2
WEB_ORIGIN = f"http://localhost:{WEB_PORT}"
BOT_URL = f"http://localhost:{RASA_PORT}"  # what the demo page's widget talks to (web/public/index.html)
# Redis's private folder (mode 0700): its password, its configuration, its working directory (``dir``:
# where a dump would land; none is written). One password for `make run`, the tests, `make cluster`.
REDIS_HOME = BUILD / "redis"
# Commands that write files, wipe or stop the store, change its settings or users, or copy it
# elsewhere: renamed to nothing (unknown command). The lock store and the session bindings need none.
DISABLED_REDIS_COMMANDS = ("CONFIG", "SAVE", "BGSAVE", "BGREWRITEAOF", "DEBUG", "FLUSHALL", "FLUSHDB", "SHUTDOWN",
                           "REPLICAOF", "SLAVEOF", "SYNC", "PSYNC", "MODULE", "MIGRATE", "ACL")  # fmt: skip


def environment(extra: dict[str, str] | None = None, messengers: bool = False, root: Path = ROOT) -> dict[str, str]:
    """The processes' environment: no telemetry, no access log (client addresses, URLs), the
    project (``root``: another checkout's code for the benchmark's before-and-after) on the path;
    the messenger variables of this environment only with ``messengers`` (`make run`), else only
    those given in ``extra``."""
    base = {
        k: v for k, v in os.environ.items() if messengers or not k.startswith(("TELEGRAM_", "FACEBOOK_", "WHATSAPP_"))
    }
    return {
        "SANIC_ACCESS_LOG": "false",
        **base,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": str(root),
        **(extra or {}),
    }


def private_folder(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def redis_password() -> str:
    """``REDIS_PASSWORD`` when set, else the generated one in ``REDIS_HOME/password`` (mode 0600,
    made on first use): Redis requires it, Rasa's lock store sends it (endpoints.yml)."""
    return persistent_secret("REDIS_PASSWORD", REDIS_HOME, filename="password")


def redis_environment(
    extra: dict[str, str] | None = None, messengers: bool = False, root: Path = ROOT
) -> dict[str, str]:
    """The environment of a process that reads endpoints.yml (Rasa): with ``REDIS_PASSWORD``."""
    return environment({"REDIS_PASSWORD": redis_password(), **(extra or {})}, messengers, root)


# ---- command lines ------------------------------------------------------------------------------
def actions_command(port: int = ACTIONS_PORT, root: Path = ROOT) -> list[str]:
    """``rasa run actions`` as ``python -m rasa_sdk``, through ops/logs.py (``LOG_FORMAT``, the known
    warnings hidden) when the checkout ``root`` has it (the benchmark's code before an issue may not)."""
    wrapper = ["-m", "ops.logs"] if (root / "ops" / "logs.py").is_file() else ["-m"]
    return [sys.executable, *wrapper, "rasa_sdk", "--port", str(port), "--actions", "actions"]


def rasa_command(
    port: int = RASA_PORT,
    credentials: Path = BUILD / "credentials.yml",
    endpoints: Path = PRODUCTION_ENDPOINTS,
    model: Path = MODEL,
    extra: list[str] | None = None,
    module: str = "engine",
) -> list[str]:
    """``module``: `python -m engine` (Rasa with engine/changes.py); the benchmark swaps it."""
    return [sys.executable, "-m", module, "run", "--model", str(model), "--port", str(port),
            "--interface", "127.0.0.1", "--credentials", str(credentials), "--endpoints", str(endpoints),
            *(extra or [])]  # fmt: skip


def redis_config(port: int, password: str) -> str:
    lines = [f"port {port}", "bind 127.0.0.1", "protected-mode yes", 'save ""', "appendonly no",
             f'dir "{private_folder(REDIS_HOME)}"', f"requirepass {password}", 'logfile ""',
             *(f'rename-command {command} ""' for command in DISABLED_REDIS_COMMANDS)]  # fmt: skip
    return "\n".join(lines) + "\n"


def redis_command(port: int = REDIS_PORT) -> list[str]:
    """The lock store: loopback only, nothing written to disk, the password required, the commands
    that write files or change settings gone. Writes its configuration (mode 0600, in the private
    ``REDIS_HOME``) first: on the command line the password would be visible to every local user."""
    config = private_folder(REDIS_HOME) / f"redis-{port}.conf"
    fd = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(redis_config(port, redis_password()))
    return ["redis-server", str(config)]


def web_command(port: int = WEB_PORT, directory: Path = ROOT / "web" / "public", bot: str = BOT_URL) -> list[str]:
    """The demo page (ops/web.py): files only, with a Content-Security-Policy for ``bot``."""
    return [sys.executable, "-m", "ops.web", "--port", str(port), "--directory", str(directory), "--bot", bot]


def demo_site(out: Path, server: str) -> Path:
    """The demo page in ``out``, its widget pointed at ``server`` (nginx of `make cluster`, the
    browser tests' Rasa); readable by everyone (nginx's workers run as nobody)."""
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(ROOT / "web" / "public", out)
    index = out / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("http://localhost:5005", server), encoding="utf-8")
    for path in (out, *out.rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return out


def write_credentials(out: Path, env: dict[str, str]) -> None:
    """credentials.yml with just the channels whose variables are set (channels/config.py)."""
    subprocess.run([sys.executable, "-m", "channels.config", "--out", str(out)], cwd=ROOT, env=env, check=True)


def endpoints_for(
    workdir: Path,
    actions_port: int,
    redis_port: int | None,
    tracker_store: dict[str, Any] | None = None,
    event_broker: bool = True,
    root: Path = ROOT,
    model_server: str | None = None,
) -> dict[str, Any]:
    """The production endpoints.yml (of the checkout ``root``) with these ports and the databases (tracker store, event
    broker) in ``workdir``; no lock store without Redis (one worker); ``tracker_store`` replaces
    settings of the store, ``event_broker=False`` leaves the broker out (benchmark levers).
    The model comes from the file given to Rasa unless ``model_server`` (the URL Rasa pulls from)."""
    endpoints = yaml.safe_load((root / PRODUCTION_ENDPOINTS.name).read_text(encoding="utf-8"))
    endpoints.pop("models", None)
    if model_server:
        endpoints["models"] = {"url": model_server, "wait_time_between_pulls": PULL_SECONDS}
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    endpoints["tracker_store"] = {
        **endpoints["tracker_store"],
        "db": str(workdir / "tracker.db"),
        **(tracker_store or {}),
    }
    endpoints["event_broker"] = {**endpoints["event_broker"], "db": str(workdir / "events.db")}
    if not event_broker:
        del endpoints["event_broker"]
    if redis_port is None:
        del endpoints["lock_store"]
    else:
        endpoints["lock_store"]["port"] = redis_port
    return endpoints


# ---- starting and stopping ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(url: str, proc: subprocess.Popen | None, timeout: float) -> None:
    """Until ``url`` answers 200; ``proc`` (when given) must not exit meanwhile."""
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=1).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.25)
    raise TimeoutError(f"{url} not ready after {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running(
    command: list[str], env: dict[str, str], log: Path, ready_url: str, timeout: float, root: Path = ROOT
) -> Iterator[subprocess.Popen]:
    """``command`` started in ``root`` with its output in ``log``, once ``ready_url`` answers;
    stopped afterwards."""
    log.touch(mode=0o600)  # the log is readable by this user only (it names senders)
    log.chmod(0o600)
    with log.open("ab") as out:
        proc = subprocess.Popen(command, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until(ready_url, proc, timeout)
        yield proc
    finally:
        stop(proc)


def start_actions(port: int, log: Path, root: Path = ROOT) -> AbstractContextManager[subprocess.Popen]:
    env = environment({"SANIC_HOST": "127.0.0.1"}, root=root)
    return running(actions_command(port, root), env, log, f"http://127.0.0.1:{port}/health", 60, root)


@contextmanager
def start_rasa(
    workdir: Path,
    port: int,
    actions_port: int,
    log: Path,
    extra: list[str] | None = None,
    extra_env: dict[str, str] | None = None,
    model: Path = MODEL,
    workers: int = 1,
    redis_port: int | None = None,
    tracker_store: dict[str, Any] | None = None,
    module: str = "engine",
    event_broker: bool = True,
    root: Path = ROOT,
    model_server: str | None = None,
) -> Iterator[subprocess.Popen]:
    """Rasa as in production; ``workers`` > 1 needs the Redis lock store on ``redis_port``;
    ``root``: the checkout whose code runs (the benchmark's code before an issue); ``model_server``:
    the model is pulled from there (ops/model_server.py, the switch benchmark) instead of ``model``."""
    if workers > 1 and redis_port is None:
        raise ValueError("more than one Sanic worker needs the Redis lock store")
    env = redis_environment({**(extra_env or {}), "SANIC_WORKERS": str(workers)}, root=root)
    credentials = workdir / "credentials.yml"
    write_credentials(credentials, env)
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            endpoints_for(workdir, actions_port, redis_port, tracker_store, event_broker, root, model_server)
        ),
        encoding="utf-8",
    )
    command = rasa_command(port, credentials, endpoints, model, extra, module)
    with running(command, env, log, f"http://127.0.0.1:{port}/webhooks/rest/", 180, root) as proc:
        yield proc


@contextmanager
def start_redis(port: int) -> Iterator[subprocess.Popen]:
    import redis

    proc = subprocess.Popen(redis_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    client = redis.Redis(host="127.0.0.1", port=port, password=redis_password(), socket_timeout=1)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if client.ping():
                    break
            except redis.RedisError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server on port {port} did not start") from None
                time.sleep(0.1)
        (REDIS_HOME / f"redis-{port}.conf").unlink(missing_ok=True)  # read: no second copy of the password
        yield proc
    finally:
        client.close()
        stop(proc)


@contextmanager
def start_web(port: int, directory: Path, bot: str, log: Path) -> Iterator[subprocess.Popen]:
    """The demo page's server (ops/web.py) for ``directory``, its widget talking to ``bot``."""
    with running(web_command(port, directory, bot), environment(), log, f"http://127.0.0.1:{port}/", 30) as proc:
        yield proc


# ---- the command line (Procfile, make shell) ----------------------------------------------------
def exec_command(command: list[str], env: dict[str, str]) -> None:
    os.chdir(ROOT)
    os.execvpe(command[0], command, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=["actions", "rasa", "redis", "web", "shell", "metrics"])
    parser.add_argument("--model", type=Path, default=MODEL, help="shell: the model (default: models/current.tar.gz)")
    args = parser.parse_args()
    name = args.service
    if name == "actions":
        exec_command(actions_command(), environment({"SANIC_HOST": "127.0.0.1"}))
    elif name == "rasa":
        workers = os.environ.get("SANIC_WORKERS", str(PRODUCTION_WORKERS))
        env = redis_environment({"SANIC_WORKERS": workers, **metrics.environment()}, messengers=True)
        write_credentials(BUILD / "credentials.yml", env)
        wait_for_model_server(PRODUCTION_ENDPOINTS)
        exec_command(rasa_command(extra=["--cors", WEB_ORIGIN]), env)
    elif name == "redis":
        exec_command(redis_command(), environment())
    elif name == "web":
        exec_command(web_command(), environment())
    elif name == "metrics":  # Prometheus' numbers of Rasa's workers on 127.0.0.1:METRICS_PORT (ops/metrics.py)
        exec_command(metrics.command(), environment())
    else:
        sys.exit(shell(args.model))


SHELL_HOME = BUILD / "shell"  # make shell's own conversations, never the citizens'


def shell_files(home: Path, actions_port: int, redis_port: int) -> tuple[Path, Path]:
    """make shell's credentials (no messenger: none is read from this environment) and endpoints:
    its own tracker store in ``home``, no event broker, so its chats never reach the report or
    the citizens' store."""
    private_folder(home)
    credentials, endpoints = home / "credentials.yml", home / "endpoints.yml"
    write_credentials(credentials, environment())
    settings = endpoints_for(home, actions_port, redis_port, event_broker=False)
    endpoints.write_text(yaml.safe_dump(settings), encoding="utf-8")
    return credentials, endpoints


def shell_command(port: int, credentials: Path, endpoints: Path, model: Path = MODEL) -> list[str]:
    """Rasa's shell with engine/changes.py, on loopback and ``port`` (never 0.0.0.0:5005, which
    `make run` has)."""
    return [sys.executable, "-m", "engine", "shell", "--model", str(model), "--interface", "127.0.0.1",
            "--port", str(port), "--credentials", str(credentials), "--endpoints", str(endpoints)]  # fmt: skip


def shell(model: Path = MODEL) -> int:
    """`make shell`: Redis and the action server on free ports in the background, then Rasa's
    shell; its exit status (non-zero when it failed). Rasa's shell takes a missing model for the
    default one: refused here."""
    if not model.is_file():
        print(f"no model at {model}: run `make train`", file=sys.stderr)
        return 1
    log = private_folder(SHELL_HOME) / "shell.log"
    actions_port, redis_port, port = free_port(), free_port(), free_port()
    with start_redis(redis_port), start_actions(actions_port, log):
        credentials, endpoints = shell_files(SHELL_HOME, actions_port, redis_port)
        command = shell_command(port, credentials, endpoints, model)
        return subprocess.run(command, cwd=ROOT, env=redis_environment()).returncode


if __name__ == "__main__":
    main()

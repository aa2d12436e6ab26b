"""Several Rasa instances behind nginx, on PostgreSQL and Redis (``make cluster``).

    python -m ops.cluster          # until Ctrl-C; the entry point is http://127.0.0.1:8005

What it starts, each on loopback:
- PostgreSQL (Debian's), the tracker store of every instance: a data directory under
  ``build/cluster/postgres`` created on first start, run as the ``postgres`` user (PostgreSQL
  refuses to run as root). Not started when ``DATABASE_URL`` is set: then that database is used.
  Its database ``rasa_events`` keeps the event broker's copy for the editors' report
  (stores/event_broker.py; ``EVENTS_DATABASE_URL``, by default beside ``DATABASE_URL``).
- Redis, the lock store (one conversation is handled by one instance at a time), with the
  generated password of ``make run`` (ops/services.py ``redis_password``), which the instances
  get as ``REDIS_PASSWORD``. Not started when ``REDIS_URL`` is set (its password, if any, or
  ``REDIS_PASSWORD`` is sent).
- ``CLUSTER_INSTANCES`` (default 3) Rasa instances, one Sanic worker each, each with its action
  server; they share the socket.io session secret, so a reconnecting widget keeps its
  conversation on any instance.
- nginx, the single entry point on ``127.0.0.1:CLUSTER_PORT`` (default 8005): the demo page
  (files only, with the demo server's security headers, ops/web.py), REST (spread over the
  instances; a request an instance could not be sent to, or that it refused with 502 or 503, goes
  to the next one; a message already sent is never replayed: the client gets the error and may
  ask again) and socket.io (websocket only, so a socket stays on the instance
  that accepted it). ``INSTANCE_URLS`` (comma-separated) names instances started elsewhere
  instead: then no Rasa is started here, only nginx in front of them. Answers name the instance
  that gave them (``X-Instance: rasa-1``), never its address.

The same environment variables run it across machines: see README "Beyond one machine".
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import yaml

from base.paths import CLUSTER_DB_PORT, CLUSTER_HOME, MODEL, ROOT, events_database_url
from base.secret_files import mask, persistent_secret
from ops.access_log import prepare_logs
from ops.nginx import check_config, entry_point, wait_listening
from ops.postgres import Postgres, start_postgres
from ops.services import (
    demo_site,
    environment,
    free_port,
    rasa_command,
    redis_password,
    running,
    start_actions,
    start_redis,
    stop,
    write_credentials,
)
from ops.tls import TlsSettings, public_origin, tls_settings, widget_origins

CLUSTER_PORT = 8005
DEFAULT_INSTANCES = 3
LOCK_LIFETIME_S = 15
NGINX_TEMPLATE = Path(__file__).with_name("nginx.conf.template")
ENV_FILE = ROOT / ".env"  # the messengers' variables, as `make run` (honcho) reads them


# ---- Rasa instances -----------------------------------------------------------------------------
def lock_store(redis_url: str, password: bool) -> dict[str, Any]:
    """The lock store of ``redis_url``; with ``password``, Rasa reads it from ``${REDIS_PASSWORD}``."""
    parsed = urlparse(redis_url)
    store: dict[str, Any] = {
        "type": "stores.lock_store.AtomicRedisLockStore",
        "url": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 6379,
    }
    if parsed.path.strip("/"):
        store["db"] = int(parsed.path.strip("/"))
    if password:
        store["password"] = "${REDIS_PASSWORD}"
    return store


def cluster_endpoints(actions_port: int, redis_url: str, with_password: bool = True) -> dict[str, Any]:
    """Rasa reads ``${DATABASE_URL}`` and ``${REDIS_PASSWORD}`` from its environment: the passwords
    stay out of the file."""
    return {
        "action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook", "enable_selective_domain": True},
        "tracker_store": {"type": "stores.tracker_store.PostgresTrackerStore", "url": "${DATABASE_URL}"},
        "event_broker": {"type": "stores.event_broker.ReportEventBroker", "url": "${EVENTS_DATABASE_URL}"},
        "lock_store": lock_store(redis_url, with_password),
        "nlg": {"type": "engine.nlg.LanguageNLG"},
    }


@dataclass
class Instance:
    port: int
    actions_port: int
    workdir: Path
    proc: subprocess.Popen | None = None
    actions: subprocess.Popen | None = None
    model: Path = MODEL
    model_id: str = ""  # what /health shows (ops/rolling.py model_id)
    nice: int = 0  # a rolling restart starts the new Rasa at a lower priority than those answering

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def running_rasa(instance: Instance, env: dict[str, str], log: Path) -> AbstractContextManager[subprocess.Popen]:
    """The instance's Rasa with the credentials and endpoints ``start_instance`` wrote."""
    workdir = instance.workdir
    command = rasa_command(instance.port, workdir / "credentials.yml", workdir / "endpoints.yml", instance.model)
    command = ["nice", "-n", str(instance.nice), *command] if instance.nice else command
    return running(command, env, log, f"{instance.url}/webhooks/rest/", 180)


@contextmanager
def start_instance(instance: Instance, env: dict[str, str], log: Path) -> Iterator[Instance]:
    instance.workdir.mkdir(parents=True, exist_ok=True)
    credentials, endpoints = instance.workdir / "credentials.yml", instance.workdir / "endpoints.yml"
    write_credentials(credentials, env)
    endpoints.write_text(
        yaml.safe_dump(cluster_endpoints(instance.actions_port, env["REDIS_URL"], bool(env.get("REDIS_PASSWORD")))),
        encoding="utf-8",
    )
    with start_actions(instance.actions_port, log) as actions, running_rasa(instance, env, log) as proc:
        instance.proc, instance.actions = proc, actions
        yield instance


def instance_env(database_url: str, redis_url: str, origins: str, secret: str, extra: dict[str, str]) -> dict[str, str]:
    """The instances' environment; Redis's password apart (``REDIS_PASSWORD``), not in ``REDIS_URL``."""
    parsed = urlparse(redis_url)
    password = unquote(parsed.password or "") or os.environ.get("REDIS_PASSWORD", "")
    if parsed.password:
        redis_url = parsed._replace(netloc=parsed.netloc.rpartition("@")[2]).geturl()
    return environment(
        {
            "DATABASE_URL": database_url,
            "EVENTS_DATABASE_URL": events_database_url(database_url),
            "REDIS_URL": redis_url,
            "REDIS_PASSWORD": password,
            "SANIC_WORKERS": "1",
            # An instance that dies holding a conversation's lock (a ticket in Redis) blocks that
            # conversation until the ticket expires: Rasa's 60 s made a client's retry wait as long
            # as nginx's and the client's timeouts. A message takes a few seconds at most.
            "TICKET_LOCK_LIFETIME": os.environ.get("TICKET_LOCK_LIFETIME", str(LOCK_LIFETIME_S)),
            "WIDGET_ORIGINS": origins,
            "SOCKET_SESSION_SECRET": secret,
            # behind nginx: the client address is the one nginx puts into X-Forwarded-For (rate limits)
            "SANIC_PROXIES_COUNT": "1",
            **extra,
        },
        messengers=True,  # every channel configured runs here as under `make run`
    )


def load_env_file(path: Path = ENV_FILE) -> list[str]:
    """The variables of ``.env`` that the environment does not set (as honcho reads it for `make
    run`) put into this process's environment; returns their names."""
    from honcho.environ import parse

    if not path.is_file():
        return []
    values = parse(path.read_text(encoding="utf-8"))
    added = [k for k in values if k not in os.environ]
    os.environ.update({k: values[k] for k in added})
    return added


# ---- nginx --------------------------------------------------------------------------------------
def instance_name(index: int) -> str:
    return f"rasa-{index + 1}"


def nginx_config(prefix: Path, port: int, site: Path, instances: list[str], origin: str | None = None,
                 health_url: str | None = None, tls: TlsSettings | None = None) -> str:  # fmt: skip
    """``origin``: where browsers reach nginx (the page's CSP, the HTTPS redirect; default
    ops/tls.py ``public_origin``); ``health_url``: the supervisor's /health and /ready;
    ``tls``: HTTPS on its port, the plain ``port`` then redirects (ops/nginx.py)."""
    addresses = [urlparse(u).netloc for u in instances]
    servers = "\n".join(f"    server {a} max_fails=1 fail_timeout=5s;" for a in addresses)
    # $upstream_addr lists every instance nginx tried ("a, b"): the last one answered
    names = "\n".join(f'        "~(^|\\s){re.escape(a)}$" {instance_name(i)};' for i, a in enumerate(addresses))
    origin = origin or public_origin(port, tls, {})
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    values = {"@PREFIX@": str(prefix), "@SITE@": str(site), "@SERVERS@": servers, "@INSTANCE_NAMES@": names,
              **entry_point(port, site, origin, tls, health_url)}  # fmt: skip
    for key, value in values.items():
        text = text.replace(key, value)
    return text


@contextmanager
def start_nginx(prefix: Path, port: int, instances: list[str], origin: str | None = None, health_url: str | None = None,
                tls: TlsSettings | None = None) -> Iterator[subprocess.Popen]:  # fmt: skip
    """nginx in ``prefix`` (its configuration, logs, the demo page) in front of ``instances``."""
    if tls:
        tls.check()  # one line now, not nginx's several after its start
    origin = origin or public_origin(port, tls, {})
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    prepare_logs(prefix)
    site = demo_site(prefix / "site", origin)
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(prefix, port, site, instances, origin, health_url, tls), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check_config(nginx, prefix, conf)
    proc = subprocess.Popen([nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"])
    try:
        wait_listening(tls.bind if tls else "127.0.0.1", port, proc)
        yield proc
    finally:
        stop(proc)


# ---- the whole cluster --------------------------------------------------------------------------
@dataclass
class Cluster:
    url: str  # nginx
    instances: list[Instance]
    env: dict[str, str]
    log: Path
    postgres: Postgres | None
    database_url: str
    stack: ExitStack = field(default_factory=ExitStack)
    redis: subprocess.Popen | None = None
    nginx: subprocess.Popen | None = None
    model: Path = MODEL
    nginx_settings: dict[str, Any] = field(default_factory=dict)  # start_nginx's, for a reload

    def reload_nginx(self) -> None:
        """nginx in front of the instances as they are now (a rolling restart replaced one)."""
        from ops.rolling import reload_nginx

        prefix, conf = self.nginx_settings["prefix"], self.nginx_settings["prefix"] / "nginx.conf"
        text = nginx_config(**self.nginx_settings, instances=[i.url for i in self.instances])
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        reload_nginx(self.nginx, conf, text, lambda: check_config(nginx, prefix, conf))

    def processes(self) -> dict[str, list[int]]:
        """The process ids of each part started here (``make bench`` reads their CPU time)."""
        groups: dict[str, list[int]] = {
            "rasa": [i.proc.pid for i in self.instances if i.proc],
            "actions": [i.actions.pid for i in self.instances if i.actions],
            "redis": [self.redis.pid] if self.redis else [],
            "nginx": [self.nginx.pid] if self.nginx else [],
            "postgres": [],
        }
        if self.postgres and (self.postgres.data / "postmaster.pid").is_file():
            groups["postgres"] = [int((self.postgres.data / "postmaster.pid").read_text().split()[0])]
        return groups

    def kill(self, index: int) -> None:
        """The instance dies at once (SIGKILL), as on a crash or a lost machine."""
        proc = self.instances[index].proc
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def restart(self, index: int) -> None:
        instance = self.instances[index]
        instance.proc = self.stack.enter_context(running_rasa(instance, self.env, self.log))

    def restart_actions(self, index: int) -> None:
        instance = self.instances[index]
        instance.actions = self.stack.enter_context(start_actions(instance.actions_port, self.log))


@contextmanager
def running_cluster(
    workdir: Path,
    port: int | None = None,
    instances: int | None = None,
    extra_env: dict[str, str] | None = None,
    db_port: int | None = None,
    supervise: bool = False,
    model: Path = MODEL,
    metrics_port: int | None = None,
) -> Iterator[Cluster]:
    """The whole cluster on loopback in ``workdir``; stopped when the block ends. ``db_port``: its
    PostgreSQL's (default: a free one); ``supervise``: health on nginx's ``/health`` and ``/ready``,
    crashed instances restarted, a new ``model`` file rolled out (ops/supervisor.py, ops/rolling.py).
    The instances' metrics: one folder, one server on 127.0.0.1:``metrics_port`` (ops/metrics.py)."""
    from base.metrics import SHARED_ENV, reset_directory
    from ops import metrics
    from ops.rolling import model_id, write_health_url
    from ops.supervisor import Supervisor, health_server

    port = port or int(os.environ.get("CLUSTER_PORT", CLUSTER_PORT))
    count = instances or int(os.environ.get("CLUSTER_INSTANCES", DEFAULT_INSTANCES))
    tls = tls_settings()  # a wrong TLS setting stops here, in one line, before anything starts
    origin = public_origin(port, tls)  # https://... with TLS_CERTIFICATE
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "cluster.log"
    with ExitStack() as stack:
        pg: Postgres | None = None
        redis: subprocess.Popen | None = None
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url:
            pg = stack.enter_context(start_postgres(workdir / "postgres", db_port or free_port()))
            database_url = pg.url
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            redis_port = free_port()
            redis = stack.enter_context(start_redis(redis_port))
            redis_url = f"redis://:{redis_password()}@127.0.0.1:{redis_port}/0"
        origins = widget_origins(origin)
        secret = persistent_secret("SOCKET_SESSION_SECRET")  # the same after a restart: sessions go on
        reset_directory(str(workdir / "metrics"))  # every instance writes here; emptied once, by the cluster
        shared = {**metrics.environment(workdir / "metrics"), SHARED_ENV: "1"}
        env = instance_env(database_url, redis_url, origins, secret, {**shared, **(extra_env or {})})
        stack.enter_context(metrics.start_metrics(metrics_port or free_port(), workdir / "metrics", log))
        urls = [u.strip() for u in os.environ.get("INSTANCE_URLS", "").split(",") if u.strip()]
        started: list[Instance] = []
        if not urls:
            loaded = model_id(model)
            for i in range(count):
                instance = Instance(free_port(), free_port(), workdir / f"rasa-{i + 1}", model=model, model_id=loaded)
                started.append(stack.enter_context(start_instance(instance, env, log)))
            urls = [i.url for i in started]
        url = origin if tls else f"http://127.0.0.1:{port}"
        cluster = Cluster(url, started, env, log, pg, database_url, stack, redis, model=model)
        health_url = None
        if supervise:
            supervisor = Supervisor(cluster, urls, env["REDIS_URL"], env.get("REDIS_PASSWORD", "")).start()
            health = health_server(supervisor.state, free_port())
            stack.callback(health.shutdown)
            health_url = f"http://127.0.0.1:{health.server_address[1]}"
            stack.callback(write_health_url(workdir, health_url).unlink, missing_ok=True)  # make deploy asks it
        settings = {"prefix": workdir / "nginx", "port": port, "origin": origin, "health_url": health_url, "tls": tls}
        cluster.nginx = stack.enter_context(start_nginx(**settings, instances=urls))  # type: ignore[arg-type]
        cluster.nginx_settings = {**settings, "site": workdir / "nginx" / "site"}
        try:
            yield cluster
        finally:
            if supervise:
                supervisor.stop()  # stops watching (and restarting) before anything is stopped


def stop_on_sigterm() -> None:
    """SIGTERM (systemd, kill) stops the cluster as Ctrl-C does: every part, PostgreSQL included."""

    def interrupt(signum: int, frame: Any) -> None:
        for name in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):  # a second signal must not cut the stop short
            signal.signal(name, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)


def main() -> None:
    from ops import metrics

    stop_on_sigterm()
    added = load_env_file()
    if added:
        print(f"cluster: read {len(added)} variables from {ENV_FILE.name}: {', '.join(sorted(added))}", flush=True)
    db_port = int(os.environ.get("CLUSTER_DB_PORT", CLUSTER_DB_PORT))
    try:
        with running_cluster(
            CLUSTER_HOME, db_port=db_port, supervise=True, metrics_port=metrics.METRICS_PORT
        ) as cluster:
            database = mask(cluster.database_url)
            print(f"cluster: {len(cluster.instances) or 'external'} Rasa instances behind nginx on {cluster.url} "
                  f"(demo page {cluster.url}/, REST {cluster.url}/webhooks/rest/webhook, health {cluster.url}/health); "
                  f"database {database}; log {cluster.log}; Ctrl-C stops it",
                  flush=True)  # fmt: skip
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("cluster: stopped", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

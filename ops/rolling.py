"""A new model in the cluster without downtime: a rolling restart, one instance at a time, behind
nginx (``make deploy`` and ``make rollback`` replace models/current.tar.gz; the supervisor,
ops/supervisor.py, sees the new file and calls ``roll``).

For each instance in turn:
1. a new Rasa (with its action server) starts on new ports with the new model, beside the old one,
   at a lower CPU priority while it loads (``nice``; its priority is set back where allowed), so the
   instances answering meanwhile keep their pace;
   Before it gets traffic it answers ``WARM_UP`` once (sender ``test-warmup-...``: test traffic,
   left out of the report): the first message loads what the action server reads lazily and took
   over the action timeout (3 s) under load;
2. nginx's configuration names the new instance instead of the old one and nginx reloads it
   gracefully: new requests and new sockets go to the new instance, requests under way finish on
   the old one (nginx's old workers keep their connections until they are done);
3. after ``DRAIN_S`` the old Rasa is stopped (SIGTERM: Sanic finishes what it handles). A widget
   whose socket was on it reconnects through nginx to another instance, keeps its conversation
   (the shared session secret) and sends again a question that got no answer.

At no moment are fewer instances answering than before. ``make deploy`` waits for the end with
``wait_for_cluster``: the cluster's ``/ready`` with every instance on the new model.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from ops.services import free_port, stop

WARM_UP = ("Wie viele kommunale Jobcenter gibt es?", "Und gemeinsame Einrichtungen?")
DRAIN_S = 5.0  # a message takes well under a second; nginx's old workers finish theirs first
HEALTH_URL_FILE = "health-url"  # in the cluster's folder: where `make deploy` asks


def model_id(path: Path) -> str:
    """The model a file holds (the first 12 hex digits of its SHA-256); "" when there is none."""
    if not path.is_file():
        return ""
    digest = hashlib.sha256()
    with path.open("rb") as model:
        for block in iter(lambda: model.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:12]


def model_changed(path: Path, seen: tuple[int, int]) -> tuple[bool, tuple[int, int]]:
    """Whether ``path`` was replaced since ``seen`` (its inode and mtime: a deploy renames a new file
    over it), and what is seen now."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False, seen
    now = (info.st_ino, info.st_mtime_ns)
    return now != seen and seen != (0, 0), now


def roll(cluster: Any, say: Callable[[str], None], drain_s: float = DRAIN_S) -> str:
    """Every instance of ``cluster`` (ops/cluster.py ``Cluster``) replaced by one with the current
    model, one at a time; returns the model's id. The caller pauses its restarts meanwhile."""
    from ops.cluster import Instance, start_instance

    target = model_id(cluster.model)
    for index, old in enumerate(list(cluster.instances)):
        name = f"rasa-{index + 1}"
        stamp = time.strftime("%Y%m%dT%H%M%S")
        new = Instance(free_port(), free_port(), old.workdir.parent / f"{name}-{stamp}", model=cluster.model, nice=10)
        started = time.monotonic()
        stack = ExitStack()
        stack.enter_context(start_instance(new, cluster.env, cluster.log))
        cluster.stack.push(stack.__exit__)  # stopped with the cluster, if it is not replaced again
        warm_up(new.url)
        new.model_id, new.nice = target, 0
        if new.proc is not None:
            with suppress(PermissionError):  # back to the others' priority (root only; else it stays lower)
                os.setpriority(os.PRIO_PROCESS, new.proc.pid, 0)
        cluster.instances[index] = new
        cluster.reload_nginx()
        say(f"{name}: new model {target} answering after {time.monotonic() - started:.0f} s; draining the old one")
        time.sleep(drain_s)
        for proc in (old.proc, old.actions):
            if proc is not None:
                stop(proc)
    return target


def warm_up(url: str) -> None:
    import requests

    sender = f"test-warmup-{os.urandom(6).hex()}"
    for text in WARM_UP:
        requests.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)


def reload_nginx(nginx: Any, conf: Path, text: str, check: Callable[[], None]) -> None:
    """``text`` as nginx's configuration, checked, then a graceful reload (SIGHUP to the master)."""
    conf.write_text(text, encoding="utf-8")
    check()
    nginx.send_signal(signal.SIGHUP)
    time.sleep(0.5)  # the new workers take over


def write_health_url(folder: Path, url: str) -> Path:
    path = folder / HEALTH_URL_FILE
    path.write_text(url + "\n", encoding="utf-8")
    return path


def wait_for_cluster(folder: Path, target: str, timeout: float, say: Callable[[str], None]) -> bool:
    """Until the cluster that runs from ``folder`` has every instance on ``target`` and is ready;
    False when no cluster runs there (no file, or nothing answers)."""
    import requests

    path = folder / HEALTH_URL_FILE
    if not path.is_file():
        return False
    url = path.read_text(encoding="utf-8").strip()
    deadline, last = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            r = requests.get(url + "/ready", timeout=5)
        except requests.ConnectionError:
            return False
        state: dict[str, Any] = json.loads(r.text or "{}")
        models = state.get("models", {})
        line = ", ".join(f"{k}: {'new' if v == target else 'old'}" for k, v in sorted(models.items()))
        if line != last:
            say(f"  cluster: {line}")
            last = line
        if r.status_code == 200 and models and all(v == target for v in models.values()):
            return True
        time.sleep(1.0)
    raise TimeoutError(f"the cluster did not run model {target} on every instance within {timeout:.0f} s")

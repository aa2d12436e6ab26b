"""A new model without downtime: train beside the running one, check the quality gates, switch.

    python -m ops.deploy deploy     # make deploy: train (nice), gates, switch; exit 1 when a gate fails
    python -m ops.deploy rollback   # make rollback: back to the model before (no gates)
    python -m ops.deploy list       # the kept models (models/history/), the current one marked

The switch (docs/deploy.md): models/current.tar.gz is replaced by a rename, the model server
(ops/model_server.py) gives it a new ETag, and every Rasa worker pulls and loads it by itself, one
at a time (endpoints.yml ``models``); no process restarts, no question is refused. The cluster
(ops/cluster.py) reuses ``stage_and_gate``, ``promote(wait=False)`` and ``rollback``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from base.paths import MODEL, ROOT

BIN = Path(sys.executable).parent
MODELS_KEPT = int(os.environ.get("MODELS_KEPT", "5"))
WORKERS_URL = "http://127.0.0.1:{port}/workers"  # ops/model_server.py: what each Rasa worker runs
SWITCH_TIMEOUT = 180.0  # seconds for every worker to load the new model


@dataclass(frozen=True)
class Library:
    """Where the models are: the served one, the candidates being checked, the kept ones."""

    current: Path = MODEL

    @property
    def candidates(self) -> Path:
        return self.current.parent / "candidates"

    @property
    def history(self) -> Path:
        return self.current.parent / "history"


@dataclass
class Candidate:
    """A trained model and what is known of it (the JSON beside it in models/history/)."""

    id: str
    path: Path
    commit: str = ""
    dirty: bool = False
    created: str = ""  # UTC, ISO 8601
    gates: list[dict[str, Any]] = field(default_factory=list)  # evaluation/gates.py ``Gate.as_dict``
    promoted: list[str] = field(default_factory=list)  # UTC times it was switched to
    rolled_back: str = ""  # UTC time it was left by `make rollback`

    @property
    def passed(self) -> bool:
        return bool(self.gates) and all(g["passed"] for g in self.gates)

    def meta(self) -> dict[str, Any]:
        data = asdict(self)
        del data["path"]
        return data


class GateFailed(Exception):
    def __init__(self, candidate: Candidate) -> None:
        super().__init__(f"{candidate.id}: a quality gate failed")
        self.candidate = candidate


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def new_id(now: datetime | None = None) -> str:
    """``<UTC time>-<git short commit>``: sorts by time, says which code it was trained from."""
    return f"{(now or utc_now()):%Y%m%dT%H%M%SZ}-{git('rev-parse', '--short', 'HEAD') or 'nogit'}"


# ---- stage and gate -----------------------------------------------------------------------------
def train(candidate_id: str, out: Path) -> Path:
    """`make train`'s command, at low priority (the running model keeps the cores it needs)."""
    out.mkdir(parents=True, exist_ok=True)
    command = ["nice", "-n", "10", str(BIN / "rasa"), "train", "--domain", "domain", "--force",
               "--fixed-model-name", candidate_id, "--out", str(out), "--quiet"]  # fmt: skip
    subprocess.run(command, cwd=ROOT, check=True)
    return out / f"{candidate_id}.tar.gz"


def run_gates(model: Path) -> list[dict[str, Any]]:
    """evaluation/gates.py on ``model`` in a process of its own (it loads the model; nice)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "gates.json"
        command = [
            "nice",
            "-n",
            "10",
            sys.executable,
            "-m",
            "evaluation.gates",
            "--model",
            str(model),
            "--out",
            str(out),
        ]
        subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not out.is_file():
            raise RuntimeError(f"the quality gates did not run on {model}")
        return list(json.loads(out.read_text(encoding="utf-8")))


def gate_lines(gates: list[dict[str, Any]]) -> list[str]:
    lines = []
    for g in gates:
        counts = " ".join(f"{k} {v}" for k, v in g["counts"].items())
        checks = ", ".join(f"{c['what']} {c['bound']:.0%}: {c['value']:.1%}" for c in g["checks"])
        lines.append(f"  {'ok  ' if g['passed'] else 'FAIL'} {g['name']}: {counts} ({checks})")
    return lines


def stage_and_gate(
    model: Path | None = None,
    library: Library = Library(),
    gates: Callable[[Path], list[dict[str, Any]]] | None = None,
) -> Candidate:
    """Train a candidate into models/candidates/ (or take ``model``, already trained) and check the
    gates. Raises ``GateFailed`` (the candidate with its gate results) when one fails; the served
    model is never touched here."""
    now = utc_now()
    candidate_id = new_id(now)
    path = model if model is not None else train(candidate_id, library.candidates)
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    results = (gates or run_gates)(path)
    candidate = Candidate(candidate_id, path, git("rev-parse", "HEAD"), dirty, now.isoformat(), results)
    if not candidate.passed:
        raise GateFailed(candidate)
    return candidate


# ---- history ------------------------------------------------------------------------------------
def kept(library: Library = Library()) -> list[Candidate]:
    """The kept models, oldest promotion first."""
    out = []
    for meta in library.history.glob("*.json"):
        data = json.loads(meta.read_text(encoding="utf-8"))
        out.append(Candidate(**{**data, "path": meta.with_suffix(".tar.gz")}))
    return sorted(out, key=lambda c: (c.promoted[-1] if c.promoted else "", c.id))


def save_meta(candidate: Candidate, library: Library) -> None:
    meta = library.history / f"{candidate.id}.json"
    meta.write_text(json.dumps(candidate.meta(), indent=2) + "\n", encoding="utf-8")


def archive_unknown_current(library: Library) -> None:
    """The model served before the first `make deploy` (from `make train`) is kept too, so that
    `make rollback` has somewhere to go."""
    if not library.current.is_file() or current_of(library) is not None:
        return
    made = datetime.fromtimestamp(library.current.stat().st_mtime, timezone.utc)
    candidate = Candidate(f"{made:%Y%m%dT%H%M%SZ}-trained", library.history / "x", created=made.isoformat(),
                          promoted=[made.isoformat()])  # fmt: skip
    candidate.path = library.history / f"{candidate.id}.tar.gz"
    shutil.copy2(library.current, candidate.path)
    save_meta(candidate, library)


def same_file(a: Path, b: Path) -> bool:
    if not (a.is_file() and b.is_file()) or a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            chunk = fa.read(1 << 20)
            if chunk != fb.read(1 << 20):
                return False
            if not chunk:
                return True


def current_of(library: Library = Library()) -> Candidate | None:
    """The kept model that is served now (the same bytes as models/current.tar.gz)."""
    for candidate in reversed(kept(library)):
        if same_file(candidate.path, library.current):
            return candidate
    return None


def prune(library: Library, keep: int = MODELS_KEPT) -> None:
    """Only the last ``keep`` models stay (never the served one)."""
    serving = current_of(library)
    models = [c for c in kept(library) if serving is None or c.id != serving.id]
    for old in models[: max(0, len(models) - (keep - 1))]:
        old.path.unlink(missing_ok=True)
        (library.history / f"{old.id}.json").unlink(missing_ok=True)


# ---- the switch ---------------------------------------------------------------------------------
def replace_served(source: Path, current: Path) -> None:
    """``current`` becomes a copy of ``source`` in one rename: a reader sees the old or the new file."""
    tmp = current.with_name(f".{current.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, current)


def workers_on(etag: str, url: str, expected: int) -> tuple[bool, list[dict[str, Any]]]:
    """Whether the model server saw at least ``expected`` Rasa workers lately and each of them runs
    the model ``etag``."""
    import requests

    report = requests.get(url, timeout=5).json()
    workers = report["workers"]
    done = report["etag"] == etag and len(workers) >= expected and all(w["model"] == etag for w in workers)
    return done, workers


def served_etag(url: str) -> str:
    import requests

    return str(requests.get(url, timeout=5).json()["etag"])


def expected_workers() -> int:
    """The Sanic workers of `make run` (SANIC_WORKERS, as ops/services.py reads it)."""
    from ops.services import PRODUCTION_WORKERS

    return int(os.environ.get("SANIC_WORKERS", PRODUCTION_WORKERS))


def wait_for_workers(
    url: str, timeout: float = SWITCH_TIMEOUT, say: Callable[[str], None] = print, workers: int | None = None
) -> None:
    """Until every worker reports the served model (ops/model_server.py ``/workers``)."""
    etag, deadline, last = served_etag(url), time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        done, workers_seen = workers_on(etag, url, workers or expected_workers())
        state = ", ".join(f"{w['worker']}: {'new' if w['model'] == etag else 'loading' if w['loading'] else 'old'}"
                          for w in workers_seen)  # fmt: skip
        if state != last:
            say(f"  workers: {state or 'none seen yet'}")
            last = state
        if done:
            return
        time.sleep(0.5)
    raise TimeoutError(f"not every Rasa worker loaded the new model within {timeout:.0f} s")


def promote(
    candidate: Candidate,
    library: Library = Library(),
    wait: bool = True,
    workers_url: str | None = None,
    say: Callable[[str], None] = print,
    workers: int | None = None,
) -> None:
    """Keep ``candidate`` in models/history/ (with its JSON), make it models/current.tar.gz (one
    rename), drop the oldest beyond MODELS_KEPT; with ``wait`` until every Rasa worker runs it
    (the single machine; the cluster restarts its instances itself and passes ``wait=False``)."""
    library.history.mkdir(parents=True, exist_ok=True)
    archive_unknown_current(library)
    kept_path = library.history / f"{candidate.id}.tar.gz"
    if candidate.path.resolve() != kept_path.resolve():
        shutil.copy2(candidate.path, kept_path)
        if candidate.path.parent.resolve() == library.candidates.resolve():
            candidate.path.unlink()
    candidate.path = kept_path
    candidate.promoted.append(datetime.now(timezone.utc).isoformat())  # to the microsecond: it orders them
    candidate.rolled_back = ""
    save_meta(candidate, library)
    replace_served(kept_path, library.current)
    prune(library)
    if wait:
        import requests

        from base.paths import CLUSTER_HOME
        from ops.rolling import model_id, wait_for_cluster

        if wait_for_cluster(CLUSTER_HOME, model_id(library.current), SWITCH_TIMEOUT * 4, say):
            say(f"switched to {candidate.id} (make cluster: every instance replaced)")
            return
        try:
            wait_for_workers(workers_url or default_workers_url(), say=say, workers=workers)
        except requests.ConnectionError:
            say("  no model server answers (make run is not running): the next start serves it")
    say(f"switched to {candidate.id}")


def rollback(
    library: Library = Library(), wait: bool = True, workers_url: str | None = None, say: Callable[[str], None] = print
) -> Candidate:
    """Back to the model served before the current one (no gates: it passed them when it came)."""
    serving = current_of(library)
    earlier = [c for c in kept(library) if not c.rolled_back and (serving is None or c.id != serving.id)]
    if not earlier:
        raise LookupError("no earlier model in models/history/")
    target = earlier[-1]
    if serving is not None:
        serving.rolled_back = utc_now().isoformat()
        save_meta(serving, library)
    promote(target, library, wait, workers_url, say)
    return target


def default_workers_url() -> str:
    return WORKERS_URL.format(port=os.environ.get("MODEL_SERVER_PORT", "5006"))


def listing(library: Library = Library()) -> list[str]:
    serving = current_of(library)
    lines = []
    for c in reversed(kept(library)):
        mark = "*" if serving is not None and c.id == serving.id else " "
        gates = "gates passed" if c.passed else "gates not run" if not c.gates else "gates FAILED"
        state = f"rolled back {c.rolled_back}" if c.rolled_back else f"promoted {c.promoted[-1] if c.promoted else '-'}"
        commit = (c.commit[:10] or "-") + (" (uncommitted changes)" if c.dirty else "")
        lines.append(f"{mark} {c.id}  commit {commit}  {gates}  {state}")
    return lines or ["no kept models (models/history/ is empty)"]


def changed_copy(source: Path, out: Path) -> Path:
    """``source`` with another gzip header time: the same model, another ETag (so it is loaded
    again). For the switch benchmark and tests, which must not train."""
    with gzip.open(source, "rb") as f:
        data = f.read()
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(time.time() * 1000) % 2**31) as z:
        z.write(data)
    return out


def main(argv: list[str] | None = None, library: Library = Library()) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["deploy", "rollback", "list"])
    parser.add_argument("--model", type=Path, help="deploy: this trained model instead of training one")
    args = parser.parse_args(argv)
    if args.command == "list":
        print("\n".join(listing(library)))
        return 0
    if args.command == "rollback":
        try:
            rollback(library)
        except LookupError as error:
            print(f"rollback refused: {error}", file=sys.stderr)
            return 1
        return 0
    print("training a candidate (nice -n 10) while the current model keeps answering ...")
    try:
        candidate = stage_and_gate(args.model, library)
    except GateFailed as failed:
        print(f"deploy refused: {failed.candidate.id} fails a quality gate; models/current.tar.gz unchanged")
        print("\n".join(gate_lines(failed.candidate.gates)))
        return 1
    print(f"{candidate.id} passes every quality gate:")
    print("\n".join(gate_lines(candidate.gates)))
    promote(candidate, library)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The gap of a model switch on one machine (`make deploy`'s path, docs/deploy.md): Rasa with two
workers pulling from the model server, REST questions sent without pause from several fresh
conversations, a copy of the model (another ETag, so every worker really loads it) promoted halfway.

    python -m bench.switch_gap [--senders 4] [--before 6] [--after 6]

``switch_gap(...)`` (bench/run.py, tests/e2e/test_deploy.py) reports the longest time without any
answer, the latency before and during the switch, and what went wrong: lost (no answer at all),
refused (connection refused), errors (an HTTP error), answered twice (a reply repeated in one answer).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from base.paths import MODEL
from ops import deploy
from ops.model_server import PATH, make_server
from ops.services import free_port, start_actions, start_rasa, start_redis
from pipeline.rate_limit import NO_RATE_LIMITS

QUESTIONS = (
    "Was ist ein kommunales Jobcenter?",
    "Wie viele Optionskommunen gibt es?",
    "Ist das Jobcenter Erzgebirgskreis kommunal?",
    "Seit wann ist der Erzgebirgskreis Optionskommune?",
)
MESSAGES_PER_CONVERSATION = 5


@dataclass
class Sent:
    sent: float
    received: float | None = None
    outcome: str = "answered"  # answered, lost, refused, error, twice


@dataclass
class Gap:
    switch_seconds: float
    longest_without_answer: float  # seconds, over all senders, from the switch's start to its end
    p50_before: float
    p95_before: float
    p50_during: float
    p95_during: float
    sent: int
    lost: int
    refused: int
    errors: int
    answered_twice: int
    details: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
        return [f"model switch (2 workers, model server): {self.switch_seconds:.1f} s until every worker ran it",
                f"  longest time without an answer: {ms(self.longest_without_answer)}",
                f"  latency p50 / p95: before {ms(self.p50_before)} / {ms(self.p95_before)}, "
                f"during {ms(self.p50_during)} / {ms(self.p95_during)}",
                f"  {self.sent} sent: {self.lost} lost, {self.refused} refused, {self.errors} errors, "
                f"{self.answered_twice} answered twice"]  # fmt: skip


def sender(url: str, stop: threading.Event, out: list[Sent]) -> None:
    """Questions one after the other, a new conversation every few (as citizens arrive), one
    keep-alive connection (as the widget's)."""
    session, n = requests.Session(), 0
    conversation = uuid.uuid4().hex
    while not stop.is_set():
        if n % MESSAGES_PER_CONVERSATION == 0:
            conversation = uuid.uuid4().hex
        record = Sent(time.monotonic())
        try:
            r = session.post(url, json={"sender": conversation, "message": QUESTIONS[n % len(QUESTIONS)]}, timeout=60)
            record.received = time.monotonic()
            texts = [m.get("text") for m in r.json()] if r.ok else []
            if not r.ok:
                record.outcome = "error"
            elif not texts:
                record.outcome = "lost"
            elif len(set(texts)) < len(texts):
                record.outcome = "twice"
        except requests.ConnectionError as error:
            record.outcome = "refused" if "refused" in str(error).lower() else "lost"
            session = requests.Session()
        except requests.RequestException:
            record.outcome = "lost"
        out.append(record)
        n += 1


def longest_gap(records: list[Sent], start: float, end: float) -> float:
    """The longest stretch within [start, end] in which no sender got an answer."""
    times = sorted(r.received for r in records if r.received is not None and r.outcome == "answered")
    points = [start, *(t for t in times if start < t < end), end]
    return max(b - a for a, b in zip(points, points[1:], strict=False))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


@contextmanager
def model_server(current: Path) -> Any:
    server = make_server(current, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def switch_gap(
    workdir: Path, model: Path = MODEL, senders: int = 4, before: float = 6.0, after: float = 6.0, workers: int = 2
) -> Gap:
    """Start Redis, the action server, the model server and Rasa (``workers``) on loopback with a
    copy of ``model``; send from ``senders`` threads; promote a changed copy after ``before``
    seconds (ops/deploy.py ``promote``, waiting for every worker); go on ``after`` seconds more."""
    workdir.mkdir(parents=True, exist_ok=True)
    library = deploy.Library(current=workdir / "models" / "current.tar.gz")
    library.current.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, library.current)
    log = workdir / "servers.log"
    redis_port, actions_port, rasa_port = free_port(), free_port(), free_port()
    records: list[Sent] = []
    stop = threading.Event()
    say: list[str] = []
    with (
        model_server(library.current) as served,
        start_redis(redis_port),
        start_actions(actions_port, log),
        start_rasa(
            workdir,
            rasa_port,
            actions_port,
            log,
            extra_env=dict(NO_RATE_LIMITS),
            model=library.current,
            workers=workers,
            redis_port=redis_port,
            model_server=served + PATH,
        ),  # fmt: skip
    ):
        deploy.wait_for_workers(served + "/workers", timeout=120, say=say.append, workers=workers)
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        for n in range(4 * workers):  # each worker's first answers are slow (caches): not counted
            requests.post(url, json={"sender": f"warm-up-{n}", "message": QUESTIONS[n % len(QUESTIONS)]}, timeout=60)
        threads = [threading.Thread(target=sender, args=(url, stop, records)) for _ in range(senders)]
        for t in threads:
            t.start()
        time.sleep(before)
        candidate = deploy.Candidate("switch-gap", deploy.changed_copy(model, workdir / "candidate.tar.gz"))
        started = time.monotonic()
        deploy.promote(candidate, library, workers_url=served + "/workers", say=say.append, workers=workers)
        ended = time.monotonic()
        time.sleep(after)
        stop.set()
        for t in threads:
            t.join(70)
    before_lat = [r.received - r.sent for r in records if r.received and r.sent < started and r.outcome == "answered"]
    during = [r.received - r.sent for r in records if r.received and started <= r.sent <= ended]
    count = lambda outcome: sum(r.outcome == outcome for r in records)  # noqa: E731
    return Gap(ended - started, longest_gap(records, started, ended), percentile(before_lat, 0.5),
               percentile(before_lat, 0.95), percentile(during, 0.5), percentile(during, 0.95), len(records),
               count("lost"), count("refused"), count("error"), count("twice"), say)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--before", type=float, default=6.0)
    parser.add_argument("--after", type=float, default=6.0)
    parser.add_argument("--workdir", type=Path, default=Path("build/switch_gap"))
    args = parser.parse_args()
    gap = switch_gap(args.workdir, senders=args.senders, before=args.before, after=args.after)
    print("\n".join(gap.details))
    print("\n".join(gap.lines()))


if __name__ == "__main__":
    main()

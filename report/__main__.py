"""``make report`` / ``python -m report``: the editors' report, dated, and the latest copy.

    python -m report [--since 2026-11-01] [--until 2026-11-30] [--min-group 2]
                     [--cluster | --db rasa_events.db] [--include-test] [--exclude-channel NAME ...]

Reads what Rasa's SQL event broker kept (stores/event_broker.py: table ``events``, the JSON of
each event, already redacted by the input gate): ``--db``, else ``EVENTS_DATABASE_URL`` /
``DATABASE_URL``, else with ``--cluster`` the local ``make cluster``'s PostgreSQL, else the SQLite
file ``rasa_events.db``, else the local cluster's database (report/store.py); it prints which.
Test traffic is left out unless ``--include-test``: conversations whose sender id starts with
"test-" and the terminal channel (report/selection.py).

Writes ``reports/report-<YYYY-MM-DD>.html`` and ``.json`` (the UTC date of the run; a second run
that day replaces them) and the same as ``reports/report.html`` / ``report.json`` (the latest).
The files are readable by their owner only (0600, the folder reports/ 0700); ``make purge``
deletes them once they are older than the retention period (stores/retention.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from base.paths import EVENTS_DB, REPORTS, events_database_url, local_cluster_database_url
from report.figures import MIN_GROUP, figures
from report.html import page
from report.selection import Exclusion
from report.store import NoStore, Store, choose, events_of, stored_events
from report.turns import Turn, turns_of
from stores.retention import DEFAULT_DAYS

__all__ = ["all_turns", "main", "stored_events"]

OUT = REPORTS


def all_turns(events: Iterator[tuple[str, dict[str, Any]]]) -> list[Turn]:
    by_conversation: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sender, event in events:
        by_conversation[sender].append(event)
    return [t for sender, evs in by_conversation.items() for t in turns_of(sender, evs)]


def private_folder(folder: Path) -> None:
    """``folder`` for the report files: created with mode 0700; reports/ (the default) is set to
    0700 even if it existed (an existing folder given with ``--out`` keeps its mode)."""
    created = not folder.exists()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if created or folder.resolve() == OUT.resolve():
        folder.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """``text`` into ``path``, readable and writable by its owner only (0600), also when the file
    existed with another mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        os.fchmod(fd, 0o600)
        file.write(text)


def dated(folder: Path, today: dt.date) -> tuple[Path, ...]:
    """The files one run writes: the day's report (JSON, HTML), then the latest copy of each."""
    day = today.isoformat()
    return (folder / f"report-{day}.json", folder / f"report-{day}.html", folder / "report.json",
            folder / "report.html")  # fmt: skip


def write_report(report: dict[str, Any], folder: Path, today: dt.date) -> tuple[Path, ...]:
    """The report's files in ``folder`` (0700): the dated ones and the latest copies, each 0600."""
    private_folder(folder)
    json_text = json.dumps(report, ensure_ascii=False, indent=1) + "\n"
    html_text = page(report, DEFAULT_DAYS)
    files = dated(folder, today)
    for path, text in zip(files, (json_text, html_text, json_text, html_text), strict=True):
        write_private(path, text)
    return files


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--db", type=Path, help=f"the event broker's SQLite file (default: {EVENTS_DB.name} if it exists)"
    )
    where.add_argument("--cluster", action="store_true", help="read the local make cluster's database")
    parser.add_argument("--since", type=dt.date.fromisoformat)
    parser.add_argument("--until", type=dt.date.fromisoformat)
    parser.add_argument(
        "--min-group",
        type=int,
        default=MIN_GROUP,
        help="groups asked by fewer distinct conversations are shown without text",
    )
    parser.add_argument("--include-test", action="store_true",
                        help="count test conversations (sender id test-...) and the terminal (make shell)")  # fmt: skip
    parser.add_argument("--exclude-channel", action="append", default=[], metavar="NAME",
                        help="leave out a channel (socketio, rest, telegram, facebook, ...); repeatable")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.min_group < 1:
        parser.error("--min-group must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    started = time.perf_counter()
    try:
        local = local_cluster_database_url()
        cluster_url = events_database_url(local) if local else ""
        store: Store = choose(args.db, events_database_url(), args.cluster, EVENTS_DB, cluster_url)
        print(f"reading {store}")
        turns = all_turns(events_of(store))
    except NoStore as error:
        raise SystemExit(str(error)) from None
    exclusion = Exclusion.of(args.include_test, args.exclude_channel)
    report = figures(turns, args.since, args.until, args.min_group, exclusion)
    report["store"] = str(store)
    files = write_report(report, args.out, dt.datetime.now(dt.timezone.utc).date())
    left_out = ", ".join(f"{r['conversations']} ({r.get('channel') or r['reason']})" for r in report["left_out"])
    took = time.perf_counter() - started
    print(f"{report['conversations']} conversations, {report['messages']} messages; conversations left out: "
          f"{left_out or 'none'} -> {args.out}/{', '.join(p.name for p in files)} ({took:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()

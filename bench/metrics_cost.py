"""What counting costs per message: ``python -m bench.metrics_cost [--messages N] [--rounds R]``.

Times the Rasa process's counting for one message as engine/conversation.py and the pipeline do
it (engine/metrics_hooks.py: start, the outcome read off the replies, the message counter and the
latency histogram; the input gate's redaction count, the event broker's queue length) in
multiprocess mode (a temporary ``PROMETHEUS_MULTIPROC_DIR``, as under `make run`), and prints the
median over ``rounds`` of the time per message. ``measure()`` gives the number for bench/run.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from types import SimpleNamespace


def measure(messages: int = 20_000, rounds: int = 7) -> float:
    """Median nanoseconds of counting per message; must run before prometheus_client is imported
    elsewhere in the process when multiprocess mode is wanted (it reads the folder at import)."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    from base import metrics
    from engine import metrics_hooks
    from pipeline.steps import Turn

    events = [UserUttered("Was ist ein kommunales Jobcenter?"), ActionExecuted("action_reply"),
              BotUttered("...", metadata={"utter_action": "utter_faq/what_is_municipal"})]  # fmt: skip
    turn = Turn("bench", "Was ist ein kommunales Jobcenter?", conversation=SimpleNamespace(events=events))
    per_message = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        for _ in range(messages):
            arrived = time.perf_counter()
            metrics_hooks.start_turn()
            metrics.redacted([])
            metrics.broker_queue(0)
            metrics_hooks.count_message("rest", turn, arrived)
        per_message.append((time.perf_counter_ns() - started) / messages)
    return statistics.median(per_message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--single-process", action="store_true", help="without PROMETHEUS_MULTIPROC_DIR")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.single_process:
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
        ns = measure(args.messages, args.rounds)
    mode = "single process" if args.single_process else "multiprocess"
    print(f"metrics cost per message ({mode}, median of {args.rounds} x {args.messages}): {ns / 1000:.2f} µs")


if __name__ == "__main__":
    main()

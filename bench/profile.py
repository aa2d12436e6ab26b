"""`make profile` (issue 27): where Rasa's time per message goes, part by part.

    python -m bench.profile                  # 300 messages in fresh conversations of 6 messages
    python -m bench.profile --long 1000      # every message in one conversation that holds 1000 already
    python -m bench.profile --messages 20 --out /tmp/profile.json

The action server and Redis (the lock store) run as in production (ops/services.py); Rasa runs in
this process, loaded as `python -m engine run` loads it: engine/changes.py installed first, the
production endpoints (endpoints.yml: SQLite tracker store, the report's event broker, Redis lock
store, engine/nlg.py) on files in a temporary folder, logging set up as `rasa run` sets it up.
German questions (the held-out set, then the external one: evaluation/outcomes.py) go through
``Agent.handle_message`` as the REST channel hands them over. After a warm-up the same number of
messages is sent twice: without the profiler (CPU per message of Rasa and of the action server,
from the clock and /proc) and under cProfile (the shares).

A share is of the time Rasa's event-loop thread is busy during the profiled messages: cProfile's
wall clock minus the loop's idle wait in ``epoll``. What blocks the loop counts (the synchronous
Redis client of Rasa's lock store, SQLite): the worker can do nothing else meanwhile. Rows at the
top level never contain each other, so they add up to 100 % with "other" and "outside"; the
indented rows are parts of the row above them. The profiler slows small, frequent calls more than
large ones: the shares are a map, Rasa's CPU per message without the profiler is the measure.
How to read each row: docs/performance.md, "Where a message's CPU goes".
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from base.paths import MODEL, ROOT
from bench.clients import MESSAGES_PER_CONVERSATION
from bench.measure import cpu_seconds, process_tree
from bench.profile_parts import TOP, parts, summarise
from evaluation.outcomes import first_message_sets
from ops.services import endpoints_for, free_port, redis_password, start_actions, start_redis
from pipeline.rate_limit import NO_RATE_LIMITS

RESULTS = ROOT / "bench" / "results"
WARM_UP = 12  # two conversations before anything is measured (first calls load and compile)


# ---- the conversation -------------------------------------------------------------------------
def texts() -> Iterator[str]:
    """German questions as citizens ask them, in a fixed order, again and again."""
    sets = first_message_sets()
    questions = [q.text for q in sets["held-out"] + sets["external"]]
    while True:
        yield from questions


async def send(agent: Any, questions: Iterator[str], count: int, sender: Callable[[int], str]) -> int:
    """``count`` messages, message i to conversation ``sender(i)``; how many got a reply."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    answered = 0
    for i in range(count):
        out = CollectingOutputChannel()
        replies = await agent.handle_message(UserMessage(next(questions), out, sender_id=sender(i)))
        answered += bool(replies and any(r.get("text") for r in replies))
    return answered


def load_rasa(work: Path, actions_port: int, redis_port: int) -> Any:
    """Rasa's agent as `python -m engine run` has it: the changes first, the production endpoints,
    Rasa's logging set-up (INFO: the debug logs are built, then dropped)."""
    from engine.changes import install

    os.umask(0o077)
    install()
    import rasa.utils.io
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    rasa.utils.io.configure_colored_logging(None)
    configure_structlog(None)
    endpoints = work / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump(endpoints_for(work, actions_port, redis_port)), encoding="utf-8")
    return load_agent(model_path=str(MODEL), endpoints=AvailableEndpoints.read_endpoints(str(endpoints)))


def senders(long: int) -> Callable[[int], str]:
    """Message i's conversation: the one long conversation, or a fresh one every
    MESSAGES_PER_CONVERSATION messages (a citizen's conversation is short: bench/clients.py)."""
    if long:
        return lambda i: "profile-long"
    conversations = itertools.count()
    current = [""]

    def sender(i: int) -> str:
        if i % MESSAGES_PER_CONVERSATION == 0:
            current[0] = f"profile-{next(conversations)}"
        return current[0]

    return sender


async def measure(agent: Any, actions_pid: int, messages: int, long: int) -> dict[str, Any]:
    """The long conversation filled (``long`` messages), a warm-up, then ``messages`` without and
    ``messages`` with the profiler."""
    questions, sender = texts(), senders(long)
    if long:
        await send(agent, questions, long, sender)
    await send(agent, questions, WARM_UP, sender)
    broker = agent.tracker_store.event_broker  # stores/event_broker.py: a writer thread of its own
    broker.flush()
    actions = process_tree(actions_pid)
    cpu, thread, wall, action_cpu = time.process_time(), time.thread_time(), time.perf_counter(), cpu_seconds(actions)
    answered = await send(agent, questions, messages, sender)
    broker.flush()  # the writer thread's CPU belongs to these messages
    cpu, thread = time.process_time() - cpu, time.thread_time() - thread
    wall, action_cpu = time.perf_counter() - wall, cpu_seconds(actions) - action_cpu
    rows = parts(agent)
    profile = cProfile.Profile()
    profile.enable()
    answered += await send(agent, questions, messages, sender)
    profile.disable()
    per_message = 1000 / messages
    return {
        "messages": messages,
        "answered": answered,
        "sent": 2 * messages,
        "mode": "long" if long else "fresh",
        "conversation_length_at_start": long,
        "messages_per_conversation": None if long else MESSAGES_PER_CONVERSATION,
        "unprofiled": {
            "rasa_cpu_ms_per_msg": cpu * per_message,
            "rasa_loop_thread_cpu_ms_per_msg": thread * per_message,
            "rasa_other_threads_cpu_ms_per_msg": (cpu - thread) * per_message,
            "wall_ms_per_msg": wall * per_message,
            "action_server_cpu_ms_per_msg": action_cpu * per_message,
        },
        **summarise(profile, rows, messages, thread * per_message),
    }


def run(messages: int, long: int) -> dict[str, Any]:
    os.environ.update(NO_RATE_LIMITS)  # one conversation gets more than 30 messages a minute here
    with tempfile.TemporaryDirectory(prefix="profile-") as folder:
        work = Path(folder)
        actions_port, redis_port = free_port(), free_port()
        with start_actions(actions_port, work / "actions.log") as actions, start_redis(redis_port):
            os.environ.setdefault("REDIS_PASSWORD", redis_password())  # endpoints.yml's lock store
            loop = asyncio.new_event_loop()  # asyncio's own loop (Sanic runs uvloop): its idle wait is epoll's
            try:
                agent = loop.run_until_complete(load_rasa(work, actions_port, redis_port))
                result = loop.run_until_complete(measure(agent, actions.pid, messages, long))
                loop.run_until_complete(agent.tracker_store.event_broker.close())
            finally:
                loop.close()
    return result


# ---- the table --------------------------------------------------------------------------------
def table(r: dict[str, Any], markdown: bool = False) -> str:
    """The printed summary; ``markdown``: the rows as a Markdown table (docs/performance.md)."""
    u = r["unprofiled"]
    kind = (f"one conversation holding {r['conversation_length_at_start']} messages" if r["mode"] == "long"
            else f"fresh conversations of {r['messages_per_conversation']} messages")  # fmt: skip
    lines = [
        f"{r['messages']} messages, {kind}; answered {r['answered']} of {r['sent']}",
        f"without the profiler: Rasa CPU {u['rasa_cpu_ms_per_msg']:.1f} ms/msg (event-loop thread "
        f"{u['rasa_loop_thread_cpu_ms_per_msg']:.1f}, other threads {u['rasa_other_threads_cpu_ms_per_msg']:.1f}: "
        f"the event broker's writer), action server CPU {u['action_server_cpu_ms_per_msg']:.1f} ms/msg, "
        f"wall {u['wall_ms_per_msg']:.1f} ms/msg",
        f"under cProfile: event loop busy {r['busy_ms_per_msg']:.1f} ms/msg, idle {r['idle_ms_per_msg']:.1f}",
        "share: of the busy time; CPU ms: that share of the event-loop thread's CPU per message without "
        "the profiler; calls: per message; indented: part of the row above",
        "",
    ]
    top = sum(row["share"] for row in r["rows"] if row["level"] == 0)
    rows = [("    " * row["level"] + row["label"], row) for row in r["rows"]]
    hot = [(f["name"], f) for f in r["top_own_time"]]
    if markdown:
        lines += ["| part | share | CPU ms/msg | calls/msg |", "|---|---|---|---|"]
        for label, row in rows:
            label = ("↳ " if row["level"] else "") + label.strip()
            lines.append(f"| {label} | {row['share']:.1%} | {row['cpu_ms_per_msg']:.2f} | {row['calls_per_msg']:.1f} |")
        lines += [f"| sum of the top-level rows | {top:.1%} | | |", "", f"| top {TOP} by own time | share | CPU ms/msg "
                  "| calls/msg |", "|---|---|---|---|"]  # fmt: skip
        lines += [f"| `{name}` | {f['share']:.1%} | {f['cpu_ms_per_msg']:.2f} | {f['calls_per_msg']:.1f} |"
                  for name, f in hot]  # fmt: skip
        return "\n".join(lines)
    width = 96
    lines.append(f"{'part':<{width}} {'share':>6} {'CPU ms':>7} {'calls':>6}")
    for label, row in rows:
        lines.append(
            f"{label[:width]:<{width}} {row['share']:6.1%} {row['cpu_ms_per_msg']:7.2f} {row['calls_per_msg']:6.1f}"
        )
    lines += [f"{'sum of the top-level rows':<{width}} {top:6.1%}", "", f"top {TOP} functions by own time:"]
    for name, f in hot:
        lines.append(f"{name[:width]:<{width}} {f['share']:6.1%} {f['cpu_ms_per_msg']:7.2f} {f['calls_per_msg']:6.1f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300, help="messages measured (each twice: without and "
                        "with the profiler)")  # fmt: skip
    parser.add_argument("--long", type=int, default=0, metavar="K", help="every message into one conversation "
                        "that already holds K messages")  # fmt: skip
    parser.add_argument("--out", type=Path, help="JSON (default bench/results/profile.json, profile-long.json)")
    parser.add_argument("--markdown", action="store_true", help="the table in Markdown (docs/performance.md)")
    args = parser.parse_args()
    if not MODEL.is_file():
        raise SystemExit(f"{MODEL} missing: run `make train`")
    result = run(args.messages, args.long)
    out = args.out or RESULTS / ("profile-long.json" if args.long else "profile.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(table(result, args.markdown))
    print(f"\n(written to {out})")


if __name__ == "__main__":
    main()

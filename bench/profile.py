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
import inspect
import itertools
import json
import os
import pstats
import sysconfig
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import yaml

from base.paths import MODEL, ROOT
from bench.clients import MESSAGES_PER_CONVERSATION
from bench.measure import cpu_seconds, process_tree
from evaluation.outcomes import first_message_sets
from ops.services import endpoints_for, free_port, redis_password, start_actions, start_redis
from pipeline.rate_limit import NO_RATE_LIMITS

RESULTS = ROOT / "bench" / "results"
WARM_UP = 12  # two conversations before anything is measured (first calls load and compile)
TOP = 15  # functions by own time in the table
Key = tuple[str, int, str]  # pstats' name of a function: file, first line, name
IDLE = "of 'select.epoll' objects>"  # the event loop waiting for sockets (pstats name of epoll.poll)


@dataclass(frozen=True)
class Part:
    """One row: the time of ``key`` (a function's cumulative time), or of ``key`` as called by
    ``caller`` only (a direct call), or of ``key`` called by any function in ``callers_in`` but
    ``except_caller``; ``level`` 1 is a part of the level-0 row above it."""

    name: str
    label: str
    level: int
    key: Key
    caller: Key | None = None
    callers_in: str | None = None
    except_caller: Key | None = None
    rest: str = "the rest of it"  # a level-0 row with parts: the label of what they leave of it


def code_key(function: Any) -> Key:
    """pstats' name of a Python function (a method, classmethod or decorated one: its own code)."""
    function = inspect.unwrap(getattr(function, "__func__", function))
    code: CodeType = function.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def named_call(function: Callable, name: str) -> Callable:
    """``function`` behind a call of its own name in the profile: the graph nodes of one component
    class (the two CountVectorsFeaturizer) share their code and would be one row without it."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return function(*args, **kwargs)

    call.__code__ = call.__code__.replace(co_name=name)
    return call


def graph_parts(agent: Any) -> tuple[list[Part], list[Part]]:
    """A row per node of the NLU graph and of the policy graph, each node's function wrapped in a
    call of the node's name (Rasa's GraphNode calls ``_fn(component, **inputs)``)."""
    processor = agent.processor
    metadata = processor.model_metadata
    nodes = processor.graph_runner._instantiated_nodes
    schema = metadata.predict_schema
    core = list(schema.minimal_graph_schema([metadata.core_target]).nodes)
    nlu = [n for n in schema.minimal_graph_schema([metadata.nlu_target]).nodes if n not in core]
    out: tuple[list[Part], list[Part]] = ([], [])
    for names, rows in ((nlu, out[0]), (core, out[1])):
        for node_name in names:
            node = nodes[node_name]
            label = f"{node._component_class.__name__}.{node._fn_name}"
            analyzer = getattr(node._component, "_config", {}).get("analyzer")
            if analyzer:  # the CountVectorsFeaturizers: words or character n-grams
                label += f" ({analyzer})"
            node._fn = named_call(node._fn, f"node:{node_name}")
            rows.append(Part(f"node:{node_name}", f"{label} [{node_name}]", 1, code_key(node._fn)))
    return out


def parts(agent: Any) -> list[Part]:
    """The rows, in the order a message meets them. Top-level rows never run inside each other."""
    import copy

    from rasa.core.actions.action import RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.lock_store import LockStore
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import deserialise_events
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from redis.client import Redis

    from engine.nlg import LanguageNLG
    from pipeline import steps
    from stores.event_broker import ReportEventBroker
    from stores.tracker_store import PlainSQLEvents

    nlu_nodes, core_nodes = graph_parts(agent)
    run, call_format = code_key(RemoteAction.run), code_key(RemoteAction._action_call_format)
    retrieve, save = code_key(PlainSQLEvents._retrieve), code_key(PlainSQLEvents.save)
    extract_slots = code_key(MessageProcessor.run_action_extract_slots)
    return [
        Part("lock_store", "lock store: Redis lock around the message (LockStore.lock)", 0, code_key(LockStore.lock),
             rest="the rest: the ticket lock's own code (rasa/core/lock_store.py)"),
        Part("redis", "Redis commands, synchronous: the loop waits (redis-py execute_command)", 1,
             code_key(Redis.execute_command)),
        Part("gate", "pipeline: input gate (pipeline/steps.py gate: pipeline/gate.py, rate limit)", 0,
             code_key(steps.gate)),
        Part("tracker_store_read", "tracker store: read (stores/tracker_store.py _retrieve)", 0, retrieve),
        Part("tracker_store_sql", "SQL and JSON of the bounded read (bounded_events)", 1,
             code_key(PlainSQLEvents.bounded_events), caller=retrieve),
        Part("tracker_replay", "replay into a tracker (DialogueStateTracker.from_dict)", 1,
             code_key(DialogueStateTracker.from_dict), caller=retrieve),
        Part("language", "pipeline: language (pipeline/steps.py language: pipeline/language.py)", 0,
             code_key(steps.language)),
        Part("notify", "pipeline: notices (pipeline/steps.py notify)", 0, code_key(steps.notify)),
        Part("nlu_graph", "NLU graph (MessageProcessor._parse_message_with_graph)", 0,
             code_key(MessageProcessor._parse_message_with_graph),
             rest="the rest: Rasa's graph runner (dask) and the parse result (Message.as_dict)"),
        *nlu_nodes,
        Part("slot_extraction", "slot extraction (MessageProcessor.run_action_extract_slots)", 0, extract_slots),
        Part("policies", "policies (MessageProcessor._predict_next_with_tracker)", 0,
             code_key(MessageProcessor._predict_next_with_tracker), rest="the rest: Rasa's graph runner (dask)"),
        *core_nodes,
        Part("tracker_copy", "tracker copy before each action (DialogueStateTracker.copy in _run_action)", 0,
             code_key(DialogueStateTracker.copy), caller=code_key(MessageProcessor._run_action)),
        Part("action_call", "action call (RemoteAction.run)", 0, run),
        Part("action_tracker_json", "tracker as JSON for the action server (current_state)", 1,
             code_key(DialogueStateTracker.current_state), caller=call_format),
        Part("action_domain_json", "domain as JSON for the action server (Domain.as_dict)", 1,
             code_key(Domain.as_dict), caller=call_format),
        Part("action_http", "HTTP call and JSON (EndpointConfig.request)", 1, code_key(EndpointConfig.request),
             caller=run),
        Part("action_validation", "answer validation (_validate_action_result, change 3)", 1,
             code_key(RemoteAction._validate_action_result), caller=run),
        Part("nlg", "NLG (engine/nlg.py LanguageNLG.generate)", 1, code_key(LanguageNLG.generate)),
        Part("action_events", "events of the answer (deserialise_events)", 1, code_key(deserialise_events),
             caller=run),
        Part("debug_copies", "deep copies for debug logs (copy.deepcopy in rasa/core/processor.py)", 0,
             code_key(copy.deepcopy), callers_in="rasa/core/processor.py", except_caller=extract_slots),
        Part("tracker_store_save", "tracker store: save (stores/tracker_store.py save)", 0, save,
             rest="the rest: events as dicts (Event.as_dict), the SQL insert and commit"),
        Part("tracker_store_json", "events as JSON (json.dumps)", 1, code_key(json.dumps), caller=save),
        Part("event_broker", "event broker: queueing the report's events (ReportEventBroker.publish_many)", 1,
             code_key(ReportEventBroker.publish_many), caller=save),
        Part("handle_message", "Agent.handle_message", -1, code_key(Agent.handle_message)),
    ]  # fmt: skip


def part_seconds(stats: dict[Key, Any], part: Part) -> tuple[float, int]:
    """Cumulative seconds and calls of ``part`` (pstats rows: cc, nc, tt, ct, callers; a caller's
    entry: nc, cc, tt, ct of the calls it made)."""
    row = stats.get(part.key)
    if row is None:
        return 0.0, 0
    callers: dict[Key, tuple[int, int, float, float]] = row[4]
    if part.caller is not None:
        edge = callers.get(part.caller)
        return (edge[3], edge[0]) if edge else (0.0, 0)
    if part.callers_in is not None:
        edges = [e for k, e in callers.items() if k[0].endswith(part.callers_in) and k != part.except_caller]
        return sum(e[3] for e in edges), sum(e[0] for e in edges)
    return row[3], row[0]


def where(key: Key) -> str:
    """A function's short name: path inside the project or site-packages, line, name."""
    path, line, name = key
    if path == "~":
        return name
    for prefix in (str(ROOT), sysconfig.get_paths()["stdlib"]):
        if path.startswith(prefix + "/"):
            path = path[len(prefix) + 1 :]
    short = path.split("site-packages/", 1)[-1]
    return f"{short}:{line}({name})"


def summarise(profile: cProfile.Profile, rows: list[Part], messages: int, cpu_ms: float) -> dict[str, Any]:
    """Shares of the busy time: each row, "other" (in handle_message, in no row), "outside"
    (the event loop around it), the top functions by own time. ``ms_per_msg``: under the profiler;
    ``cpu_ms_per_msg``: the share of ``cpu_ms``, the event-loop thread's CPU per message measured
    without the profiler."""
    stats: dict[Key, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in stats.values())
    idle = sum(row[2] for key, row in stats.items() if key[0] == "~" and key[2].endswith(IDLE))
    busy = total - idle
    per_message = 1000 / messages

    def entry(name: str, label: str, level: int, seconds: float, calls: int) -> dict[str, Any]:
        return {"name": name, "label": label, "level": level, "share": seconds / busy,
                "ms_per_msg": seconds * per_message, "cpu_ms_per_msg": seconds / busy * cpu_ms,
                "calls_per_msg": calls / messages}  # fmt: skip

    out: list[dict[str, Any]] = []
    top_level = inside = 0.0
    parent: tuple[Part, float, float] | None = None  # the level-0 row, its seconds, its parts' seconds

    def close_parent() -> None:
        """After a row's parts, what they leave of it: its own code and what else it calls."""
        if parent is not None and parent[2]:
            part, seconds, parts_seconds = parent
            out.append(entry(f"{part.name}:rest", part.rest, 1, seconds - parts_seconds, 0))

    for part in rows:
        seconds, calls = part_seconds(stats, part)
        if part.level < 0:  # the whole message: what the rows leave of it is "other"
            inside = seconds
            continue
        if part.level == 0:
            close_parent()
            parent = (part, seconds, 0.0)
            top_level += seconds
        elif parent is not None:
            parent = (parent[0], parent[1], parent[2] + seconds)
        out.append(entry(part.name, part.label, part.level, seconds, calls))
    close_parent()
    out.append(entry("other", "other in handle_message (Rasa's processor, tracker updates)", 0,
                     inside - top_level, 0))  # fmt: skip
    out.append(entry("outside", "outside handle_message (event loop, sockets, this driver)", 0, busy - inside, 0))
    hot = sorted((item for item in stats.items() if not item[0][2].endswith(IDLE)), key=lambda kv: -kv[1][2])[:TOP]
    top = [entry(where(key), where(key), 0, row[2], row[1]) for key, row in hot]
    return {
        "busy_ms_per_msg": busy * per_message,
        "idle_ms_per_msg": idle * per_message,
        "rows": out,
        "top_own_time": [{k: v for k, v in t.items() if k not in ("label", "level")} for t in top],
    }


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

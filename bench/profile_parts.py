"""The parts of `make profile` (bench/profile.py): which functions of Rasa and of this project
make up each row (pipeline components, tracker store, policies, action call, NLG, event broker,
lock store), and how cProfile's statistics are summed into the rows' shares."""

from __future__ import annotations

import cProfile
import inspect
import json
import pstats
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass
from types import CodeType
from typing import Any

from base.paths import ROOT

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
    lock_class = type(agent.lock_store)
    run, call_format = code_key(RemoteAction.run), code_key(RemoteAction._action_call_format)
    retrieve, save = code_key(PlainSQLEvents._retrieve), code_key(PlainSQLEvents.save)
    extract_slots = code_key(MessageProcessor.run_action_extract_slots)
    return [
        Part("lock_store", f"lock store: Redis lock around the message ({lock_class.__name__}.lock)", 0,
             code_key(lock_class.lock), rest="the rest: the ticket lock's own code (stores/lock_store.py)"),
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
             rest="the rest: Rasa's graph runner and the parse result (Message.as_dict)"),
        *nlu_nodes,
        Part("slot_extraction", "slot extraction (MessageProcessor.run_action_extract_slots)", 0, extract_slots),
        Part("policies", "policies (MessageProcessor._predict_next_with_tracker)", 0,
             code_key(MessageProcessor._predict_next_with_tracker), rest="the rest: Rasa's graph runner"),
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

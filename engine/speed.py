"""The speed changes of engine/changes.py (8 to 11): what each replaces is described and checked
there; engine/changes.py installs them, marked, and tests/test_rasa_changes.py tests them."""

from __future__ import annotations

import copy
import functools
import logging
from collections.abc import Callable
from typing import Any

KEEPALIVE_S = 2.0  # idle connections to the action server are closed after this (change 8)


class KeptSession:
    """What ``EndpointConfig.session()`` gives under change 8: the endpoint's one session for the
    running event loop, left open when the ``async with`` block around it ends."""

    def __init__(self, session: Any) -> None:
        self.session = session

    async def __aenter__(self) -> Any:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def reusing_connections(endpoint_class: Any) -> Callable:
    """Change 8: ``EndpointConfig.session`` that keeps one session (and its connections) per
    endpoint and event loop instead of a new session and TCP connection for every request."""
    import asyncio

    import aiohttp
    from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT

    kept: dict[tuple[int, int], aiohttp.ClientSession] = {}

    def session(self: Any) -> KeptSession:
        key = (id(self), id(asyncio.get_running_loop()))
        current = kept.get(key)
        if current is None or current.closed:
            auth = (
                aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
            )
            current = kept[key] = aiohttp.ClientSession(
                headers=self.headers,
                auth=auth,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                # idle connections closed well before the action server's (Sanic: 5 s) would
                connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_S),
            )
        return KeptSession(current)

    return functools.wraps(endpoint_class.session)(session)


def cached_event_types(original: Callable) -> Callable:
    """Change 9: ``Event.resolve_by_type`` that walks the class tree once per type name."""
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is not None:
            return cls
        try:
            cls = original(type_name)
        except ValueError:
            if default is not None:
                return default
            raise
        if cls is not None:  # None: Rasa's old "topic" events, ignored
            found[type_name] = cls
        return cls

    return resolve_by_type


# Rasa's modules whose every copy.deepcopy is an argument of a structlog debug call (change 10)
DEBUG_COPY_MODULES = ("rasa.core.processor", "rasa.core.policies.rule_policy", "rasa.core.policies.memoization")


class DebugOnlyCopies:
    """Change 10: the module ``copy`` as these modules see it: ``deepcopy`` copies only while the
    ``rasa`` logger logs at DEBUG; everything else is the module's."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if logging.getLogger("rasa").isEnabledFor(logging.DEBUG):
            return copy.deepcopy(value, memo)
        return value


def ordered_runs(runner_class: Any) -> Callable:
    """Change 11: ``DaskGraphRunner.run`` without dask, in an order computed once per targets."""
    import graphlib

    from rasa.engine.exceptions import GraphRunError

    def order_for(self: Any, targets: tuple[str, ...]) -> list[str]:
        orders: dict[tuple[str, ...], list[str]] = self.__dict__.setdefault("_jobcenter_orders", {})
        if targets not in orders:
            schema = self._graph_schema.minimal_graph_schema(list(targets))
            graph = {name: [n for n in node.needs.values() if n in schema.nodes] for name, node in schema.nodes.items()}
            orders[targets] = list(graphlib.TopologicalSorter(graph).static_order())
        return orders[targets]

    def run(self: Any, inputs: dict[str, Any] | None = None, targets: list[str] | None = None) -> dict[str, Any]:
        run_targets = targets if targets else self._graph_schema.target_names
        values: dict[str, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of the input names "
                    f"passed to the `run` method are the same as node names in the graph schema."
                )
            values[name] = (name, value)
        try:
            for name in order_for(self, tuple(run_targets)):
                needs = self._graph_schema.nodes[name].needs.values()
                values[name] = self._instantiated_nodes[name](*(values.get(n, n) for n in needs))
        except RuntimeError as e:
            raise GraphRunError("Error running runner.") from e
        return dict(values[target] for target in run_targets)

    return run

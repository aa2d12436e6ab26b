"""The event broker's cost (issue 17), measured by bench/run.py: the same Rasa with and without it."""

from __future__ import annotations

import asyncio
import statistics
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.clients import ROUNDS, load
from bench.measure import cpu_seconds, process_tree
from ops.services import free_port, start_rasa, start_redis
from pipeline.rate_limit import NO_RATE_LIMITS


def broker_cost(texts: list[str], work: Path, actions_port: int, model: Path, workers: int,
                quick: bool) -> dict[str, Any]:  # fmt: skip
    """The event broker's cost (issue 17): two fresh Rasa servers, the same but for the event
    broker, started side by side (same age, same empty databases, same warm-up); rounds of 32
    concurrent conversations alternate between them, the order swapped every round (the noisy
    machine's drift hits both alike); CPU ms per message of Rasa, medians."""
    redis_port = free_port()
    ports = {"with": free_port(), "without": free_port()}
    with ExitStack() as stack:
        stack.enter_context(start_redis(redis_port))
        pids: dict[str, list[int]] = {}
        for side, port in ports.items():
            folder = work / f"broker-{side}"
            folder.mkdir()
            proc = stack.enter_context(start_rasa(
                folder, port, actions_port, folder / "servers.log", model=model, workers=workers,
                redis_port=redis_port, extra_env=NO_RATE_LIMITS, event_broker=side == "with"))  # fmt: skip
            pids[side] = process_tree(proc.pid)
        urls = {side: f"http://127.0.0.1:{port}/webhooks/rest/webhook" for side, port in ports.items()}
        for side, side_url in urls.items():
            asyncio.run(load(side_url, texts, 8, 5, f"warm-{side}"))
        rounds: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
        for i in range(2 if quick else 2 * ROUNDS):
            for side in ("with", "without") if i % 2 == 0 else ("without", "with"):
                before = cpu_seconds(pids[side])
                result = asyncio.run(load(urls[side], texts, 32, 2 if quick else 15, f"broker-{side}{i}"))
                result["rasa_cpu_ms_per_msg"] = (cpu_seconds(pids[side]) - before) * 1000 / result["n"]
                rounds[side].append(result)
    out: dict[str, Any] = {
        side: {"msg_per_s": statistics.median(r["msg_per_s"] for r in rs),
               "p50_ms": statistics.median(r["p50_ms"] for r in rs),
               "rasa_cpu_ms_per_msg": statistics.median(r["rasa_cpu_ms_per_msg"] for r in rs),
               "rounds_msg_per_s": [round(r["msg_per_s"], 1) for r in rs]}
        for side, rs in rounds.items()}  # fmt: skip
    out["ratio_msg_per_s"] = out["with"]["msg_per_s"] / out["without"]["msg_per_s"]
    return out

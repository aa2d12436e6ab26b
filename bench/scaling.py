"""The scaling figure (issue 15), measured by bench/run.py: the same load through `make cluster`
(ops/cluster.py) with 1, 2 and 3 Rasa instances on PostgreSQL, Redis and nginx."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from bench.clients import load
from bench.measure import cpu_now, process_tree
from ops.services import free_port
from pipeline.rate_limit import NO_RATE_LIMITS


def scaling(texts: list[str], quick: bool) -> list[dict[str, Any]]:
    """The scaling figure (issue 15): `make cluster` with 1, 2 and 3 Rasa instances (one Sanic
    worker each) behind nginx on PostgreSQL and Redis, all on this machine's two cores; 8 and 32
    concurrent conversations through nginx; CPU ms per message of each part."""
    from ops.cluster import running_cluster

    rows = []
    for count in (1, 2) if quick else (1, 2, 3):
        work = Path(tempfile.mkdtemp(prefix=f"bench-cluster{count}-"))
        with running_cluster(work, port=free_port(), instances=count, extra_env=NO_RATE_LIMITS) as cluster:
            url = f"{cluster.url}/webhooks/rest/webhook"
            asyncio.run(load(url, texts, 8, 2, "warm-up"))  # every instance's database pool is open
            groups = {k: [p for pid in pids for p in process_tree(pid)] for k, pids in cluster.processes().items()}
            row: dict[str, Any] = {"instances": count}
            for c, per in ((8, 4 if quick else 20), (32, 2 if quick else 15)):
                before = cpu_now(groups)
                level = asyncio.run(load(url, texts, c, per, f"cluster{count}c{c}"))
                after = cpu_now(groups)
                level["cpu_ms_per_msg"] = {k: (after[k] - before[k]) * 1000 / level["n"] for k in after}
                row[f"concurrent_{c}"] = level
            rows.append(row)
        shutil.rmtree(work, ignore_errors=True)
    return rows

"""Memory and CPU of running processes, read from /proc (benchmark and load test)."""

from __future__ import annotations

import os
import time
from pathlib import Path


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (Sanic workers are children of Rasa's main process)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def proc_mb(pid: int, path: str, field: str) -> float:
    """A memory field of /proc/<pid>/<path> ("status" VmRSS/VmHWM, "smaps_rollup" Pss) in MB; 0 for
    a process that ended since the tree was read (a short-lived helper of Rasa's)."""
    try:
        text = Path(f"/proc/{pid}/{path}").read_text()
    except (ProcessLookupError, FileNotFoundError):
        return 0.0
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (/proc/<pid>/stat fields 14 and 15)."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_now(processes: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each group of server processes and of this load generator ("load")."""
    return {name: cpu_seconds(pids) for name, pids in processes.items()} | {"load": time.process_time()}


def memory(pid: int) -> dict[str, float]:
    """Peak RSS of the largest process and proportional set size (shared pages split) of the whole tree:
    with Sanic workers, Rasa is a main process and one child per worker."""
    pids = process_tree(pid)
    return {"processes": len(pids), "peak_rss_mb": max(proc_mb(p, "status", "VmHWM") for p in pids),
            "pss_total_mb": sum(proc_mb(p, "smaps_rollup", "Pss") for p in pids)}  # fmt: skip

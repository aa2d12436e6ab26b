"""Memory and CPU of running processes, read from /proc (benchmark and load test)."""

from __future__ import annotations

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

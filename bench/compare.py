"""`python -m bench.compare OLD.json NEW.json`: two `make bench` results side by side (e.g. the
code before and after a restructuring, measured on the same machine the same day): whether every
question set got the same outcomes and the same misses (question by question), and the latency and
CPU figures with their ratio new / old. Exit status 1 when the answers differ."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

FIGURES = (
    ("sequential p50 ms", ("sequential", "p50_ms")),
    ("sequential p95 ms", ("sequential", "p95_ms")),
    ("8 concurrent p50 ms", ("concurrent_8", "p50_ms")),
    ("8 concurrent msg/s", ("concurrent_8", "msg_per_s")),
    ("32 concurrent msg/s", ("concurrent_32", "msg_per_s")),
    ("Rasa CPU ms/msg (8 conc.)", ("concurrent_8", "cpu_ms_per_msg", "rasa")),
    ("actions CPU ms/msg (8 conc.)", ("concurrent_8", "cpu_ms_per_msg", "actions")),
    ("start to first answer s", ("start_to_first_answer_s",)),
    ("train s", ("train_s",)),
)


def value(results: dict[str, Any], path: tuple[str, ...]) -> float | None:
    for key in path:
        if not isinstance(results, dict) or key not in results:
            return None
        results = results[key]
    return float(results) if isinstance(results, (int, float)) else None


def answers_differ(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The sets whose outcomes or misses differ, each with what differs."""
    out = []
    for name in sorted(set(old["outcomes"]) | set(new["outcomes"])):
        if old["outcomes"].get(name) != new["outcomes"].get(name):
            out.append(f"{name}: outcomes {old['outcomes'].get(name)} -> {new['outcomes'].get(name)}")
        elif old["misses"].get(name) != new["misses"].get(name):
            out.append(f"{name}: the same counts, other misses")
    return out


def main() -> None:
    old, new = (json.loads(Path(p).read_text(encoding="utf-8")) for p in sys.argv[1:3])
    differ = answers_differ(old, new)
    for name, counts in sorted(new["outcomes"].items()):
        a = counts["all"]
        print(f"{name:18} right {a['right']:3}  fallback {a['fallback']:3}  wrong {a['wrong']:3}  of {a['n']}")
    print("answers: " + ("identical in every set (outcomes and misses)" if not differ else "DIFFER"))
    for line in differ:
        print("  " + line)
    print(f"\n{'figure':30} {'old':>9} {'new':>9} {'new/old':>8}")
    for label, path in FIGURES:
        a, b = value(old, path), value(new, path)
        if a is not None and b is not None:
            print(f"{label:30} {a:9.1f} {b:9.1f} {b / a if a else float('nan'):8.2f}")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()

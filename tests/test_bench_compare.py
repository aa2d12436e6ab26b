"""bench/compare.py: two `make bench` results side by side; differing answers are found."""

from __future__ import annotations

from bench.compare import answers_differ, value

OLD = {
    "outcomes": {"held-out": {"all": {"right": 2, "fallback": 1, "wrong": 0, "n": 3}}},
    "misses": {"held-out": [["Wie spät ist es?", "fallback"]]},
    "sequential": {"p50_ms": 20.0},
}


def test_the_same_results_do_not_differ() -> None:
    assert answers_differ(OLD, OLD) == []
    assert value(OLD, ("sequential", "p50_ms")) == 20.0 and value(OLD, ("missing",)) is None


def test_other_counts_or_other_misses_differ() -> None:
    counts = {**OLD, "outcomes": {"held-out": {"all": {"right": 1, "fallback": 1, "wrong": 1, "n": 3}}}}
    assert answers_differ(OLD, counts)[0].startswith("held-out: outcomes")
    misses = {**OLD, "misses": {"held-out": [["Hallo?", "fallback"]]}}
    assert answers_differ(OLD, misses) == ["held-out: the same counts, other misses"]

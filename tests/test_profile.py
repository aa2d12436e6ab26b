"""`make profile` (bench/profile.py): the rows it reads from cProfile, and a short run of it with the
trained model, the action server and Redis (every part named, shares that add up, every message
answered)."""

from __future__ import annotations

import cProfile
import json
import subprocess
import sys
from pathlib import Path

import pytest

from base.paths import MODEL, ROOT
from bench.profile_parts import Part, code_key, summarise

# Every part the issue asks the profile to name (issue 27), by row name.
NAMED = ("lock_store", "gate", "language", "tracker_store_read", "tracker_replay", "nlu_graph", "policies",
         "action_call", "nlg", "tracker_store_save", "event_broker", "other", "outside")  # fmt: skip


def components() -> list[str]:
    """Each pipeline component and policy of config.yml, as its row names it."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    names = [c["name"].rpartition(".")[2] + ".process" for c in config["pipeline"]]
    return names + [p["name"].rpartition(".")[2] + ".predict_action_probabilities" for p in config["policies"]]


def leaf(n: int) -> int:
    return sum(i * i for i in range(n))


def branch() -> int:
    return leaf(20_000) + leaf(20_000)


def elsewhere() -> int:
    return leaf(20_000)


def whole() -> int:
    return branch() + elsewhere()


def test_rows_are_read_from_the_profile() -> None:
    """A part called from one caller counts those calls only; a row's parts leave "the rest";
    the top-level rows, "other" and "outside" add up to the busy time."""
    profile = cProfile.Profile()
    profile.enable()
    whole()
    profile.disable()
    rows = [
        Part("branch", "branch", 0, code_key(branch)),
        Part("leaf_in_branch", "leaf in branch", 1, code_key(leaf), caller=code_key(branch)),
        Part("whole", "whole", -1, code_key(whole)),
    ]
    result = summarise(profile, rows, messages=1, cpu_ms=10.0)
    by_name = {row["name"]: row for row in result["rows"]}
    assert by_name["leaf_in_branch"]["calls_per_msg"] == 2  # not the call from elsewhere()
    assert by_name["leaf_in_branch"]["share"] <= by_name["branch"]["share"]
    assert "branch:rest" in by_name
    assert by_name["other"]["share"] > 0.2  # elsewhere(): in whole() but in no row
    top = sum(row["share"] for row in result["rows"] if row["level"] == 0)
    assert top == pytest.approx(1.0)
    assert sum(row["cpu_ms_per_msg"] for row in result["rows"] if row["level"] == 0) == pytest.approx(10.0)


def run_profile(out: Path, *options: str) -> dict:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    proc = subprocess.run([sys.executable, "-m", "bench.profile", "--out", str(out), *options], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "sum of the top-level rows" in proc.stdout
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.model
@pytest.mark.e2e
@pytest.mark.parametrize("options", [("--messages", "20"), ("--messages", "8", "--long", "30")], ids=["fresh", "long"])
def test_profile_names_every_part(tmp_path: Path, options: tuple[str, ...]) -> None:
    result = run_profile(tmp_path / "profile.json", *options)
    assert result["answered"] == result["sent"] == 2 * int(options[1])
    rows = {row["name"]: row for row in result["rows"]}
    assert set(NAMED) <= set(rows)
    labels = " ".join(row["label"] for row in result["rows"])
    assert all(component in labels for component in components()), labels
    for name in ("gate", "language", "tracker_store_read", "nlu_graph", "policies", "action_call", "nlg",
                 "tracker_store_save", "event_broker", "lock_store"):  # fmt: skip
        assert rows[name]["calls_per_msg"] > 0, name  # each ran for the measured messages
    top = sum(row["share"] for row in result["rows"] if row["level"] == 0)
    assert 0.95 <= top <= 1.005
    assert all(row["share"] >= -0.005 for row in result["rows"])  # a rest never below zero (but rounding)
    assert result["unprofiled"]["rasa_cpu_ms_per_msg"] > 0
    assert result["unprofiled"]["action_server_cpu_ms_per_msg"] > 0
    assert len(result["top_own_time"]) == 15

"""The facts file: loading, formatting, and every placeholder of domain.yml resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from actions.answers import load_knowledge
from actions.facts import Facts
from actions.jobcenters import JobcenterDirectory
from actions.lookup import RESPONSE_FIELDS

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = load_knowledge()
PLACEHOLDERS = KNOWLEDGE.facts.placeholders()
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))


def response_texts() -> list[tuple[str, str]]:
    return [(name, v["text"]) for name, variants in DOMAIN["responses"].items() for v in variants]


@pytest.mark.parametrize(("name", "text"), response_texts())
def test_every_placeholder_has_data(name: str, text: str) -> None:
    available = set(PLACEHOLDERS) | set(DOMAIN["slots"])
    if name.startswith(("utter_lookup_", "utter_land_")):
        available |= RESPONSE_FIELDS
    missing = set(re.findall(r"\{(\w+)\}", text)) - available
    assert not missing, f"{name} uses {missing}"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("municipal_jobcenters", "104"),
        ("jobcenters_total", "407"),
        ("joint_facilities", "303"),
        ("municipal_share", "ein Viertel"),
        ("people_cared_for", "1,5\xa0Mio."),
        ("integrations_per_year", "mehr als 250.000"),
        ("inhabitants_covered", "mehr als 22\xa0Mio."),
        ("erzgebirgskreis_municipal_since", "1. Januar 2012"),
        ("tag_der_kommunalen_jobcenter", "26. und 27. November 2018"),
        ("aktionswoche_video", "August 2019"),
        ("municipal_jobcenters_2026", "104"),
        ("joint_facilities_2026", "300"),
        ("jobcenters_total_2026", "404"),
        ("municipal_share_2026", "25,7 %"),
        ("municipal_jobcenters_2026_stand", "1. Januar 2026"),
        ("municipal_jobcenters_stand", "2018"),
    ],
)
def test_figures_are_formatted_in_german(key: str, expected: str) -> None:
    assert PLACEHOLDERS[key] == expected


def test_every_figure_names_stand_and_source() -> None:
    for key, fig in KNOWLEDGE.facts.figures.items():
        assert fig.stand and fig.source_title, key


def test_2026_counts_come_from_the_csv() -> None:
    directory = KNOWLEDGE.directory
    assert (directory.count(), directory.count("gE"), directory.count("zkT")) == (404, 300, 104)


def test_knowledge_copies_match_shared_ground_truth() -> None:
    shared = ROOT.parent / "shared" / "knowledge"
    if not shared.is_dir():
        pytest.skip("../shared/knowledge not present")
    for name in ("jobcenter_2026.csv", "zugelassene_kommunale_traeger.csv"):
        assert (ROOT / "actions" / "data" / name).read_bytes() == (shared / name).read_bytes(), name


def test_tiny_data_loads(tiny_data: Path) -> None:
    knowledge = load_knowledge(tiny_data)
    assert knowledge.facts.placeholders()["a"] == "1,5\xa0Mio."
    assert knowledge.facts.placeholders()["b"] == "1"
    assert knowledge.follow_ups.resolve("x", "und ypsilon?") == "y"
    assert knowledge.follow_ups.resolve(None, "und ypsilon?") is None


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("figures:\n  a: {value: 1, unit: count, stand: '2018', source: nowhere}\n", "unknown source"),
        ("sources:\n  s: {title: T}\nfigures:\n  a: {value: 1, unit: furlongs, stand: '1', source: s}\n", "unit"),
        ("sources:\n  s: {title: T}\nfigures:\n  a: {value: 1, unit: count, source: s}\n", "lacks"),
        ("sources:\n  s: {title: T}\nfigures: {}\n", "no figures"),
    ],
)
def test_bad_facts_fail_loudly(tiny_data: Path, bad: str, message: str) -> None:
    (tiny_data / "facts.yml").write_text(bad, encoding="utf-8")
    directory = JobcenterDirectory.load(tiny_data / "jobcenter_2026.csv")
    with pytest.raises(ValueError, match=message):
        Facts.load(tiny_data / "facts.yml", directory)


def test_missing_file_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_knowledge(tmp_path)


def test_bad_follow_up_rule_fails_loudly(tiny_data: Path) -> None:
    (tiny_data / "follow_ups.yml").write_text("rules:\n  - {match: 'a', answer: nope}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        load_knowledge(tiny_data)

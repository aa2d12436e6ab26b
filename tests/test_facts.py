"""The facts file: loading, formatting, and every placeholder of domain.yml resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import knowledge
from base.paths import DOMAIN, ROOT
from knowledge import DATA_DIR
from knowledge.directory import load_directory
from knowledge.facts import Facts
from knowledge.routing import LOOKUP_FIELDS

KNOWLEDGE = knowledge.load()
PLACEHOLDERS = KNOWLEDGE.placeholders
RESPONSES = {
    name: variants
    for path in sorted(DOMAIN.glob("*.yml"))
    for name, variants in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items()
}
SLOTS = yaml.safe_load((DOMAIN / "domain.yml").read_text(encoding="utf-8"))["slots"]


def response_texts() -> list[tuple[str, str]]:
    return [(name, v["text"]) for name, variants in RESPONSES.items() for v in variants]


@pytest.mark.parametrize(("name", "text"), response_texts())
def test_every_placeholder_has_data(name: str, text: str) -> None:
    available = set(PLACEHOLDERS) | set(SLOTS)
    if name.startswith(("utter_lookup_", "utter_land_")):
        available |= LOOKUP_FIELDS
    missing = set(re.findall(r"\{(\w+)\}", text)) - available
    assert not missing, f"{name} uses {missing}"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("municipal_jobcenters", "104"),
        ("jobcenters_total", "407"),
        ("joint_facilities", "303"),
        ("municipal_share", "ein Viertel"),
        ("people_cared_for", "1,5 Millionen"),
        ("integrations_per_year", "mehr als 250.000"),
        ("inhabitants_covered", "mehr als 22 Millionen"),
        ("erzgebirgskreis_municipal_since", "1. Januar 2012"),
        ("tag_der_kommunalen_jobcenter", "26. und 27. November 2018"),
        ("aktionswoche_video", "August 2019"),
        ("municipal_jobcenters_2026", "104"),
        ("joint_facilities_2026", "300"),
        ("jobcenters_total_2026", "404"),
        ("municipal_share_2026", "25,7\xa0%"),  # CLDR: a space that does not break
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
        assert (DATA_DIR / name).read_bytes() == (shared / name).read_bytes(), name


def load_tiny(root: Path) -> knowledge.Knowledge:
    return knowledge.load.__wrapped__(root / "data", root / "domain")


def test_tiny_data_loads(tiny_data: Path) -> None:
    kn = load_tiny(tiny_data)
    assert kn.placeholders["a"] == "1,5 Millionen"
    assert kn.placeholders["b"] == "1"
    assert kn.follow_ups.resolve("x", "und ypsilon?") == "y"
    assert kn.follow_ups.resolve(None, "und ypsilon?") is None
    assert kn.answers.questions == {"x": "Frage X?", "y": "Frage Y?"} and kn.answers.default == ["x"]
    assert kn.directory.home == "Musterkreis" and kn.directory.find("Musterkreis").jobcenters


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
    (tiny_data / "data" / "facts.yml").write_text(bad, encoding="utf-8")
    directory = load_directory(tiny_data / "data")
    with pytest.raises(ValueError, match=message):
        Facts.load(tiny_data / "data" / "facts.yml", directory)


def test_missing_file_fails_loudly(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        load_tiny(tmp_path)


def test_bad_follow_up_rule_fails_loudly(tiny_data: Path) -> None:
    (tiny_data / "data" / "follow_ups.yml").write_text("rules:\n  - {match: 'a', answer: nope}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown"):
        load_tiny(tiny_data)


def test_answer_without_its_button_question_fails_loudly(tiny_data: Path) -> None:
    (tiny_data / "domain" / "faq_demo.yml").write_text("responses:\n  utter_faq/x:\n    - text: X.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="metadata.question"):
        load_tiny(tiny_data)


def test_answer_keys_come_from_the_domain() -> None:
    faq_responses = {name.partition("/")[2] for name in RESPONSES if name.startswith("utter_faq/")}
    assert faq_responses == set(KNOWLEDGE.answers.questions)
    assert set(KNOWLEDGE.answers.topics.values()) == {
        "municipal",
        "background",
        "erzgebirgskreis",
        "figures",
        "campaign",
    }

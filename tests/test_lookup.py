"""The Jobcenter directory (knowledge/directory.py) and the lookup replies of the routing."""

from __future__ import annotations

import csv
from typing import Any

import pytest

import knowledge
from knowledge import DATA_DIR
from knowledge.routing import LOOKUP_TOPIC, route
from tests.conftest import nlu_result

KN = knowledge.load()
DIRECTORY = KN.directory


def ask(text: str, intent: str = "ask_jobcenter_form", last_key: str | None = None) -> dict[str, Any]:
    """The reply as the dispatcher would send it: response, values, buttons."""
    reply = route(nlu_result(text, intent), last_key, KN)
    return {"response": reply.response, **reply.values, "buttons": reply.buttons, "slots": reply.slots}


# ---- the data ----------------------------------------------------------------------------
def test_counts_of_the_2026_list() -> None:
    assert len(DIRECTORY.jobcenters) == 404
    assert sum(j.form == "gE" for j in DIRECTORY.jobcenters) == 300
    assert sum(j.form == "zkT" for j in DIRECTORY.jobcenters) == 104


def test_every_zkt_matches_exactly_one_admission_row() -> None:
    with (DATA_DIR / "zugelassene_kommunale_traeger.csv").open(encoding="utf-8") as fh:
        admissions = [row["name"] for row in csv.DictReader(fh)]
    matched = [j.admission_name for j in DIRECTORY.jobcenters if j.municipal]
    assert sorted(matched) == sorted(admissions)
    assert all(j.admission_name == "" for j in DIRECTORY.jobcenters if not j.municipal)


def generated_questions() -> list[tuple[str, str]]:
    return [(f"Ist das Jobcenter {j.display} kommunal?", j.traeger_nr) for j in DIRECTORY.jobcenters]


@pytest.mark.parametrize(("question", "traeger_nr"), generated_questions())
def test_a_question_for_each_of_the_404_names_finds_it(question: str, traeger_nr: str) -> None:
    found = DIRECTORY.find(question).jobcenters
    assert [j.traeger_nr for j in found] == [traeger_nr]


# ---- answers -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "response", "name"),
    [
        ("Ist der Landkreis Görlitz ein kommunales Jobcenter?", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("Ist der Kreis Görlitz kommunal?", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("ist lk görlitz kommunal", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("Ist Görlitz eine Optionskommune?", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("ist goerlitz kommunal", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("Ist Görliz kommunal?", "utter_lookup_municipal", "Landkreis Görlitz"),
        ("Ist das Jobcenter Dresden kommunal?", "utter_lookup_joint", "Stadt Dresden"),
        ("ist dresdn kommunal", "utter_lookup_joint", "Stadt Dresden"),
        ("Ist die Stadt Leipzig kommunal?", "utter_lookup_joint", "Stadt Leipzig"),
        ("Ist Leipzig Stadt kommunal?", "utter_lookup_joint", "Stadt Leipzig"),
        ("Ist der Landkreis Leipzig kommunal?", "utter_lookup_municipal", "Landkreis Leipzig"),
        ("Ist das Jobcenter Region Hannover kommunal?", "utter_lookup_joint", "Region Hannover"),
        ("Ist Hannover kommunal?", "utter_lookup_joint", "Region Hannover"),
        ("Ist das Jobcenter Berlin-Neukölln kommunal?", "utter_lookup_joint", "Berlin-Neukölln"),
        ("Ist Berlin Neukölln kommunal?", "utter_lookup_joint", "Berlin-Neukölln"),
        ("Ist das Jobcenter Berlin-Mitte kommunal?", "utter_lookup_joint", "Berlin-Mitte"),
        ("Ist Mülheim an der Ruhr kommunal?", "utter_lookup_municipal", "Stadt Mülheim a. d. Ruhr"),
        ("Ist Mülheim a. d. Ruhr kommunal?", "utter_lookup_municipal", "Stadt Mülheim a. d. Ruhr"),
        ("ist muelheim an der ruhr kommunal", "utter_lookup_municipal", "Stadt Mülheim a. d. Ruhr"),
        ("Ist der Erzgebirgskreis kommunal?", "utter_lookup_municipal_since", "Erzgebirgskreis"),
        ("Ist der Landkreis München kommunal?", "utter_lookup_municipal_since", "Landkreis München"),
        ("Ist die Landeshauptstadt München kommunal?", "utter_lookup_joint", "Landeshauptstadt München"),
        ("Ist die Stadt Jena kommunal?", "utter_lookup_municipal", "Stadt Jena"),
        ("Ist Jena kommunal?", "utter_lookup_municipal", "Stadt Jena"),
        ("Ist der Kreis Offenbach kommunal?", "utter_lookup_municipal_since", "Kreis Offenbach"),
        ("Ist Offenbach am Main kommunal?", "utter_lookup_municipal_since", "Stadt Offenbach am Main"),
        ("Ist das Jobcenter Hanau kommunal?", "utter_lookup_joint", "Stadt Hanau"),
        ("Ist der Main-Kinzig-Kreis kommunal?", "utter_lookup_municipal_since", "Main-Kinzig-Kreis"),
        ("Ist Hamburg kommunal?", "utter_lookup_joint", "Freie und Hansestadt Hamburg"),
        ("Ist St. Wendel kommunal?", "utter_lookup_municipal", "Landkreis St. Wendel"),
        ("Ist Sankt Wendel kommunal?", "utter_lookup_municipal", "Landkreis St. Wendel"),
        ("Ist der Landkreis Rotenburg (Wümme) kommunal?", "utter_lookup_municipal", "Landkreis Rotenburg (Wümme)"),
        ("Ist der Kreis Leer kommunal?", "utter_lookup_municipal", "Landkreis Leer"),
        ("Ist die Hansestadt Rostock kommunal?", "utter_lookup_joint", "Hansestadt Rostock"),
        ("Ist der Landkreis Fürth kommunal?", "utter_lookup_joint", "Landkreis Fürth"),
        ("Ist das Jobcenter Bautzen kommunal?", "utter_lookup_municipal", "Landkreis Bautzen"),
        ("Ist Vorpommern-Rügen kommunal?", "utter_lookup_municipal_since", "Landkreis Vorpommern-Rügen"),
        ("ist wuppertal optionskommune", "utter_lookup_municipal", "Stadt Wuppertal"),
    ],
)  # fmt: skip
def test_lookup_answer(question: str, response: str, name: str) -> None:
    message = ask(question)
    assert message["response"] == response
    assert message["name"] == name
    assert "EinglMV 2026" in message["source"] or "Eingliederungsmittel" in message["source"]
    assert message["stand"] == "1. Januar 2026"


def test_municipal_answer_gives_land_and_sourced_year() -> None:
    message = ask("Ist der Erzgebirgskreis kommunal?")
    assert (message["land"], message["year"]) == ("Sachsen", "2012")
    message = ask("Ist der Landkreis Görlitz kommunal?")
    assert message["land"] == "Sachsen" and "year" not in message  # no source gives the year: none is said


def test_joint_facility_names_its_partners() -> None:
    assert (ask("Ist Dresden kommunal?"))["partner"] == "der Stadt"
    assert (ask("Ist Mittelsachsen kommunal?"))["partner"] == "dem Landkreis"


def test_hanau_gets_its_2026_note() -> None:
    assert "Main-Kinzig-Kreis" in (ask("Ist Hanau kommunal?"))["note"]


def test_berlin_has_twelve_joint_facilities() -> None:
    message = ask("Ist das Jobcenter Berlin kommunal?")
    assert message["response"] == "utter_lookup_berlin"
    assert message["count"] == "12"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Leipzig", {"Landkreis Leipzig", "Stadt Leipzig"}),
        ("Kassel", {"Landkreis Kassel", "Stadt Kassel"}),
        ("Offenbach", {"Kreis Offenbach", "Stadt Offenbach am Main"}),
        ("Osnabrück", {"Landkreis Osnabrück", "Stadt Osnabrück"}),
        ("Oldenburg", {"Landkreis Oldenburg", "Stadt Oldenburg (Oldenburg)"}),
        ("Fürth", {"Landkreis Fürth", "Stadt Fürth"}),
        ("München", {"Landkreis München", "Landeshauptstadt München"}),
        ("Karlsruhe", {"Landkreis Karlsruhe", "Stadt Karlsruhe"}),
        ("Rostock", {"Landkreis Rostock", "Hansestadt Rostock"}),
        ("Heilbronn", {"Landkreis Heilbronn", "Stadt Heilbronn"}),
        ("Würzburg", {"Landkreis Würzburg", "Stadt Würzburg"}),
        ("Frankfurt", {"Stadt Frankfurt (Oder)", "Stadt Frankfurt am Main"}),
    ],
)
def test_ambiguous_name_asks_back_and_the_button_completes_it(name: str, expected: set[str]) -> None:
    message = ask(f"Ist {name} kommunal?")
    assert message["response"] == "utter_lookup_ambiguous"
    assert {b["title"] for b in message["buttons"]} == expected
    for button in message["buttons"]:
        answer = ask(button["payload"])
        assert answer["name"] == button["title"]


@pytest.mark.parametrize(
    "question",
    ["Ist das Jobcenter Annaberg-Buchholz kommunal?", "Ist Bielefeld-Mitte kommunal?", "Ist mein Jobcenter kommunal?",
     "Ist das Jobcenter Musterhausen kommunal?", "Ist Aue kommunal?"],
)  # fmt: skip
def test_unknown_names_are_not_guessed(question: str) -> None:
    assert (ask(question))["response"] == "utter_lookup_unknown"


@pytest.mark.parametrize(
    "question",
    [
        "Hartz IV und Minijob - geht das?",  # issue 26: was "Ja. Landkreis Harz ist ein kommunales Jobcenter"
        "Hartz 4 Antrag abgelehnt, was nun?",
        "Ist Harz 4 das gleiche wie Bürgergeld?",
        "Wieviel zahlt das Jobcenter für Strom?",
        "Zahlt das Jobcenter die Miete für meine Wohnung?",
        "Ist Harz kommunal?",  # a generic word alone: no Jobcenter without a cue
        "Muss ich dem Jobcenter Änderungen mitteilen?",
        "Kann mir das Jobcenter einen Minijob vermitteln?",
    ],
)
def test_everyday_words_never_become_a_jobcenter_name(question: str) -> None:
    assert DIRECTORY.find(question).jobcenters == []


@pytest.mark.parametrize(
    ("question", "name"),
    [
        ("Ist das Jobcenter Harz kommunal?", "Landkreis Harz"),  # a cue makes the generic word a name
        ("Ist der Landkreis Harz kommunal?", "Landkreis Harz"),
        ("Ist Görliz kommunal?", "Landkreis Görlitz"),  # a typo with a form word after it
        ("Ist das Jobcenter in Bautzn kommunal?", "Landkreis Bautzen"),  # a typo after a cue
        ("Ist das Jobcenter Erzgebirge kommunal?", "Erzgebirgskreis"),
        ("З якого часу джобцентр Ерцгебірге комунальний?", "Erzgebirgskreis"),  # the home Jobcenter in every script
        ("С какого времени Jobcenter в Рудных горах муниципальный?", "Erzgebirgskreis"),
        ("هل جوب سنتر إرتسغيبيرغ بلدي؟", "Erzgebirgskreis"),
        ("Erzgebirge ilçesi Jobcenter belediyeye mi bağlı?", "Erzgebirgskreis"),
    ],
)
def test_names_with_evidence_are_found(question: str, name: str) -> None:
    assert [j.display for j in DIRECTORY.find(question).jobcenters] == [name]


def test_a_typo_without_a_cue_is_not_guessed() -> None:
    """A typed name needs evidence of being meant as a place (issue 26): "Görliz" alone in a
    sentence about something else is no Jobcenter."""
    assert DIRECTORY.find("Görliz hat schöne Häuser").jobcenters == []


@pytest.mark.parametrize(
    ("question", "land", "count"),
    [
        ("Welche kommunalen Jobcenter gibt es in Sachsen?", "Sachsen", "5"),
        ("Wie viele kommunale Jobcenter gibt es in Hessen?", "Hessen", "16"),
        ("kommunale jobcenter in nrw", "Nordrhein-Westfalen", "18"),
        ("Welche Optionskommunen gibt es in Baden-Wuerttemberg?", "Baden-Württemberg", "11"),
    ],
)
def test_municipal_jobcenters_per_land(question: str, land: str, count: str) -> None:
    message = ask(question, intent="ask_municipal_by_land")
    assert (message["response"], message["land"], message["count"]) == ("utter_land_municipal", land, count)
    expected = [j.display for j in DIRECTORY.jobcenters if j.municipal and j.bundesland == land]
    assert sorted(message["names"].split(", ")) == sorted(expected)


def test_saxony_lists_its_five() -> None:
    message = ask("Welche kommunalen Jobcenter gibt es in Sachsen?", intent="ask_municipal_by_land")
    for name in ("Erzgebirgskreis", "Landkreis Bautzen", "Landkreis Görlitz", "Landkreis Leipzig", "Landkreis Meißen"):
        assert name in message["names"]


def test_land_without_municipal_jobcenter() -> None:
    message = ask("Gibt es in Berlin kommunale Jobcenter?", intent="ask_municipal_by_land")
    assert message["response"] == "utter_land_none"


def test_per_land_counts_add_up_to_104() -> None:
    laender = {j.bundesland for j in DIRECTORY.jobcenters if j.municipal}
    assert sum(len(DIRECTORY.municipal_in(land)) for land in laender) == 104


@pytest.mark.parametrize(
    ("topic", "text", "response", "name"),
    [
        (LOOKUP_TOPIC, "Und Bautzen?", "utter_lookup_municipal", "Landkreis Bautzen"),
        (LOOKUP_TOPIC, "und die Stadt Dresden?", "utter_lookup_joint", "Stadt Dresden"),
        ("municipal_by_land", "Und Meißen?", "utter_lookup_municipal", "Landkreis Meißen"),
    ],
)
def test_follow_up_looks_up_the_next_name(topic: str, text: str, response: str, name: str) -> None:
    message = ask(text, "follow_up", last_key=topic)
    assert (message["response"], message["name"]) == (response, name)
    assert message["slots"] == {"topic": LOOKUP_TOPIC}


def test_follow_up_with_a_land_after_a_count() -> None:
    message = ask("Und in Sachsen?", "follow_up", last_key="count_municipal_jobcenters")
    assert (message["response"], message["count"]) == ("utter_land_municipal", "5")


@pytest.mark.parametrize("code", sorted(KN.translations))
def test_every_translated_land_name_is_recognised(code: str) -> None:
    """The Länder as the answers name them (translations/<code>.yml ``lands``) are understood in a
    question too: knowledge/data/jobcenter_names.yml ``bundeslaender`` keeps them in step."""
    import re

    lands = KN.translations[code].lands
    assert not lands or set(lands) == set(DIRECTORY.laender.values())
    wrong = {de: native for de, native in lands.items() if DIRECTORY.find_land(re.sub(r"\(.*?\)", "", native)) != de}
    assert wrong == {}

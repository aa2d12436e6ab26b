"""The routing (knowledge/routing.py) as one table: what the NLU understood + the last answer ->
the reply. No servers, no model: ``nlu_result`` builds the NLU result, with the names found as
nlp/names.py finds them."""

from __future__ import annotations

import pytest

import knowledge
from knowledge.routing import LAND_TOPIC, LOOKUP_TOPIC, Parse, Reply, route
from knowledge.thresholds import ANSWER_THRESHOLD, INTENT_THRESHOLD, THEME_THRESHOLD
from tests.conftest import nlu_result

KN = knowledge.load()
QUESTIONS = KN.answers.questions
DEFAULT = [QUESTIONS[k] for k in KN.answers.default]


def reply(parse: Parse, last_key: str | None = None) -> Reply:
    return route(parse, last_key, KN)


# (what the NLU understood, last answer key) -> (response, slot "topic" afterwards or None)
CASES = [
    # FAQ answers with their figures
    (nlu_result("Wie viele kommunale Jobcenter gibt es?", "faq", "count_municipal_jobcenters"), None,
     "utter_faq/count_municipal_jobcenters", "count_municipal_jobcenters"),
    (nlu_result("Seit wann ist der Erzgebirgskreis kommunal?", "faq", "erzgebirgskreis_since"), None,
     "utter_faq/erzgebirgskreis_since", "erzgebirgskreis_since"),
    (nlu_result("Was ist ein kommunales Jobcenter?", "faq", "what_is_municipal_jobcenter"), None,
     "utter_faq/what_is_municipal_jobcenter", "what_is_municipal_jobcenter"),
    # a FAQ about one Land or one other Jobcenter becomes a lookup
    (nlu_result("Wie viele kommunale Jobcenter gibt es in Hessen?", "faq", "count_municipal_jobcenters"), None,
     "utter_land_municipal", LAND_TOPIC),
    (nlu_result("Seit wann ist der Landkreis Görlitz kommunal?", "faq", "erzgebirgskreis_since"), None,
     "utter_lookup_municipal", LOOKUP_TOPIC),
    # a name in "Osterzgebirge" made the classifier think of the Erzgebirgskreis (load test)
    (nlu_result("Ist das Jobcenter Landkreis Sächsische Schweiz-Osterzgebirge kommunal?", "faq",
                "erzgebirgskreis_since"), None, "utter_lookup_joint", LOOKUP_TOPIC),
    (nlu_result("Wie viele Einwohner hat Sachsen?", "faq", "count_municipal_jobcenters"), None, "utter_suggest", None),
    # unsure answer key: a lookup if a Jobcenter is named, else suggestions
    (nlu_result("Görlitz?", "faq", "partners", ANSWER_THRESHOLD - 0.1), None, "utter_lookup_municipal", LOOKUP_TOPIC),
    (nlu_result("gemeinsam?", "faq", "count_joint_facilities", ANSWER_THRESHOLD - 0.1), None, "utter_suggest", None),
    # follow-ups from the last answer
    (nlu_result("Und gemeinsame Einrichtungen?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/count_joint_facilities", "count_joint_facilities"),
    (nlu_result("Und insgesamt?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/count_jobcenters_total", "count_jobcenters_total"),
    # ... in the other languages (issue 16)
    (nlu_result("And in total?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/count_jobcenters_total", "count_jobcenters_total"),
    (nlu_result("А спільні установи?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/count_joint_facilities", "count_joint_facilities"),
    (nlu_result("Peki oranı?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/municipal_share", "municipal_share"),
    (nlu_result("Кто это начал?", "follow_up"), "campaign", "utter_faq/campaign_initiators", "campaign_initiators"),
    (nlu_result("منذ متى؟", "follow_up"), "erzgebirgskreis_formed_from",
     "utter_faq/erzgebirgskreis_since", "erzgebirgskreis_since"),
    (nlu_result("und die kommunalen?", "follow_up"), "count_joint_facilities",
     "utter_faq/count_municipal_jobcenters", "count_municipal_jobcenters"),
    (nlu_result("Und wie viele Einwohner?", "follow_up"), "people_cared_for",
     "utter_faq/inhabitants_covered", "inhabitants_covered"),
    (nlu_result("Und pro Jahr?", "follow_up"), "inhabitants_covered",
     "utter_faq/integrations_per_year", "integrations_per_year"),
    (nlu_result("Woher stammt die Zahl?", "follow_up"), "count_municipal_jobcenters",
     "utter_faq/count_municipal_jobcenters", "count_municipal_jobcenters"),
    (nlu_result("Wer hat sie gestartet?", "follow_up"), "campaign",
     "utter_faq/campaign_initiators", "campaign_initiators"),
    (nlu_result("Wann war das?", "follow_up"), "campaign",
     "utter_faq/tag_der_kommunalen_jobcenter", "tag_der_kommunalen_jobcenter"),
    (nlu_result("Und wo?", "follow_up"), "campaign_initiators",
     "utter_faq/tag_der_kommunalen_jobcenter", "tag_der_kommunalen_jobcenter"),
    (nlu_result("Seit wann?", "follow_up"), "erzgebirgskreis_formed_from",
     "utter_faq/erzgebirgskreis_since", "erzgebirgskreis_since"),
    (nlu_result("Seit wann denn?", "follow_up"), "holistic_support",
     "utter_faq/erzgebirgskreis_since", "erzgebirgskreis_since"),
    (nlu_result("Welche waren das?", "follow_up"), "erzgebirgskreis_since",
     "utter_faq/erzgebirgskreis_formed_from", "erzgebirgskreis_formed_from"),
    (nlu_result("Und die gemeinsame Einrichtung?", "follow_up"), "what_is_municipal_jobcenter",
     "utter_faq/what_is_joint_facility", "what_is_joint_facility"),
    (nlu_result("Und was ist der Unterschied?", "follow_up"), "what_is_joint_facility",
     "utter_faq/difference_joint_facility", "difference_joint_facility"),
    (nlu_result("Und die gemeinsamen Einrichtungen?", "follow_up"), None,
     "utter_faq/what_is_joint_facility", "what_is_joint_facility"),
    (nlu_result("Und Bautzen?", "follow_up"), LOOKUP_TOPIC, "utter_lookup_municipal", LOOKUP_TOPIC),
    (nlu_result("und die Stadt Dresden?", "follow_up"), LOOKUP_TOPIC, "utter_lookup_joint", LOOKUP_TOPIC),
    (nlu_result("Und Meißen?", "follow_up"), LAND_TOPIC, "utter_lookup_municipal", LOOKUP_TOPIC),
    (nlu_result("Und in Sachsen?", "follow_up"), "count_municipal_jobcenters", "utter_land_municipal", LAND_TOPIC),
    (nlu_result("Und in Bayern?", "follow_up"), LAND_TOPIC, "utter_land_municipal", LAND_TOPIC),
    (nlu_result("Und seit wann ist der Erzgebirgskreis eins?", "follow_up"), "what_is_municipal_jobcenter",
     "utter_faq/erzgebirgskreis_since", "erzgebirgskreis_since"),
    (nlu_result("Und wie viele sind es heute?", "follow_up"), "what_is_municipal_jobcenter",
     "utter_faq/count_municipal_jobcenters", "count_municipal_jobcenters"),
    (nlu_result("Und wie viele sind es heute?", "follow_up"), "option_model_history",
     "utter_faq/count_municipal_jobcenters", "count_municipal_jobcenters"),
    (nlu_result("Und wie viele gibt es?", "follow_up"), "what_is_jobcenter",
     "utter_faq/count_jobcenters_total", "count_jobcenters_total"),
    (nlu_result("Und wer kontrolliert sie?", "follow_up"), "what_is_municipal_jobcenter",
     "utter_faq/supervision", "supervision"),
    (nlu_result("Und was ändert sich für die Kunden?", "follow_up"), "option_model_history",
     "utter_faq/changes_for_customers", "changes_for_customers"),
    (nlu_result("Und das Dings?", "follow_up"), None, "utter_follow_up_unclear", None),
    (nlu_result("Und das Dings?", "follow_up"), "campaign", "utter_follow_up_unclear", None),
    # lookups
    (nlu_result("Ist Bautzen kommunal?", "ask_jobcenter_form"), None, "utter_lookup_municipal", LOOKUP_TOPIC),
    (nlu_result("Ist Leipzig kommunal?", "ask_jobcenter_form"), None, "utter_lookup_ambiguous", LOOKUP_TOPIC),
    (nlu_result("Ist mein Jobcenter kommunal?", "ask_jobcenter_form"), None, "utter_lookup_unknown", LOOKUP_TOPIC),
    (nlu_result("Welche kommunalen Jobcenter gibt es in Sachsen?", "ask_municipal_by_land"), None,
     "utter_land_municipal", LAND_TOPIC),
    (nlu_result("Gibt es in Berlin kommunale Jobcenter?", "ask_municipal_by_land"), None,
     "utter_land_none", LAND_TOPIC),
    (nlu_result("Welche kommunalen Jobcenter gibt es?", "ask_municipal_by_land"), None, "utter_land_unknown", None),
    # fixed responses; the slot stays as it is
    (nlu_result("Guten Tag", "greet"), None, "utter_greet", None),
    (nlu_result("Tschüss", "goodbye"), "campaign", "utter_goodbye", None),
    (nlu_result("Danke", "thank"), None, "utter_thank", None),
    (nlu_result("Bist du ein Bot?", "bot_challenge"), None, "utter_bot_challenge", None),
    (nlu_result("Was kannst du?", "capabilities"), None, "utter_capabilities", None),
    # out of scope: the signposting answer of a sure theme, else "cannot answer"
    (nlu_result("Wie wird das Wetter?", "out_of_scope", "general_knowledge"), None,
     "utter_out_of_scope/general_knowledge", None),
    (nlu_result("Wo ist mein Antrag?", "out_of_scope", "application_status"), None,
     "utter_out_of_scope/application_status", None),
    (nlu_result("Wie hoch ist die Miete, die das Jobcenter übernimmt?", "out_of_scope", "housing"), "campaign",
     "utter_out_of_scope/housing", None),
    (nlu_result("Wie viel Geld?", "out_of_scope", "benefits", THEME_THRESHOLD - 0.1), None,
     "utter_cannot_answer", None),
    (nlu_result("Wie viel Geld?", "out_of_scope"), None, "utter_cannot_answer", None),
    # a FAQ answer only for a question with the answer's words (data/answer_terms.yml)
    (nlu_result("Was ist ein Minijob?", "faq", "what_is_municipal_jobcenter"), None, "utter_suggest", None),
    (nlu_result("Wie viele Einwohner hat Berlin?", "faq", "inhabitants_covered"), None, "utter_suggest", None),
]  # fmt: skip


@pytest.mark.parametrize(("parse", "last_key", "response", "topic"), CASES, ids=[c[0].text for c in CASES])
def test_route(parse: Parse, last_key: str | None, response: str, topic: str | None) -> None:
    got = reply(parse, last_key)
    assert got.response == response
    assert got.slots == ({"topic": topic} if topic else {})


@pytest.mark.parametrize(
    ("key", "values"),
    [
        ("count_municipal_jobcenters", {"municipal_jobcenters": "104", "municipal_jobcenters_2026": "104"}),
        ("count_jobcenters_total", {"jobcenters_total_2026": "404"}),
        ("count_joint_facilities", {"joint_facilities": "303"}),
        ("municipal_share", {"municipal_share": "ein Viertel"}),
        ("people_cared_for", {"people_cared_for": "1,5 Millionen"}),
        ("erzgebirgskreis_since", {"erzgebirgskreis_municipal_since": "1. Januar 2012"}),
    ],
)
def test_faq_answer_carries_its_figures(key: str, values: dict[str, str]) -> None:
    got = reply(nlu_result(QUESTIONS[key], "faq", key))
    assert {name: got.values[name] for name in values} == values


def test_unsure_answer_key_offers_the_ranked_questions() -> None:
    ranking = ["count_joint_facilities", "what_is_joint_facility", "difference_joint_facility", "partners"]
    got = reply(nlu_result("gemeinsam?", "faq", ranking[0], ANSWER_THRESHOLD - 0.2, ranking=ranking))
    assert [b["payload"] for b in got.buttons] == [QUESTIONS[k] for k in ranking[:3]]


def test_unsure_intent_offers_the_faq_questions_it_considered() -> None:
    parse = Parse("kampagne wer", "faq", INTENT_THRESHOLD - 0.1, [("faq", 0.4), ("greet", 0.3)],
                  [("campaign_initiators", 0.5), ("campaign", 0.3)])  # fmt: skip
    got = reply(parse)
    assert got.response == "utter_suggest"
    assert [b["title"] for b in got.buttons] == [QUESTIONS["campaign_initiators"], QUESTIONS["campaign"]]


def test_ambiguous_intent_is_not_answered() -> None:
    parse = Parse("Jobcenter Sachsen", "ask_municipal_by_land", 0.52, [("ask_municipal_by_land", 0.52), ("faq", 0.45)],
                  [("count_municipal_jobcenters", 0.9)], land="Sachsen")  # fmt: skip
    assert reply(parse).response == "utter_suggest"


def test_unsure_without_faq_offers_the_default_questions() -> None:
    parse = Parse("xyz", "out_of_scope", 0.3, [("out_of_scope", 0.3), ("greet", 0.2), ("faq", 0.1)])
    got = reply(parse)
    assert got.response == "utter_suggest_topics"
    assert [b["payload"] for b in got.buttons] == DEFAULT


def test_unclear_follow_up_offers_three_questions() -> None:
    assert len(reply(nlu_result("Und das Dings?", "follow_up")).buttons) == 3


def test_a_typo_in_a_name_does_not_turn_a_faq_into_a_lookup() -> None:
    parse = nlu_result("Seit wann ist der Landkreis Görliz kommunal?", "faq", "erzgebirgskreis_since")
    assert not parse.jobcenter_exact
    assert reply(parse).response == "utter_faq/erzgebirgskreis_since"


def test_a_question_without_the_answers_words_offers_that_answer_first() -> None:
    got = reply(nlu_result("Seit wann ist Görliz kommunal?", "faq", "erzgebirgskreis_since"))
    assert got.response == "utter_suggest"
    assert got.buttons[0]["payload"] == QUESTIONS["erzgebirgskreis_since"]


def test_signposting_answers_fill_their_addresses() -> None:
    got = reply(nlu_result("Wann kommt mein Geld?", "out_of_scope", "payment"))
    assert got.response == "utter_out_of_scope/payment"
    assert got.values["buergergeld_information_url"].startswith("https://www.arbeitsagentur.de/")


def test_parse_from_rasa() -> None:
    data = {
        "text": "Ist Bautzen kommunal?",
        "intent": {"name": "ask_jobcenter_form", "confidence": 0.8},
        "intent_ranking": [{"name": "ask_jobcenter_form", "confidence": 0.8}, {"name": "faq", "confidence": 0.1}],
        "entities": [{"entity": "jobcenter", "value": "bautzen", "confidence_entity": 1.0},
                     {"entity": "bundesland", "value": "Sachsen"}],
        "response_selector": {"faq": {"response": {"intent_response_key": "faq/partners", "confidence": 0.3},
                                      "ranking": [{"intent_response_key": "faq/partners", "confidence": 0.2},
                                                  {"intent_response_key": "faq/campaign", "confidence": 0.1}]}},
    }  # fmt: skip
    parse = Parse.from_nlu(data)
    assert (parse.intent, parse.confidence, parse.jobcenter, parse.jobcenter_exact, parse.land) == (
        "ask_jobcenter_form", 0.8, "bautzen", True, "Sachsen")  # fmt: skip
    assert parse.answer_ranking == [("partners", 0.3), ("campaign", 0.1)]
    assert parse.intent_ranking == [("ask_jobcenter_form", 0.8), ("faq", 0.1)]
    assert Parse.from_nlu({"text": "/greet", "intent": {"name": "greet", "confidence": 1.0}}).intent == "greet"


@pytest.mark.parametrize(
    ("text", "key"),
    [  # issue 26: a sure FAQ answer to a citizen's own case was a neighbouring general answer
        ("Muss ich dem Jobcenter Änderungen mitteilen?", "changes_for_customers"),
        ("Wieviel zahlt das Jobcenter für Strom?", "count_jobcenters_total"),
        ("Kann mir das Jobcenter einen Minijob vermitteln?", "jobcenter_vs_employment_agency"),
    ],
)
def test_a_citizens_own_case_gets_the_signposting_not_a_neighbouring_answer(text: str, key: str) -> None:
    reply = route(nlu_result(text, "faq", key), None, KN)
    assert reply.response == "utter_out_of_scope/personal_case"

"""The translations (translations/<code>.yml, issue 16): complete, same placeholders and buttons as
the German responses, Leichte Sprache in short sentences, figures per locale."""

from __future__ import annotations

import pytest
import yaml

import knowledge
from base.languages import SUPPORTED
from base.paths import DOMAIN
from base.paths import TRANSLATIONS as TRANSLATIONS_DIR
from evaluation.readability import MAX_AVERAGE_WORDS, average_words
from knowledge.translations import PLACEHOLDER, load_translations, placeholder_names

GERMAN = {
    name: variations[0]
    for path in sorted(DOMAIN.glob("*.yml"))
    for name, variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items()
}
TRANSLATIONS = load_translations()
OTHER = [code for code in SUPPORTED if code != "de"]
KN = knowledge.load()


def test_every_language_but_german_has_a_translation_file() -> None:
    assert sorted(TRANSLATIONS) == sorted(OTHER)
    assert {p.stem for p in TRANSLATIONS_DIR.glob("*.yml")} == set(OTHER)


@pytest.mark.parametrize("code", OTHER)
def test_every_response_is_translated_with_the_same_placeholders_and_buttons(code: str) -> None:
    translation = TRANSLATIONS[code]
    assert set(translation.responses) == set(GERMAN), code
    for name, german in GERMAN.items():
        spec = translation.responses[name]
        assert placeholder_names(spec["text"]) == placeholder_names(german["text"]), (code, name)
        assert len(spec.get("buttons") or []) == len(german.get("buttons") or []), (code, name)
        if name.startswith("utter_faq/"):
            assert spec.get("question"), (code, name)
    assert set(translation.partner) == {"landkreis", "stadt", "region", "bezirk"}, code
    assert "{name}" in translation.lookup_question, code
    assert set(translation.notes) == {j.name for j in KN.directory.jobcenters if j.note}, code


@pytest.mark.parametrize("code", OTHER)
def test_figures_and_dates_are_written_for_the_language(code: str) -> None:
    values = KN.placeholders_in(code)
    assert set(values) == set(KN.placeholders)
    if code not in ("de", "de-x-ls"):
        assert values["erzgebirgskreis_municipal_since"] != KN.placeholders["erzgebirgskreis_municipal_since"]
        assert values["municipal_share"] != "ein Viertel"


def test_turkish_puts_the_percent_sign_first() -> None:
    """Issue 26: "25,7 %" is German; Turkish writes "%25,7" (the locale's own CLDR pattern)."""
    assert KN.placeholders_in("tr")["municipal_share_2026"] == "%25,7"
    assert KN.placeholders_in("en")["municipal_share_2026"] == "25.7%"


def test_english_figures() -> None:
    values = KN.placeholders_in("en")
    assert values["erzgebirgskreis_municipal_since"] == "1 January 2012"
    assert values["people_cared_for"] == "1.5 million"


def test_leichte_sprache_has_short_sentences() -> None:
    """Netzwerk Leichte Sprache: one statement per sentence; issue 16: at most 10 words per
    sentence on average (the figures and names filled in)."""
    values = {**KN.placeholders_in("de-x-ls"), "official_website": "https://www.erzgebirgskreis.de"}
    filled = [
        PLACEHOLDER.sub(lambda m: values.get(m.group(1), "Name"), spec["text"])
        for spec in TRANSLATIONS["de-x-ls"].responses.values()
    ]
    average = average_words(filled)
    print(f"\nLeichte Sprache: {average:.1f} words per sentence on average")
    assert average <= MAX_AVERAGE_WORDS


def test_the_routing_fills_in_the_conversations_language() -> None:
    """Buttons, figures, dates and the words of a lookup answer in the conversation's language."""
    from knowledge.routing import route
    from tests.conftest import nlu_result

    uk = KN.translation("uk")
    assert uk
    suggestions = route(nlu_result("щось", "greet", "x", ranking=[]), None, KN, "uk")  # fixed response
    assert suggestions.response == "utter_greet"
    unsure = route(nlu_result("???", "faq", "partners", 0.1, ranking=["contact"]), None, KN, "uk")
    assert [b["title"] for b in unsure.buttons] == [uk.question("utter_faq/partners"), uk.question("utter_faq/contact")]
    assert all(b["payload"] == b["title"] for b in unsure.buttons)  # the button sends the Ukrainian question
    since = route(
        nlu_result("Seit wann ist der Erzgebirgskreis kommunal?", "faq", "erzgebirgskreis_since"), None, KN, "ru"
    )
    assert since.values["erzgebirgskreis_municipal_since"] == "1 января 2012 года"  # Babel, ru_RU, its date_format
    joint = route(nlu_result("Ist das Jobcenter Dresden kommunal?", "ask_jobcenter_form"), None, KN, "tr")
    assert joint.response == "utter_lookup_joint" and joint.values["partner"] == "şehir"
    ambiguous = route(nlu_result("Ist das Jobcenter Leipzig kommunal?", "ask_jobcenter_form"), None, KN, "en")
    assert {b["payload"] for b in ambiguous.buttons} == {
        "Is the Jobcenter Landkreis Leipzig municipal?",
        "Is the Jobcenter Stadt Leipzig municipal?",
    }


def test_the_widgets_texts_cover_every_language_with_the_same_keys() -> None:
    """web/public/static/widget-texts.json: the widget's own texts (issue 16), every language with
    every text and the same {placeholders}, the menu's names those of knowledge/data/languages.yml."""
    import json

    from base.paths import ROOT
    from pipeline.language import names

    data = json.loads((ROOT / "web" / "public" / "static" / "widget-texts.json").read_text(encoding="utf-8"))
    assert dict(data["languages"]) == names()
    # the right-to-left languages: Arabic, and any language added with its script (add-language)
    assert set(data["texts"]) == set(SUPPORTED) and "ar" in data["rtl"] and set(data["rtl"]) <= set(SUPPORTED)
    german = data["texts"]["de"]
    for code, texts in data["texts"].items():
        assert set(texts) == set(german), code
        for key, text in texts.items():
            assert placeholder_names(text) == placeholder_names(german[key]), (code, key)


def test_arabic_addresses_the_reader_in_one_form() -> None:
    """Issue 26: the way of addressing the reader switched between singular and plural. The answers
    and the widget's own texts use the plural of respect (سؤالكم، تجدون), never the singular."""
    import json
    import re

    from base.paths import ROOT

    widget = json.loads((ROOT / "web/public/static/widget-texts.json").read_text(encoding="utf-8"))["texts"]["ar"]
    singular = re.compile(r"(سؤالك|رأيك|لديك|يمكنك|تريد|لا تكتب|اكتب|أنت)(?![\u0621-\u064a])")
    texts = [str(t) for t in widget.values()] + [s["text"] for s in TRANSLATIONS["ar"].responses.values()]
    assert [t for t in texts if singular.search(t)] == []

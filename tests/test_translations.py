"""The translations (translations/<code>.yml, issue 16): complete, same placeholders and buttons as
the German responses, Leichte Sprache in short sentences, figures per locale."""

from __future__ import annotations

import pytest
import yaml

import knowledge
from knowledge.language import SUPPORTED
from knowledge.translations import PLACEHOLDER, load_translations
from runtime.paths import DOMAIN
from runtime.paths import TRANSLATIONS as TRANSLATIONS_DIR
from tests.readability import MAX_AVERAGE_WORDS, average_words

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
        assert set(PLACEHOLDER.findall(spec["text"])) == set(PLACEHOLDER.findall(german["text"])), (code, name)
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


def test_english_figures() -> None:
    values = KN.placeholders_in("en")
    assert values["erzgebirgskreis_municipal_since"] == "1 January 2012"
    assert values["people_cared_for"] == "1.5M"


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

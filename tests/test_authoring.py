"""Adding a FAQ and adding a language (authoring/, issue 25): the scaffolds touch every place, the
checker reports exactly the places still to write, nothing on today's data, and a forgotten place."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from authoring.__main__ import main
from authoring.check import Missing, check
from authoring.faq import add_faq
from authoring.language import add_language
from base.languages import SUPPORTED, read_locales
from base.paths import ROOT

OTHER = [code for code in SUPPORTED if code != "de"]
KEY, TOPIC, QUESTION = "campaign_posters", "campaign", "Gibt es Plakate zur Kampagne Stark. Sozial. Vor Ort.?"
FAQ_FILES = {
    "domain/faq_campaign.yml",
    "data/nlu/faq_campaign.yml",
    "tests/data/nlu_holdout.yml",
    "knowledge/data/answer_terms.yml",
    *[f"translations/{code}.yml" for code in OTHER],
    *[f"data/nlu/lang_{code}.yml" for code in OTHER],
}
LANGUAGE_FILES = {
    "knowledge/data/languages.yml",
    "translations/fr.yml",
    "data/nlu/lang_fr.yml",
    "tests/data/holdout/fr.yml",
    "knowledge/data/answer_terms.yml",
    "web/public/static/widget-texts.json",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of the repository's data (and the two code files add-language points to)."""
    for folder in ("domain", "data", "translations", "knowledge/data", "tests/data"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    for name in ("web/public/static/widget-texts.json", "pipeline/language.py", "pipeline/pii_patterns.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def lines(missing: list[Missing]) -> str:
    return "\n".join(m.line() for m in missing)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_todays_data_lacks_nothing() -> None:
    assert lines(check(ROOT)) == ""


def test_the_command_exits_0_on_todays_data() -> None:
    proc = subprocess.run([sys.executable, "-m", "authoring", "check"], cwd=ROOT, capture_output=True, text=True)
    assert (proc.returncode, proc.stdout.strip()) == (0, "nothing missing"), proc.stderr


def test_add_faq_scaffolds_16_files_and_the_check_reports_exactly_them(repo: Path) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    message = add_faq(TOPIC, KEY, QUESTION, repo)
    changed = {str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and p.read_bytes() != before.get(p)}
    assert changed == FAQ_FILES and "in 16 files" in message
    missing = check(repo)
    assert {m.subject for m in missing} == {f"faq/{KEY}"}, lines(missing)
    assert {m.where for m in missing} == FAQ_FILES, lines(missing)
    # the answer and the answer words, a held-out question, German examples; per language text,
    # button question and examples
    assert len(missing) == 4 + 3 * len(OTHER), lines(missing)
    assert main(["--root", str(repo), "check"]) == 1


def test_once_the_editor_fills_every_place_the_check_passes(repo: Path) -> None:
    """The placeholders are the only gap: written (with stand-in texts here), nothing is missing."""
    add_faq(TOPIC, KEY, QUESTION, repo)
    edit(repo / "domain/faq_campaign.yml", '"TODO: die Antwort', '"Ja, Plakate gibt es. (')
    german = "\n".join(f"    - Plakat Nummer {i} der Kampagne?" for i in range(14))
    edit(repo / "data/nlu/faq_campaign.yml", f"    - {QUESTION}\n", f"    - {QUESTION}\n{german}\n")
    edit(
        repo / "tests/data/nlu_holdout.yml",
        f"# TODO faq/{KEY}",
        f"- intent: faq/{KEY}\n  examples: |\n    - Plakate?\n#",
    )
    edit(repo / "knowledge/data/answer_terms.yml", '"TODO: words of the answer"', "'plakat'")
    for code in OTHER:
        translation = repo / f"translations/{code}.yml"
        edit(translation, f'"TODO: translate „{QUESTION}“"', f"Plakat ({code})?")
        edit(translation, '"TODO: translate the German answer (domain/faq_campaign.yml)"', f"Plakat ({code}).")
        examples = "\n".join(f"    - Plakat {code} {i}?" for i in range(10))
        edit(
            repo / f"data/nlu/lang_{code}.yml",
            f"# TODO faq/{KEY}",
            f"- intent: faq/{KEY}\n  examples: |\n{examples}\n#",
        )
    assert main(["--root", str(repo), "check"]) == 0


@pytest.mark.parametrize(
    ("topic", "key", "message"),
    [
        ("campaign", "campaign", "exists already"),  # an existing key
        ("figures", "partners", "exists already"),  # an existing key of another topic
        ("campaign", "Opening-Hours", "snake_case"),
        ("campaign", "öffnungszeiten", "snake_case"),
        ("campaign", "opening__hours", "snake_case"),
        ("opening", "opening_hours", "unknown topic"),
    ],
)
def test_add_faq_refuses_an_existing_or_malformed_key(repo: Path, topic: str, key: str, message: str) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=message):
        add_faq(topic, key, QUESTION, repo)
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_add_faq_refuses_a_question_that_is_a_training_example(repo: Path) -> None:
    with pytest.raises(ValueError, match="training example"):
        add_faq(TOPIC, "opening_hours", "Was ist ein kommunales Jobcenter?", repo)


@pytest.mark.parametrize(
    ("path", "old", "new", "expected"),
    [
        (
            "translations/en.yml",
            "  utter_faq/partners:\n",
            "  utter_faq/partners_gone:\n",
            ["faq/partners: translation en: answer is missing", "language en: utter_faq/partners_gone has no German"],
        ),
        (
            "translations/uk.yml",
            "  utter_thank:\n    text:",
            "  utter_thank:\n    txt:",
            ["translation uk: utter_thank text"],
        ),
        ("data/nlu/lang_tr.yml", "- intent: faq/contact\n", "- intent: faq/contact_x\n", ["faq/contact: 0 of 10"]),
        (
            "tests/data/nlu_holdout.yml",
            "- intent: faq/partners\n",
            "- intent: faq/partners_x\n",
            ["faq/partners: 0 of 1"],
        ),
        ("knowledge/data/answer_terms.yml", "  partners:\n", "  partners_x:\n", ["faq/partners: German answer words"]),
        (
            "knowledge/data/answer_terms.yml",
            "all: ['jobcent', 'wem hilft",
            "all: ['xyz', 'wem hilft",
            ["in de-x-ls lack the words of answers.what_is_jobcenter"],
        ),
        (
            "web/public/static/widget-texts.json",
            '"thanks": "Thank you',
            '"thanx": "Thank you',
            ["en: widget text thanks"],
        ),
        (
            "web/public/static/widget-texts.json",
            '"many": "{n} символів"',
            '"manyy": "{n} символів"',
            ["language uk: widget plural used lacks the form many"],
        ),
    ],
)
def test_a_forgotten_place_is_reported(repo: Path, path: str, old: str, new: str, expected: list[str]) -> None:
    edit(repo / path, old, new)
    report = lines(check(repo))
    assert all(e in report for e in expected), report


def test_add_language_scaffolds_its_data_files_and_names_the_code_places(repo: Path) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    message = add_language("fr", "Français", "fr_FR", repo)
    changed = {str(p.relative_to(repo)) for p in repo.rglob("*") if p.is_file() and p.read_bytes() != before.get(p)}
    assert changed == LANGUAGE_FILES and "in 6 files" in message
    assert read_locales(repo / "knowledge/data/languages.yml")["fr"] == "fr_FR"  # no LOCALES line to edit
    places = message.partition("Code that needs a person:")[2]
    assert re.search(r"pipeline/language\.py line \d+", places) and re.search(
        r"pipeline/pii_patterns\.py line \d+", places
    )
    missing = check(repo)
    assert {m.where for m in missing} == LANGUAGE_FILES - {
        "knowledge/data/languages.yml",
        "knowledge/data/answer_terms.yml",
    }
    for m in missing:  # the language's own texts, or an answer key's place in the language
        assert m.subject == "language fr" or (m.subject.startswith("faq/") and " fr" in m.what), m.line()
    assert {m.subject for m in missing if "examples in fr" in m.what} == {f"faq/{k}" for k in _keys()}


def _keys() -> set[str]:
    import knowledge

    return set(knowledge.load().answers.questions)


@pytest.mark.parametrize(
    ("code", "name", "locale", "message"),
    [("en", "English", "en_GB", "exists already"), ("Fr", "Français", "fr_FR", "language tag"),
     ("fr", "Français", "xx_YY", "Babel locale"), ("fr", "", "fr_FR", "one line")],
)  # fmt: skip
def test_add_language_refuses_an_existing_or_malformed_one(
    repo: Path, code: str, name: str, locale: str, message: str
) -> None:
    before = {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match=message):
        add_language(code, name, locale, repo)
    assert {p: p.read_bytes() for p in repo.rglob("*") if p.is_file()} == before


def test_a_language_with_files_but_no_entry_is_reported(repo: Path) -> None:
    shutil.copy(repo / "translations/en.yml", repo / "translations/fr.yml")
    assert "language fr: no entry in languages" in lines(check(repo))


def test_the_docs_state_the_places_the_scaffolds_create() -> None:
    """README, the answers' docstring and ADR 0004 give the same number of places (issue 25)."""
    from authoring.places import FAQ_PLACES, LANGUAGE_PLACES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    faq = readme.partition("## Adding a FAQ\n")[2].partition("\n## ")[0]
    language = readme.partition("## Adding a language\n")[2].partition("\n## ")[0]
    assert "**16 files**" in faq and "16. `data/nlu/lang_<code>.yml`" in faq
    assert len(FAQ_FILES) == 16 == sum(len(OTHER) if "(6 files)" in place else 1 for place in FAQ_PLACES)
    assert f"**{len(LANGUAGE_PLACES)} places:**" in language and f"\n{len(LANGUAGE_PLACES)}. code:" in language
    assert "6 data files" in language and len(LANGUAGE_FILES) == 6
    for path in ("knowledge/answers.py", "docs/adr/0004-one-routing-function.md"):
        assert "touches 16 files" in " ".join((ROOT / path).read_text(encoding="utf-8").split()), path

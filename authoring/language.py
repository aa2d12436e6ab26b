"""``add-language``: a new language in each of its 6 data files, with placeholders; the 2 code
places that need a person are printed with their lines.

The language's own name and Babel locale are given; every text in it is a placeholder that shows
the German text (``MARKER``), reported by ``python -m authoring check`` until a person who speaks
the language writes it. Nothing is translated here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError

from authoring.faq import write_checked
from authoring.places import (
    CODE,
    MARKER,
    MIN_LANGUAGE_EXAMPLES,
    MIN_LANGUAGE_HOLDOUT,
    Layout,
    load_yaml,
    read_yaml,
    with_trailing_newline,
    yaml_string,
)
from base.paths import ROOT
from knowledge.directory import load_directory
from knowledge.routing import LOOKUP_QUESTION, PARTNER


def _todo(german: str) -> str:
    return yaml_string(f"{MARKER}: {' '.join(str(german).split())}")


def _last_top_level_key(path: Path) -> str:
    keys = [line.split(":")[0] for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^[a-z]", line)]
    return keys[-1] if keys else ""


def _append(path: Path, lines: list[str], mapping: str) -> list[str]:
    """The file with ``lines`` added at the end of ``mapping``, which must be its last top-level key."""
    if _last_top_level_key(path) != mapping:
        raise ValueError(f"{path}: `{mapping}:` is not its last top-level key; add the entry by hand")
    return [*with_trailing_newline(path.read_text(encoding="utf-8")).rstrip("\n").splitlines(), *lines]


def translation_lines(lay: Layout, code: str, name: str) -> list[str]:
    """translations/<code>.yml: every response of the domain and the words the answers need, each
    a placeholder with the German text."""
    facts = read_yaml(lay.knowledge_data / "facts.yml")
    notes = {j.name: j.note for j in load_directory(lay.knowledge_data).jobcenters if j.note}
    out = [
        f"# {name}. Every response of domain/*.yml (knowledge/translations.py), with the same {{placeholders}}",
        "# as the German text; names of German institutions stay German with a short explanation.",
        f"# Scaffolded by `python -m authoring add-language`: replace every {MARKER} (each shows the German",
        "# text) with the text in the language. To be reviewed by a native speaker before going live.",
        f"language: {code}",
        "partner:",
        *[f"  {kind.lower()}: {_todo(text)}" for kind, text in PARTNER.items()],
        f"lookup_question: {_todo(LOOKUP_QUESTION)}",
        "figures:",
    ]
    for key, spec in (facts.get("figures") or {}).items():
        for field in ("qualifier", "text"):
            if spec.get(field):
                out.append(f"  {key}: {{{field}: {_todo(spec[field])}}}")
    if out[-1] == "figures:":
        out[-1] = "figures: {}"
    out += ["notes:", *[f"  {yaml_string(j)}: {_todo(note)}" for j, note in notes.items()]]
    if out[-1] == "notes:":
        out[-1] = "notes: {}"
    out.append("responses:")
    for path in sorted(lay.domain.glob("*.yml")):
        responses: dict[str, Any] = (load_yaml(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        if responses:
            out += [*([""] if out[-1] != "responses:" else []), f"  # domain/{path.name}"]
        for response, variations in responses.items():
            german = (variations or [{}])[0] or {}
            out += [f"  {response}:", f"    text: {_todo(german.get('text') or '')}"]
            question = (german.get("metadata") or {}).get("question")
            if response.startswith("utter_faq/") and question:
                out.append(f"    question: {_todo(question)}")
            buttons = german.get("buttons") or []
            if buttons:
                out += ["    buttons:", *[f"      - {_todo(b.get('title') or '')}" for b in buttons]]
    return out


def nlu_lines(lay: Layout, code: str, name: str) -> list[str]:
    domain = {}
    for path in sorted(lay.domain.glob("faq_*.yml")):
        for response, variations in (
            (load_yaml(path.read_text(encoding="utf-8")) or {}).get("responses") or {}
        ).items():
            question = (((variations or [{}])[0] or {}).get("metadata") or {}).get("question")
            domain[response.removeprefix("utter_")] = question
    return [
        'version: "3.1"',
        f"# Questions in {name} (tests/test_nlu_languages.py): at least {MIN_LANGUAGE_EXAMPLES} per answer key,",
        f"# varied, also mixed with German words; the held-out questions (tests/data/holdout/{code}.yml)",
        "# are never here.",
        f"# {MARKER}: replace `nlu: []` by one block per answer key, as in data/nlu/lang_en.yml:",
        "#   - intent: faq/<key>",
        "#     examples: |",
        "#       - ...",
        "# The answer keys with their German button questions:",
        *[f"#   {intent}: {question}" for intent, question in domain.items()],
        "nlu: []",
    ]


def holdout_lines(code: str, name: str) -> list[str]:
    return [
        'version: "3.1"',
        f"# Held-out questions in {name} (tests/test_nlu_languages.py): at least {MIN_LANGUAGE_HOLDOUT},",
        "# never in data/; at least 90 % answered right, at most 2 % wrong.",
        f"# {MARKER}: replace `nlu: []` by blocks as in tests/data/holdout/en.yml.",
        "nlu: []",
    ]


def code_places(root: Path, code: str) -> list[str]:
    """The code a person has to change for the language, with its lines (when found)."""

    def line_of(relative: str, pattern: str) -> str:
        path = root / relative
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(pattern, line):
                    return f"{relative} line {number}"
        return relative

    detector = line_of("pipeline/language.py", r"return _likeliest\(text, \(")
    verdict = line_of("pipeline/language.py", r"^def _verdict")
    cues, stop = (
        line_of("pipeline/pii_patterns.py", r"^NAME_CUES = "),
        line_of("pipeline/pii_patterns.py", r"^STOP_TEXT = "),
    )
    return [
        f"{detector}: add {code!r} to the languages the detector tells apart if it is written in Latin letters "
        f"(lingua must know it); for another script, a rule in _verdict ({verdict}). "
        "tests/test_nlu_languages.py (held-out questions taken for their language) shows when it is enough.",
        f'{cues}: the cues before a name in the language ("my name is"), and its small words in STOP_TEXT '
        f"({stop}); tests/test_pii_corpus.py NAMES, FRAMES and FOLLOWERS test them.",
    ]


def _validate(lay: Layout, code: str, name: str, locale: str, languages: dict[str, Any]) -> None:
    if not CODE.fullmatch(code):
        raise ValueError(f"language code {code!r} is no lower-case language tag (e.g. fr, pt-br)")
    if not name.strip() or "\n" in name or MARKER in name:
        raise ValueError("the language's own name must be one line of text")
    try:
        Locale.parse(locale)
    except (ValueError, TypeError, LookupError, UnknownLocaleError) as error:
        raise ValueError(f"{locale!r} is no Babel locale ({error})") from error
    widget = json.loads(lay.widget_texts.read_text(encoding="utf-8"))
    found = [lay.relative(lay.languages)] if code in languages else []
    found += [lay.relative(p) for p in (lay.translation(code), lay.nlu_language(code), lay.holdout_language(code))
              if p.is_file()]  # fmt: skip
    found += [lay.relative(lay.widget_texts)] if code in widget.get("texts", {}) else []
    terms = read_yaml(lay.answer_terms)
    found += [lay.relative(lay.answer_terms)] if code in (terms.get("languages") or {}) else []
    if found:
        raise ValueError(f"language {code} exists already: {', '.join(found)}")


def add_language(code: str, name: str, locale: str, root: Path = ROOT) -> str:
    """Scaffold the language ``code`` under ``root``; returns what was done and the code places."""
    lay = Layout(root)
    languages = read_yaml(lay.languages).get("languages") or {}
    _validate(lay, code, name, locale, languages)
    switch = f"    switch: [{yaml_string(name)}]  # add what a citizen may type to switch (its German name, ...)"
    entry = [f"  {code}:", f"    name: {yaml_string(name)}", f"    locale: {locale}", switch]
    edits = {
        lay.languages: _append(lay.languages, entry, "languages"),
        lay.translation(code): translation_lines(lay, code, name),
        lay.nlu_language(code): nlu_lines(lay, code, name),
        lay.holdout_language(code): holdout_lines(code, name),
        lay.answer_terms: _append(
            lay.answer_terms,
            [f"  {code}: {{}}  # per answer key where its questions lack the German words"],
            "languages",
        ),
    }
    widget = json.loads(lay.widget_texts.read_text(encoding="utf-8"))
    widget["languages"].append([code, name])
    widget["texts"][code] = {key: f"{MARKER}: {text}" for key, text in widget["texts"]["de"].items()}
    write_checked(edits)
    lay.widget_texts.write_text(json.dumps(widget, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    files = "\n".join(f"  {lay.relative(p)}" for p in [*edits, lay.widget_texts])
    places = "\n".join(f"  {place}" for place in code_places(root, code))
    return (
        f"language {code} scaffolded in {len(edits) + 1} files:\n{files}\n"
        f"Replace every {MARKER}; `python -m authoring check` lists what is left. If {name} is written right to "
        f'left, add "{code}" to "rtl" in {lay.relative(lay.widget_texts)} (tests/test_translations.py expects it).\n'
        f"Code that needs a person:\n{places}"
    )

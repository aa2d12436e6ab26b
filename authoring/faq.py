"""``add-faq``: a new answer key ``faq/<key>`` in each of its 16 files, with placeholders.

Only the German button question is given; the answer, the examples, the held-out question, the
answer words and every translation are placeholders (``MARKER``) or marked comments that
``python -m authoring check`` reports until an editor writes them. Nothing is invented: a
placeholder is no translation. Each file keeps its comments and layout (text is inserted, never
re-dumped); every changed file is parsed before any is written.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from authoring.places import (
    KEY,
    MARKER,
    MIN_GERMAN_EXAMPLES,
    MIN_LANGUAGE_EXAMPLES,
    Layout,
    examples,
    insert_lines,
    load_yaml,
    others,
    read_yaml,
    section_end,
    with_trailing_newline,
    yaml_string,
)
from base.paths import ROOT

TOP_LEVEL = re.compile(r"^\S")  # a key, an item or a comment at column 0
SECTION = re.compile(r"^(  # domain/|\S)")  # the next "  # domain/<file>" section or a top-level line


def _lines(path: Path) -> list[str]:
    return with_trailing_newline(path.read_text(encoding="utf-8")).splitlines()


def _after_last_faq_block(lines: list[str]) -> int:
    """Where a new block goes in a Rasa NLU file: after its last ``- intent: faq/...`` block (the
    end of the file when it has none)."""
    starts = [i for i, line in enumerate(lines) if line.startswith("- intent: faq/")]
    if not starts:
        return section_end(lines, len(lines) - 1, TOP_LEVEL) if lines else 0
    return section_end(lines, starts[-1], TOP_LEVEL)


def _in_section(lines: list[str], mapping: str, topic: str) -> int:
    """Where a new entry goes in the top-level ``mapping`` (``answers:``, ``responses:``): after the
    entries of the section ``# domain/faq_<topic>.yml``, else at the mapping's end."""
    start = lines.index(f"{mapping}:")
    end = section_end(lines, start, TOP_LEVEL)
    marker = f"  # domain/faq_{topic}.yml"
    if marker in lines[start:end]:
        return section_end(lines, lines.index(marker, start), SECTION)
    return end


def _exists(lay: Layout, key: str, codes: list[str]) -> list[str]:
    """The files that already name ``faq/<key>``."""
    pattern = re.compile(rf"(?:faq/|^  ){re.escape(key)}(?![\w-])", re.M)
    files = [*lay.domain.glob("*.yml"), *lay.nlu.glob("*.yml"), lay.holdout, lay.answer_terms]
    files += [lay.translation(code) for code in codes]
    return [lay.relative(p) for p in files if p.is_file() and pattern.search(p.read_text(encoding="utf-8"))]


def _validate(lay: Layout, topic: str, key: str, question: str, codes: list[str]) -> None:
    if not KEY.fullmatch(key):
        raise ValueError(f"answer key {key!r} is not ASCII snake_case (e.g. opening_hours)")
    topics = sorted(p.stem.removeprefix("faq_") for p in lay.domain.glob("faq_*.yml"))
    if topic not in topics or not lay.nlu_topic(topic).is_file():
        raise ValueError(f"unknown topic {topic!r}; the topics: {', '.join(topics)}")
    found = _exists(lay, key, codes)
    if found:
        raise ValueError(f"faq/{key} exists already: {', '.join(found)}")
    if not question.strip() or "\n" in question or MARKER in question:
        raise ValueError("the German question must be one line of text")
    known = {t.casefold() for p in lay.nlu.glob("*.yml") for t, _ in examples(read_yaml(p))}
    if question.strip().casefold() in known:
        raise ValueError(f"{question!r} is a training example already (examples must be unique)")
    lacking = [lay.relative(p) for c in codes for p in (lay.translation(c), lay.nlu_language(c)) if not p.is_file()]
    if lacking:
        raise ValueError(f"files of the languages are missing: {', '.join(lacking)}")


def faq_edits(lay: Layout, topic: str, key: str, question: str, codes: list[str]) -> dict[Path, list[str]]:
    """The new lines of each of the 16 files."""
    intent, response, q = f"faq/{key}", f"utter_faq/{key}", question.strip()
    edits: dict[Path, list[str]] = {}

    domain = lay.domain_topic(topic)
    text = f"{MARKER}: die Antwort (formell, kurz, eigene Worte; Zahlen nur aus knowledge/data/facts.yml)"
    edits[domain] = [*_lines(domain), "", f"  {response}:", f"    - text: {yaml_string(text)}",
                     "      metadata:", f"        question: {yaml_string(q)}"]  # fmt: skip

    nlu = _lines(lay.nlu_topic(topic))
    block = [f"- intent: {intent}",
             f"  # {MARKER}: at least {MIN_GERMAN_EXAMPLES} German examples (Sie and du, lower case, typos, keywords)",
             "  examples: |", f"    - {q}"]  # fmt: skip
    edits[lay.nlu_topic(topic)] = insert_lines(nlu, _after_last_faq_block(nlu), block)

    holdout = _lines(lay.holdout)
    note = f"# {MARKER} {intent}: one held-out question or more, worded unlike the training examples"
    edits[lay.holdout] = insert_lines(holdout, _after_last_faq_block(holdout), [note])

    terms = _lines(lay.answer_terms)
    entry = [f"  {key}:  # the words a question must contain to get this answer (regular expressions)",
             f"    all: [{yaml_string(MARKER + ': words of the answer')}]"]  # fmt: skip
    edits[lay.answer_terms] = insert_lines(terms, _in_section(terms, "answers", topic), entry)

    for code in codes:
        lines = _lines(lay.translation(code))
        answer = f"{MARKER}: translate the German answer (domain/faq_{topic}.yml)"
        entry = [f"  {response}:", f"    question: {yaml_string(f'{MARKER}: translate „{q}“')}",
                 f"    text: {yaml_string(answer)}"]  # fmt: skip
        edits[lay.translation(code)] = insert_lines(lines, _in_section(lines, "responses", topic), entry)
        lines = _lines(lay.nlu_language(code))
        note = f"# {MARKER} {intent}: at least {MIN_LANGUAGE_EXAMPLES} questions in {code} (German: {q})"
        edits[lay.nlu_language(code)] = insert_lines(lines, _after_last_faq_block(lines), [note])
    return edits


def write_checked(edits: dict[Path, list[str]]) -> None:
    """Parse every new text, then write them all (nothing is written when one is malformed)."""
    texts = {path: "\n".join(lines) + "\n" for path, lines in edits.items()}
    for path, text in texts.items():
        try:
            load_yaml(text)
        except yaml.YAMLError as error:
            raise ValueError(f"{path}: the scaffold would not parse: {error}") from error
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def add_faq(topic: str, key: str, question: str, root: Path = ROOT) -> str:
    """Scaffold ``faq/<key>`` under ``root``; returns what was done and what to do next."""
    lay = Layout(root)
    languages = read_yaml(lay.languages).get("languages") or {}
    codes = others(list(languages))
    _validate(lay, topic, key, question, codes)
    edits = faq_edits(lay, topic, key, question, codes)
    write_checked(edits)
    files = "\n".join(f"  {lay.relative(p)}" for p in edits)
    return (
        f"faq/{key} scaffolded in {len(edits)} files:\n{files}\n"
        f"Replace every {MARKER} (the answer, {MIN_GERMAN_EXAMPLES} German examples, a held-out question, the "
        f"answer words, {len(codes)} translations, {MIN_LANGUAGE_EXAMPLES} examples per language); "
        "`python -m authoring check` lists what is left."
    )

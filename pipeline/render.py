"""Every text a citizen reads, in the conversation's language: the one place replies are rendered.

Answers (through Rasa's NLG, engine/nlg.py), the notices of the pipeline (personal data removed,
too many messages, store or action server unavailable, the language note: pipeline/steps.py), the
ratings' questions and thanks and the messengers' rating buttons (pipeline/feedback.py) all come
from ``render(response, language, values)``.

The domain (domain/*.yml) holds every response in German; ``translations/<code>.yml`` holds it in
the other languages (knowledge/translations.py). A response in a language without its translation
keeps the German text. A phrase with a figure takes the plural its number needs in the language (ICU
style ``{key, plural, one {…} few {…} …}``, knowledge/translations.py). Buttons: the titles are the
language's (same order as the German ones); a button whose German payload is its title (a question
it sends) sends the translated title, any other payload ("feedback:yes") stays as it is. Values fill
``{placeholders}`` by Rasa's own rule (rasa/core/nlg/interpolator.py): an unknown placeholder leaves
the text as written.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from pathlib import Path
from typing import Any

import knowledge
from base.languages import GERMAN, LOCALES, SUPPORTED
from base.paths import DOMAIN
from knowledge.files import read_yaml
from knowledge.translations import Translation, choose_plurals, load_translations

logger = logging.getLogger(__name__)
PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")
SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")
TRAILING = re.compile(r" +(?=\n)|^ +| +$")


@functools.lru_cache(maxsize=4)
def german_responses(domain_dir: Path = DOMAIN) -> dict[str, dict[str, Any]]:
    """Every response of the domain: its first (only) variation, as written."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(domain_dir.glob("*.yml")):
        for name, variations in (read_yaml(path).get("responses") or {}).items():
            out[str(name)] = dict(variations[0])
    return out


def variation(
    name: str, language: str, german: dict[str, dict[str, Any]], translations: dict[str, Translation]
) -> dict[str, Any] | None:
    """The response ``name`` in ``language``, unfilled: text, buttons and the German metadata."""
    base = german.get(name)
    if base is None:
        return None
    out = copy.deepcopy(base)
    translation = translations.get(language) if language != GERMAN else None
    spec = translation.responses.get(name) if translation else None
    if spec:
        out["text"] = spec["text"]
        titles = spec.get("buttons")
        if titles and out.get("buttons"):
            out["buttons"] = [
                {"title": title, "payload": title if b.get("payload") == b.get("title") else b.get("payload")}
                for title, b in zip(titles, out["buttons"], strict=True)
            ]
        elif titles:  # a translation with buttons the German response lacks: each sends its title
            out["buttons"] = [{"title": t, "payload": t} for t in titles]
    return out


@functools.lru_cache(maxsize=4)
def _table(domain_dir: Path = DOMAIN) -> dict[tuple[str, str], dict[str, Any]]:
    """Every response in every language, built once per process."""
    german, translations = german_responses(domain_dir), load_translations()
    numbers = knowledge.load().facts.numbers()  # a phrase with a number takes its plural here
    table = {}
    for code in SUPPORTED:
        for name in german:
            found = variation(name, code, german, translations)
            if found is not None:
                found["text"] = choose_plurals(found["text"], LOCALES[code], numbers, unknown="keep")
                table[(name, code)] = found
    return table


def interpolate(value: Any, values: dict[str, Any]) -> Any:
    """Rasa's interpolation (rasa/core/nlg/interpolator.py) of a text, or of the strings in a list
    or dict: ``{name}`` becomes ``values["name"]``; a text with an unknown name stays as written."""
    if isinstance(value, str):
        try:
            text = PLACEHOLDER.sub(r"{0[\1]}", value).format(values)
            return value.format({}) if "0[" in text else text
        except (KeyError, IndexError, ValueError):
            logger.warning("A response's placeholder has no value: the text is sent as written")
            return value
    if isinstance(value, list):
        return [interpolate(v, values) for v in value]
    if isinstance(value, dict):
        return {k: interpolate(v, values) for k, v in value.items()}
    return value


def render(name: str, language: str | None = GERMAN, values: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The response ``name`` in ``language`` (German when the language is unknown), its
    placeholders filled from ``values``: {"text", "buttons"?, "metadata"?, "language"}, or None
    when the domain has no such response. ``language`` reaches the channel with the message (Rasa
    keeps it in the bot event's metadata): the widget's own texts and the messengers' rating
    buttons follow it."""
    code = language if language in SUPPORTED else GERMAN
    found = _table().get((name, code))
    if found is None:
        return None
    out = {**copy.deepcopy(found), "language": code}  # channels follow it (widget texts, rating buttons)
    if "plural," in out.get("text", ""):  # a number known only now: "{count, plural, one {…} other {…}}"
        out["text"] = choose_plurals(out["text"], LOCALES[code], values or {})
    if values:
        for key in ("text", "buttons"):
            if key in out:
                out[key] = interpolate(out[key], values)
    if "text" in out:  # an empty value ("{note}" of most Jobcenter) leaves no double space
        out["text"] = TRAILING.sub("", SPACES.sub(" ", out["text"]))
    return out

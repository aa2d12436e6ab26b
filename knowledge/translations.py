"""The answers in the other languages (issue 16): ``translations/<code>.yml``, plain Python, no Rasa.

The domain (domain/*.yml) holds every response in German; a translation file holds, per response
name, the same response in one language: its ``text`` (the same {placeholders} as the German one),
for an FAQ answer the ``question`` of its button, for a response with fixed buttons their
``buttons`` (each title is also the message the button sends). Besides the responses it holds the
words the routing and the facts put into a response in that language: ``partner`` (who runs a
gemeinsame Einrichtung with the Agentur für Arbeit, by kind of Jobcenter), ``lookup_question`` (the
button of an ambiguous Jobcenter name), ``figures`` (a figure's ``qualifier`` / ``text`` of
knowledge/data/facts.yml), ``notes`` (a Jobcenter's note of knowledge/data/jobcenter_names.yml),
``lands`` (the Länder by their German names), ``date_format`` (Babel's pattern for dates) and, in
any text, phrases with a number in the plural the number needs (``{key, plural, one {…} …}``).

Written ahead of time, never translated at run time; native speakers should review each file.
engine/nlg.py turns every translated response into a variation of the German one, chosen by the
conversation's language (Rasa's conditional response variations).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale

from base.paths import TRANSLATIONS
from knowledge.files import read_yaml

PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A phrase with a number, ICU style (MessageFormat's plural argument): "{joint_facilities, plural,
# one {# спільна установа} few {# спільні установи} many {# спільних установ} other {…}}". The
# branch is chosen by the number's CLDR plural category in the language's locale (Babel), "#" is
# the figure as the language writes it. Branches hold plain text and "#", no other braces.
CATEGORIES = ("zero", "one", "two", "few", "many", "other")
PLURAL = re.compile(r"\{(\w+),\s*plural,((?:\s*(?:=\d+|[a-z]+)\s*\{[^{}]*\})+)\s*\}")
BRANCH = re.compile(r"(=\d+|[a-z]+)\s*\{([^{}]*)\}")


def placeholder_names(text: str) -> set[str]:
    """The {placeholders} of a text, a plural phrase counting as its number's placeholder."""
    return set(PLACEHOLDER.findall(PLURAL.sub(r"{\1}", text)))


def plural_branches(text: str) -> list[tuple[str, dict[str, str]]]:
    """Each plural phrase of a text: its placeholder and its branches by category (or "=n")."""
    return [(m.group(1), dict(BRANCH.findall(m.group(2)))) for m in PLURAL.finditer(text)]


def choose_plurals(text: str, locale: str, numbers: dict[str, Any], unknown: str = "other") -> str:
    """Every plural phrase replaced by its branch for the number ``numbers[name]`` in ``locale``;
    "#" becomes ``{name}``, filled later with the figure as written in the language. A phrase
    whose number is not given takes "other", or stays as written with ``unknown="keep"`` (a number
    known only at run time: pipeline/render.py chooses it then)."""

    def branch(match: re.Match[str]) -> str:
        name, branches = match.group(1), dict(BRANCH.findall(match.group(2)))
        number = numbers.get(name)
        if isinstance(number, str) and number.isdigit():
            number = int(number)
        if not isinstance(number, int | float) and unknown == "keep":
            return match.group(0)
        chosen = branches["other"]
        if isinstance(number, int | float):
            exact = branches.get(f"={number}")
            chosen = exact if exact is not None else branches.get(Locale.parse(locale).plural_form(number), chosen)
        return chosen.replace("#", "{" + name + "}")

    return PLURAL.sub(branch, text)


@dataclass(frozen=True)
class Translation:
    code: str
    responses: dict[str, dict[str, Any]]  # response name -> {text, question?, buttons?}
    partner: dict[str, str] = field(default_factory=dict)
    lookup_question: str = ""
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    date_format: str = ""  # Babel's pattern for a date where its "long" format abbreviates ("р.")
    lands: dict[str, str] = field(default_factory=dict)  # the Länder as the language names them

    def question(self, response: str) -> str | None:
        return (self.responses.get(response) or {}).get("question")

    def variation(self, response: str) -> dict[str, Any] | None:
        """The response as a Rasa response variation: text and buttons (title = payload)."""
        spec = self.responses.get(response)
        if not spec:
            return None
        out: dict[str, Any] = {"text": spec["text"]}
        if spec.get("buttons"):
            out["buttons"] = [{"title": b, "payload": b} for b in spec["buttons"]]
        return out


def _load(path: Path) -> Translation:
    raw = read_yaml(path)
    code = str(raw.get("language") or "")
    if code != path.stem:
        raise ValueError(f"{path}: `language: {code}` must be the file's name")
    responses = raw.get("responses") or {}
    for name, spec in responses.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("text"), str) or not spec["text"].strip():
            raise ValueError(f"{path}: {name} has no text")
        for number, branches in plural_branches(spec["text"]):
            if "other" not in branches or not set(branches) <= {*CATEGORIES, *(k for k in branches if k[0] == "=")}:
                raise ValueError(f"{path}: {name}: the plural of {{{number}}} needs `other` and CLDR categories")
    return Translation(
        code=code,
        responses={str(k): dict(v) for k, v in responses.items()},
        partner={str(k): str(v) for k, v in (raw.get("partner") or {}).items()},
        lookup_question=str(raw.get("lookup_question") or ""),
        figures={str(k): dict(v) for k, v in (raw.get("figures") or {}).items()},
        notes={str(k): str(v).strip() for k, v in (raw.get("notes") or {}).items()},
        date_format=str(raw.get("date_format") or ""),
        lands={str(k): str(v) for k, v in (raw.get("lands") or {}).items()},
    )


@functools.lru_cache(maxsize=4)
def load_translations(directory: Path = TRANSLATIONS) -> dict[str, Translation]:
    """Every translation file, by language code; fails loudly on a malformed one."""
    return {t.code: t for t in (_load(p) for p in sorted(directory.glob("*.yml")))}

"""The answers in the other languages (issue 16): ``translations/<code>.yml``, plain Python, no Rasa.

The domain (domain/*.yml) holds every response in German; a translation file holds, per response
name, the same response in one language: its ``text`` (the same {placeholders} as the German one),
for an FAQ answer the ``question`` of its button, for a response with fixed buttons their
``buttons`` (each title is also the message the button sends). Besides the responses it holds the
words the routing and the facts put into a response in that language: ``partner`` (who runs a
gemeinsame Einrichtung with the Agentur für Arbeit, by kind of Jobcenter), ``lookup_question`` (the
button of an ambiguous Jobcenter name), ``figures`` (a figure's ``qualifier`` / ``text`` of
knowledge/data/facts.yml) and ``notes`` (a Jobcenter's note of knowledge/data/jobcenter_names.yml).

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

from base.paths import TRANSLATIONS
from knowledge.files import read_yaml

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Translation:
    code: str
    responses: dict[str, dict[str, Any]]  # response name -> {text, question?, buttons?}
    partner: dict[str, str] = field(default_factory=dict)
    lookup_question: str = ""
    figures: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

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
    return Translation(
        code=code,
        responses={str(k): dict(v) for k, v in responses.items()},
        partner={str(k): str(v) for k, v in (raw.get("partner") or {}).items()},
        lookup_question=str(raw.get("lookup_question") or ""),
        figures={str(k): dict(v) for k, v in (raw.get("figures") or {}).items()},
        notes={str(k): str(v).strip() for k, v in (raw.get("notes") or {}).items()},
    )


@functools.lru_cache(maxsize=4)
def load_translations(directory: Path = TRANSLATIONS) -> dict[str, Translation]:
    """Every translation file, by language code; fails loudly on a malformed one."""
    return {t.code: t for t in (_load(p) for p in sorted(directory.glob("*.yml")))}

"""The words each FAQ answer is about (``data/answer_terms.yml``): the routing sends an answer only
to a question that contains them, so a question about something else gets "Meinten Sie ...?"
rather than a confident answer to another question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge.directory import folded  # the form the patterns are written in
from knowledge.files import read_yaml


@dataclass(frozen=True)
class Terms:
    required: dict[str, tuple[re.Pattern[str], ...]]  # answer key -> each must occur
    excluded: dict[str, tuple[re.Pattern[str], ...]]  # answer key -> none may occur

    @classmethod
    def load(cls, path: Path, keys: set[str] | None = None) -> Terms:
        """Reads the file; with ``keys`` (the answer keys of the domain) every key must have an
        entry and every entry a key."""
        entries = read_yaml(path).get("answers") or {}
        if keys is not None and set(entries) != keys:
            raise ValueError(f"{path}: entries {sorted(set(entries) ^ keys)} do not match the answer keys")
        required, excluded = {}, {}
        for key, entry in entries.items():
            if not entry.get("all"):
                raise ValueError(f"{path}: '{key}' has no `all` patterns")
            required[key] = tuple(re.compile(p) for p in entry["all"])
            excluded[key] = tuple(re.compile(p) for p in entry.get("none") or [])
        return cls(required, excluded)

    def allow(self, key: str, text: str) -> bool:
        """The question is about what answer ``key`` is about (keys without an entry: always)."""
        question = folded(text)
        return all(p.search(question) for p in self.required.get(key, ())) and not any(
            p.search(question) for p in self.excluded.get(key, ())
        )

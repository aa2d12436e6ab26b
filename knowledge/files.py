"""Reading the knowledge files: each fails loudly when missing or malformed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

# "[Bautzen](jobcenter)" / "[Sachsen]{...}" in training examples: the text without the markup.
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ValueError(f"File '{path}' does not exist.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"File '{path}' holds no mapping.")
    return data


def nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(example, intent) of every intent block of a Rasa NLU file, as written (lookup tables and
    the like are skipped): the training data and the held-out questions."""
    return [
        (line.strip().removeprefix("- "), block["intent"])
        for block in read_yaml(path).get("nlu") or []
        if "intent" in block
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def plain_text(example: str) -> str:
    """The example as a citizen would type it: entity markup removed."""
    return ENTITY_MARKUP.sub(r"\1", example)

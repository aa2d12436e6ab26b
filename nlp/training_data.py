"""The NLU training examples of data/nlu/*.yml as (text, intent) pairs, read in one place."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from runtime.paths import NLU_DATA

# "[Bautzen](jobcenter)" / "[Sachsen]{...}" in training examples: the text without the markup.
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def training_examples(nlu_dir: Path = NLU_DATA) -> list[tuple[str, str]]:
    """Every example of every intent block (lookup tables and the like are skipped), as written."""
    pairs = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            if "intent" in block:
                lines = block["examples"].splitlines()
                pairs += [(line.strip()[2:], block["intent"]) for line in lines if line.strip()]
    return pairs


def plain_text(example: str) -> str:
    """The example as a citizen would type it: entity markup removed."""
    return ENTITY_MARKUP.sub(r"\1", example)

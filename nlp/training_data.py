"""The NLU training examples of data/nlu/*.yml as (text, intent) pairs, read in one place."""

from __future__ import annotations

import re
from pathlib import Path

from base.paths import NLU_DATA
from knowledge.files import nlu_examples

# "[Bautzen](jobcenter)" / "[Sachsen]{...}" in training examples: the text without the markup.
ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def training_examples(nlu_dir: Path = NLU_DATA) -> list[tuple[str, str]]:
    """Every example of every intent block (lookup tables and the like are skipped), as written."""
    return [pair for path in sorted(nlu_dir.glob("*.yml")) for pair in nlu_examples(path)]


def plain_text(example: str) -> str:
    """The example as a citizen would type it: entity markup removed."""
    return ENTITY_MARKUP.sub(r"\1", example)

"""The NLU training examples of data/nlu/*.yml as (text, intent) pairs, read in one place."""

from __future__ import annotations

from pathlib import Path

from base.paths import NLU_DATA
from knowledge.files import nlu_examples, plain_text

__all__ = ["plain_text", "training_examples"]  # plain_text: knowledge/files.py (also for authoring/)


def training_examples(nlu_dir: Path = NLU_DATA) -> list[tuple[str, str]]:
    """Every example of every intent block (lookup tables and the like are skipped), as written."""
    return [pair for path in sorted(nlu_dir.glob("*.yml")) for pair in nlu_examples(path)]

"""Build the project's German spaCy pipeline (no download needed).

spacy.blank("de") + lookup lemmatizer (tables from spacy-lookups-data, read only here).
Rasa's SpacyNLP loads the result by path. Jobcenter and Land names are not part of it: the NLU
finds them with the knowledge package's directory (nlp/names.py).

    python -m nlp.build_pipeline --out build/spacy_de
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.lookups import Table

from base.paths import SPACY_PIPELINE
from nlp.training_data import plain_text, training_examples

PIPELINE_NAME = "de_jobcenter_faq"
PIPELINE_VERSION = "1.2.0"


def prune_lemmas(nlp: Language, texts: list[str]) -> tuple[int, int]:
    """Keep only lemma entries whose lemma occurs in the training examples.

    A lemma the classifier never saw in training adds no word feature, so those entries change
    little, but the full German table (355,354 entries) took seconds of every server start-up
    and tens of MB of memory (docs/performance.md). Returns (entries before, after)."""
    lookups = nlp.get_pipe("lemmatizer").lookups  # type: ignore[attr-defined]
    table = lookups.get_table("lemma_lookup")
    seen = {token.lemma_ for doc in nlp.pipe(texts) for token in doc}
    kept = Table("lemma_lookup")
    for key, lemma in table.items():
        if lemma in seen:
            kept[key] = lemma
    lookups.set_table("lemma_lookup", kept)
    return len(table), len(kept)


def build() -> Language:
    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables
    before, after = prune_lemmas(nlp, [plain_text(text) for text, _ in training_examples()])
    print(f"lemma table: {before} -> {after} entries (lemmas seen in the training data)")
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = PIPELINE_VERSION
    nlp.meta["description"] = "Blank German pipeline with lookup lemmas"
    return nlp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=SPACY_PIPELINE)
    args = parser.parse_args()
    nlp = build()
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(tmp, ignore_errors=True)
    nlp.to_disk(tmp)
    shutil.rmtree(args.out, ignore_errors=True)
    tmp.rename(args.out)  # meta.json appears only when the whole pipeline is written
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""nlp/classifier.py: what Rasa and the actions read from its output, and how it is stored."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from base.paths import MODEL

pytestmark = pytest.mark.model


@pytest.mark.parametrize(
    ("text", "intent", "answer"),
    [
        ("Was ist ein kommunales Jobcenter?", "faq", "faq/what_is_municipal_jobcenter"),
        ("Wie viele gemeinsame Einrichtungen gibt es?", "faq", "faq/count_joint_facilities"),
        ("Hallo!", "greet", None),
        ("Ist das Jobcenter im Landkreis Bautzen kommunal?", "ask_jobcenter_form", None),
    ],
)
def test_output_looks_like_diet_and_response_selector(parse: Any, text: str, intent: str, answer: str | None) -> None:
    result = parse(text)
    assert result["intent"]["name"] == intent
    ranking = result["intent_ranking"]
    assert [r["name"] for r in ranking][0] == intent
    assert all(a["confidence"] >= b["confidence"] for a, b in zip(ranking, ranking[1:], strict=False))
    assert sum(r["confidence"] for r in ranking) <= 1.0 + 1e-9  # "faq" is the sum over its answer keys
    selector = result["response_selector"]
    assert selector["all_retrieval_intents"] == ["faq", "out_of_scope"]
    response = selector["faq"]["response"]
    assert 0.0 <= response["confidence"] <= 1.0
    assert response["utter_action"] == f"utter_{response['intent_response_key']}"
    keys = selector["faq"]["ranking"]
    assert keys[0]["intent_response_key"] == response["intent_response_key"]
    assert all(a["confidence"] >= b["confidence"] for a, b in zip(keys, keys[1:], strict=False))
    if answer:
        assert response["intent_response_key"] == answer


def test_weights_are_stored_without_pickle(tmp_path: Path) -> None:
    with tarfile.open(MODEL) as archive:
        archive.extractall(tmp_path)
    (component,) = [p for p in tmp_path.rglob("coef.npy")]
    coef = np.load(component, allow_pickle=False)
    intercept = np.load(component.parent / "intercept.npy", allow_pickle=False)
    labels = json.loads((component.parent / "labels.json").read_text(encoding="utf-8"))
    assert coef.shape[0] == intercept.shape[0] == len(labels)
    assert {"faq/legal_basis", "greet", "out_of_scope/general_knowledge"} <= set(labels)
    assert not list(tmp_path.rglob("*.skops"))

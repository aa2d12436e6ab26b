"""nlp/classifier.py: what Rasa and the actions read from its output, how it is stored, and that its
faster fit, counts and prediction give what scikit-learn and Rasa's featurizers gave."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from base.paths import MODEL
from nlp.classifier import (
    RetrievalIntentClassifier,
    duplicate_columns,
    fit_deduplicated,
    lemma_text,
    vectorizers,
)


def classifier(**config: Any) -> RetrievalIntentClassifier:
    return RetrievalIntentClassifier(config, "classifier", None, Resource("classifier"))


def test_predict_proba_is_scikit_learns() -> None:
    rng = np.random.default_rng(0)
    component = classifier()
    X = sp.random(200, 3000, density=0.01, format="csr", random_state=1) * 5
    component.clf.classes_ = np.array([f"label_{i}" for i in range(49)])
    component.clf.coef_ = rng.normal(size=(49, 3000))
    component.clf.intercept_ = rng.normal(size=49)
    component.coef_t = np.ascontiguousarray(component.clf.coef_.T)
    assert np.abs(component.predict_proba(X) - component.clf.predict_proba(X)).max() < 1e-12
    one_row = X[7]
    assert np.abs(component.predict_proba(one_row) - component.clf.predict_proba(one_row)).max() < 1e-12


def test_duplicate_columns() -> None:
    X = sp.csr_matrix(np.array([[1, 0, 1, 2, 1], [0, 3, 0, 0, 0], [2, 0, 2, 2, 2]]))
    first, group_of, counts = duplicate_columns(X)
    assert first.tolist() == [0, 1, 3]
    assert group_of.tolist() == [0, 1, 0, 2, 0]
    assert counts.tolist() == [3, 1, 1]


def test_fit_on_distinct_columns_is_scikit_learns() -> None:
    """Duplicate columns (as char n-grams of one word are) fitted once: the weights scikit-learn
    finds on the full matrix, and the same number of iterations."""
    rng = np.random.default_rng(3)
    distinct = sp.random(300, 60, density=0.08, format="csc", random_state=4) * 3
    X = sp.csr_matrix(distinct[:, rng.integers(0, 60, size=150)])
    y = [f"c{i}" for i in rng.integers(0, 6, size=300)]
    expected = LogisticRegression(C=10, max_iter=2000, tol=1e-4, class_weight="balanced").fit(X, y)
    got = LogisticRegression(C=10, max_iter=2000, tol=1e-4, class_weight="balanced")
    fit_deduplicated(got, X, y)
    assert got.classes_.tolist() == expected.classes_.tolist()
    assert got.n_iter_.tolist() == expected.n_iter_.tolist()
    assert np.abs(got.coef_ - expected.coef_).max() < 1e-6
    assert np.abs(got.intercept_ - expected.intercept_).max() < 1e-6
    assert np.abs(got.predict_proba(X) - expected.predict_proba(X)).max() < 1e-8


def test_counts_are_rasas_count_vectors_featurizers(tmp_path: Path) -> None:
    """The classifier's own word and char_wb counts: the sentence features Rasa's two
    CountVectorsFeaturizers (config.yml before issue 27) gave it, column for column."""
    texts = ["Wie viele Jobcenter gibt es 2024?", "Ist Görlitz kommunal", "Hallo", "Jobcenter Görlitz, kommunal?"]
    messages = [Message(data={TEXT: t}) for t in texts]
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    context = ExecutionContext(GraphSchema({}), "test")
    storage = LocalModelStorage(tmp_path)
    rasa_features = []
    for n, config in enumerate([{}, {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5}]):
        resource = Resource(f"cvf{n}")
        cvf = CountVectorsFeaturizer.create(
            {**CountVectorsFeaturizer.get_default_config(), **config}, storage, resource, context
        )
        cvf.train(TrainingData(messages))
        rasa_features.append(
            sp.vstack(
                [
                    cvf._create_features(TEXT, [cvf._get_processed_message_tokens_by_attribute(m)])[1][0]
                    for m in messages
                ]
            )
        )
    ours = vectorizers((1, 1), (2, 5))
    lemma_texts = [lemma_text(m) for m in messages]
    for vectorizer, theirs in zip(ours, rasa_features, strict=True):
        counts = vectorizer.fit(lemma_texts).transform(lemma_texts)
        assert counts.shape == theirs.shape
        assert (counts != theirs).nnz == 0


@pytest.mark.model
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


@pytest.mark.model
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
    vocabularies = json.loads((component.parent / "vocabularies.json").read_text(encoding="utf-8"))
    assert sum(len(v) for v in vocabularies) + 2 == coef.shape[1]  # + the two name features

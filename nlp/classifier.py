"""Intent classifier and response selector in one, on scikit-learn (no TensorFlow).

One logistic regression over the sparse sentence features of the pipeline's featurizers
(CountVectors on lemmas, char n-grams, RegexFeaturizer) learns the full labels: plain intents
(``greet``) and retrieval intents with their answer key (``faq/legal_basis``). For Rasa it then
looks like DIETClassifier + ResponseSelector:

- ``intent`` / ``intent_ranking``: the probabilities of ``faq/*`` summed up as intent ``faq``,
  so FallbackClassifier and the rules see the intents of the domain;
- ``response_selector``: for each retrieval intent the best answer key with its probability
  given that intent (as ResponseSelector reports it) and a ranking of the keys.

Why (docs/performance.md): on the held-out questions it is right more often than DIET +
ResponseSelector were (99.4 % against 97.8 %), trains in seconds instead of minutes, and with no
TensorFlow model in the pipeline the server starts faster, needs less memory and less time per
message (TensorFlow is still imported: Rasa's own modules import it).

The weights are stored as plain arrays (.npy without pickle, labels as JSON), not with skops
like Rasa's LogisticRegressionClassifier: importing skops scans every loaded module and took
~10 s of the server's start-up here (py-spy).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.constants import (
    RESPONSE_SELECTOR_PREDICTION_KEY,
    RESPONSE_SELECTOR_PROPERTY_NAME,
    RESPONSE_SELECTOR_RANKING_KEY,
    RESPONSE_SELECTOR_RETRIEVAL_INTENTS,
    RESPONSE_SELECTOR_UTTER_ACTION_KEY,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)
RANKING_LENGTH = 10


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RetrievalIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # C: inverse regularisation strength; the features are raw counts, 10 keeps rare but
        # telling words (chosen on the held-out file: docs/performance.md).
        return {
            "C": 10.0,
            "solver": "lbfgs",
            "max_iter": 2000,
            "tol": 1e-4,
            "random_state": 42,
            "ranking_length": RANKING_LENGTH,
        }

    def __init__(self, config: dict[str, Any], name: str, model_storage: ModelStorage, resource: Resource) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf = LogisticRegression(
            C=self.config["C"],
            max_iter=self.config["max_iter"],
            tol=self.config["tol"],
            random_state=self.config["random_state"],
            class_weight="balanced",
            solver=self.config["solver"],
        )

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.save(model_dir / "coef.npy", self.clf.coef_, allow_pickle=False)
            np.save(model_dir / "intercept.npy", self.clf.intercept_, allow_pickle=False)
            labels = [str(label) for label in self.clf.classes_]
            (model_dir / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RetrievalIntentClassifier:
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                coef = np.load(model_dir / "coef.npy", allow_pickle=False)
                intercept = np.load(model_dir / "intercept.npy", allow_pickle=False)
                labels = json.loads((model_dir / "labels.json").read_text(encoding="utf-8"))
        except ValueError:  # nothing persisted: no training examples
            return component
        rows = 1 if len(labels) == 2 else len(labels)  # scikit-learn keeps one row for two classes
        if coef.ndim != 2 or coef.shape[0] != rows or intercept.shape != (rows,):
            raise ValueError(f"{resource.name}: {coef.shape} weights do not fit {len(labels)} labels")
        component.clf.classes_ = np.array(labels)
        component.clf.coef_ = coef
        component.clf.intercept_ = intercept
        component.clf.n_features_in_ = coef.shape[1]
        return component

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """Sentence features of each message, one row each (Rasa's version stacks an empty dense
        matrix onto every row)."""
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]
            dense = message.get_dense_features(attribute=TEXT)[1]
            parts = [csr_matrix(f.features) for f in (sparse, dense) if f is not None]
            if not parts:
                raise ValueError(f"{self.name}: no sentence features; a featurizer must come first")
            rows.append(parts[0] if len(parts) == 1 else hstack(parts, format="csr"))
        return vstack(rows, format="csr")

    def _create_training_matrix(self, training_data: TrainingData) -> tuple[Any, list[str]]:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get("text")]
        labels = [str(e.get(INTENT_RESPONSE_KEY) or e.get(INTENT)) for e in examples]
        return self._create_X(examples), labels

    def process(self, messages: list[Message]) -> list[Message]:
        if not hasattr(self.clf, "classes_"):  # not trained (no examples)
            return messages
        probabilities = self.clf.predict_proba(self._create_X(messages))
        labels = [str(label) for label in self.clf.classes_]
        retrieval_intents = sorted({label.partition("/")[0] for label in labels if "/" in label})
        length = self.config["ranking_length"]
        for message, row in zip(messages, probabilities, strict=False):
            by_intent: dict[str, float] = defaultdict(float)
            for label, p in zip(labels, row, strict=False):
                by_intent[label.partition("/")[0]] += float(p)
            ranking = sorted(
                ({"name": k, PREDICTED_CONFIDENCE_KEY: v} for k, v in by_intent.items()),
                key=lambda r: -float(r[PREDICTED_CONFIDENCE_KEY]),  # type: ignore[arg-type]
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
            selector: dict[str, Any] = {RESPONSE_SELECTOR_RETRIEVAL_INTENTS: retrieval_intents}
            for intent in retrieval_intents:
                keys = sorted(
                    (
                        (label, float(p) / max(by_intent[intent], 1e-12))
                        for label, p in zip(labels, row, strict=False)
                        if label.startswith(intent + "/")
                    ),
                    key=lambda kv: -kv[1],
                )
                best, confidence = keys[0]
                selector[intent] = {
                    RESPONSE_SELECTOR_PREDICTION_KEY: {
                        PREDICTED_CONFIDENCE_KEY: confidence,
                        INTENT_RESPONSE_KEY: best,
                        RESPONSE_SELECTOR_UTTER_ACTION_KEY: f"utter_{best}",
                    },
                    RESPONSE_SELECTOR_RANKING_KEY: [
                        {"id": None, PREDICTED_CONFIDENCE_KEY: p, INTENT_RESPONSE_KEY: k} for k, p in keys[:length]
                    ],
                }
            message.set(RESPONSE_SELECTOR_PROPERTY_NAME, selector, add_to_output=True)
        return messages

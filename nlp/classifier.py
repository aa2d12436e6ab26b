"""Intent classifier and response selector in one, on scikit-learn (no TensorFlow).

One logistic regression over sparse features learns the full labels: plain intents (``greet``)
and retrieval intents with their answer key (``faq/legal_basis``). The features are "names a
Jobcenter (exactly) / a Land" (nlp/names.py), word unigrams on lemmas and char_wb 2-5 grams,
which the classifier computes itself: the same values in the same columns as JobcenterNames and
Rasa's two CountVectorsFeaturizers gave it before issue 27 (the vocabularies are built the same
way), without the featurizers' passes over every attribute of every training message and the
fingerprints Rasa takes of each node's output, which took most of `rasa train`. For Rasa it then
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
import re
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
    TOKENS_NAMES,
)
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    INTENT_RESPONSE_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import optimize
from scipy.sparse import coo_matrix, csc_matrix, csr_matrix, diags
from sklearn._loss.loss import HalfMultinomialLoss
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.linear_model._linear_loss import LinearModelLoss
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import softmax

from nlp.names import name_features

logger = logging.getLogger(__name__)
NAME_FEATURES = ("names_jobcenter_exactly", "names_land")
RANKING_LENGTH = 10
NUMBER = re.compile(r"\b[0-9]+\b")


def lemma_text(message: Message) -> str:
    """The message's lemmas as Rasa's CountVectorsFeaturizer reads them: digits as __NUMBER__, lower
    case, joined by spaces ("" without tokens)."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return " ".join(NUMBER.sub("__NUMBER__", t.lemma).lower() for t in tokens)


def vectorizers(word_ngrams: tuple[int, int], char_ngrams: tuple[int, int]) -> list[CountVectorizer]:
    """Word n-grams and char_wb n-grams with the settings of Rasa's CountVectorsFeaturizer
    (token pattern of single characters too, lower case, no document-frequency limits)."""
    return [
        CountVectorizer(token_pattern=r"(?u)\b\w+\b", ngram_range=word_ngrams),
        CountVectorizer(analyzer="char_wb", ngram_range=char_ngrams),
    ]


def duplicate_columns(X: csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups of identical columns of ``X``: (first column of each group, group of each column,
    columns in each group).

    Most char n-grams occur only inside the same few words, so of ~43,000 columns only ~12,000
    differ. For L2-regularised logistic regression k identical columns are one column scaled by
    sqrt(k): at the optimum they share one weight w/sqrt(k) each, with the same loss and penalty.
    L-BFGS then works on a 3.5 times smaller problem."""
    Xc = csc_matrix(X)
    Xc.sort_indices()
    groups: dict[tuple[bytes, bytes], int] = {}
    group_of = np.empty(X.shape[1], dtype=np.intp)
    for j in range(X.shape[1]):
        start, end = Xc.indptr[j], Xc.indptr[j + 1]
        key = (Xc.indices[start:end].tobytes(), Xc.data[start:end].tobytes())
        group_of[j] = groups.setdefault(key, len(groups))
    first = np.zeros(len(groups), dtype=np.intp)
    first[group_of[::-1]] = np.arange(X.shape[1])[::-1]
    return first, group_of, np.bincount(group_of)


class _Converged(Exception):
    """Stops L-BFGS-B where it would have stopped on the full matrix."""


def fit_deduplicated(clf: LogisticRegression, X: csr_matrix, y: list[str]) -> None:
    """Fits ``clf`` (multinomial, lbfgs, class_weight "balanced") as scikit-learn 1.1 would on ``X``,
    but on ``X``'s distinct columns (``duplicate_columns``), about 3 times faster.

    Same objective and start (scikit-learn's own loss, sample weights and zero start); L-BFGS only
    takes inner products and sums of vectors, in which the reduced problem is the full one seen
    through an isometry, so it takes the same steps. Only its stopping test, the largest gradient
    entry, is not isometric: it is checked here on the full problem's gradient, so the fit stops
    at the same iteration as scikit-learn's. The weights then agree with scikit-learn's up to
    rounding (tests/test_nlu_classifier.py)."""
    first, group_of, counts = duplicate_columns(X)
    scale = np.sqrt(counts)
    Xr = csr_matrix(csc_matrix(X)[:, first] @ diags(scale))
    encoder = LabelEncoder()
    target = encoder.fit_transform(y)
    classes = encoder.classes_
    sample_weight = np.ones(X.shape[0]) * compute_class_weight("balanced", classes=classes, y=np.asarray(y))[target]
    n_classes, n_features = classes.size, Xr.shape[1]
    loss = LinearModelLoss(base_loss=HalfMultinomialLoss(n_classes=n_classes), fit_intercept=True)
    last: dict[str, np.ndarray] = {}
    iterations: list[int] = []

    def loss_gradient(w: np.ndarray, *args: Any) -> tuple[float, np.ndarray]:
        value, gradient = loss.loss_gradient(w, *args)
        last["w"], last["gradient"] = w.copy(), gradient
        return value, gradient

    def full_gradient_test(w: np.ndarray) -> None:
        iterations.append(1)
        if not np.array_equal(w, last["w"]):  # L-BFGS-B reports the last point it evaluated
            loss_gradient(w, *args)
        gradient = last["gradient"].reshape((n_classes, n_features + 1), order="F")
        largest = max(np.abs(gradient[:, :-1] / scale).max(), np.abs(gradient[:, -1]).max())
        if largest <= clf.tol:
            raise _Converged(w, len(iterations))

    args = (Xr, target.astype(np.float64), sample_weight, 1.0 / clf.C, 1)
    w0 = np.zeros((n_classes, n_features + 1), order="F").ravel(order="F")
    try:
        result = optimize.minimize(
            loss_gradient, w0, method="L-BFGS-B", jac=True, args=args, callback=full_gradient_test,
            options={"iprint": -1, "gtol": clf.tol, "maxiter": clf.max_iter},
        )  # fmt: skip
        w, n_iter = result.x, result.nit
    except _Converged as converged:
        w, n_iter = converged.args
    weights = w.reshape((n_classes, n_features + 1), order="F")
    clf.classes_ = classes
    clf.coef_ = np.ascontiguousarray((weights[:, :-1] / scale)[:, group_of])
    clf.intercept_ = weights[:, -1].copy()
    clf.n_features_in_ = X.shape[1]
    clf.n_iter_ = np.array([n_iter])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class RetrievalIntentClassifier(LogisticRegressionClassifier):
    @classmethod
    def required_components(cls) -> list[type]:
        """Tokens with lemmas; the features it computes itself."""
        return [Tokenizer]

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
            # Word n-grams on lemmas (the words that carry the topic) and char n-grams inside word
            # boundaries (German compounds, typos, ae/oe/ue spellings). Words alone: config.yml
            # asked the CountVectorsFeaturizer for bigrams with `ngram_range`, which it does not
            # know (min_ngram/max_ngram), so the models so far had unigrams only.
            "word_ngrams": [1, 1],
            "char_ngrams": [2, 5],
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
        self.vectorizers = vectorizers(tuple(self.config["word_ngrams"]), tuple(self.config["char_ngrams"]))
        self.coef_t = np.zeros((0, 0))  # coef_.T, C-contiguous: the rows of a message's features

    def train(self, training_data: TrainingData) -> Resource:
        """Counts the vocabularies, fits the regression on the deduplicated columns and stores it."""
        texts = [lemma_text(m) for m in training_data.training_examples]
        for vectorizer in self.vectorizers:
            vectorizer.fit(texts)
        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return self._resource
        if len(set(y)) > 2:
            fit_deduplicated(self.clf, X, y)
        else:  # scikit-learn's binary form (one row of weights)
            self.clf.fit(X, y)
        self.coef_t = np.ascontiguousarray(self.clf.coef_.T)
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            np.save(model_dir / "coef.npy", self.clf.coef_, allow_pickle=False)
            np.save(model_dir / "intercept.npy", self.clf.intercept_, allow_pickle=False)
            labels = [str(label) for label in self.clf.classes_]
            (model_dir / "labels.json").write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
            vocabularies = [{term: int(i) for term, i in v.vocabulary_.items()} for v in self.vectorizers]
            (model_dir / "vocabularies.json").write_text(json.dumps(vocabularies, ensure_ascii=False), encoding="utf-8")

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
                vocabularies = json.loads((model_dir / "vocabularies.json").read_text(encoding="utf-8"))
        except ValueError:  # nothing persisted: no training examples
            return component
        rows = 1 if len(labels) == 2 else len(labels)  # scikit-learn keeps one row for two classes
        if coef.ndim != 2 or coef.shape[0] != rows or intercept.shape != (rows,):
            raise ValueError(f"{resource.name}: {coef.shape} weights do not fit {len(labels)} labels")
        component.clf.classes_ = np.array(labels)
        component.clf.coef_ = coef
        component.clf.intercept_ = intercept
        component.clf.n_features_in_ = coef.shape[1]
        component.coef_t = np.ascontiguousarray(coef.T)
        for vectorizer, vocabulary in zip(component.vectorizers, vocabularies, strict=True):
            vectorizer.vocabulary_ = vocabulary
        return component

    def _create_X(self, messages: list[Message]) -> csr_matrix:
        """Features of each message, one row each: "names a Jobcenter / a Land" (nlp/names.py), the
        sentence features of any featurizers before this component (sparse ones, then dense ones,
        as Rasa combines them), then the word and char n-gram counts of its lemmas (as
        ``CountVectorizer.transform`` counts them): the columns Rasa's featurizers gave before.

        The row is assembled as index and value lists and becomes one CSR matrix: stacking a
        scipy matrix per featurizer and message took most of the classifier's time per message."""
        analyzers = [(v.build_analyzer(), v.vocabulary_, len(v.vocabulary_)) for v in self.vectorizers]
        data: list[float] = []
        indices: list[int] = []
        indptr = [0]
        widths = set()
        for message in messages:
            offset = len(NAME_FEATURES)
            for column, value in enumerate(name_features(message.get(TEXT) or "")):
                if value:
                    indices.append(column)
                    data.append(value)
            for f in self._sentence_features(message):
                row = coo_matrix(f.features)
                order = np.argsort(row.col, kind="stable")
                indices.extend((row.col[order] + offset).tolist())
                data.extend(row.data[order].tolist())
                offset += row.shape[1]
            widths.add(offset)
            text = lemma_text(message)
            for analyze, vocabulary, size in analyzers:
                counts: dict[int, int] = defaultdict(int)
                for term in analyze(text):
                    column = vocabulary.get(term)
                    if column is not None:
                        counts[column] += 1
                for column in sorted(counts):
                    indices.append(column + offset)
                    data.append(counts[column])
                offset += size
            indptr.append(len(indices))
        if len(widths) > 1:
            raise ValueError(f"{self.name}: some messages lack the sentence features of the featurizers")
        width = offset if messages else len(NAME_FEATURES) + sum(size for _, _, size in analyzers)
        return csr_matrix(
            (np.array(data, dtype=np.float64), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int32)),
            shape=(len(messages), width),
        )

    @staticmethod
    def _sentence_features(message: Message) -> list[Any]:
        """The message's sentence features of the text, sparse first, each in the order added."""
        sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
        return [f for f in sentence if f.is_sparse()] + [f for f in sentence if f.is_dense()]

    def _create_training_matrix(self, training_data: TrainingData) -> tuple[Any, list[str]]:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get("text")]
        labels = [str(e.get(INTENT_RESPONSE_KEY) or e.get(INTENT)) for e in examples]
        return self._create_X(examples), labels

    def predict_proba(self, X: csr_matrix) -> np.ndarray:
        """scikit-learn's ``predict_proba`` (softmax of X @ coef.T + intercept), with the weights
        transposed once (``coef_t``): the product then reads the rows of a message's few features
        instead of strided columns of the 49 x 43,000 matrix (most of the classifier's time per
        message, py-spy). Same products in the same order: equal to scikit-learn's result."""
        if self.coef_t.shape[1] == 1:  # two labels: scikit-learn's one-vs-rest form
            return self.clf.predict_proba(X)
        scores = X @ self.coef_t
        scores += self.clf.intercept_
        return softmax(scores, copy=False)

    def process(self, messages: list[Message]) -> list[Message]:
        if not hasattr(self.clf, "classes_"):  # not trained (no examples)
            return messages
        probabilities = self.predict_proba(self._create_X(messages))
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

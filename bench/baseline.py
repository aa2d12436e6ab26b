"""Baseline: a TF-IDF nearest-question retriever on the same training examples (scikit-learn)."""

from __future__ import annotations

from dataclasses import dataclass

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.neighbors import NearestNeighbors

FALLBACK = "nlu_fallback"
# Below this cosine similarity the baseline answers with a fallback, like our FallbackClassifier.
THRESHOLD = 0.3


@dataclass
class TfidfRetriever:
    vectorizer: TfidfVectorizer
    index: NearestNeighbors
    labels: list[str]

    @classmethod
    def train(cls, examples: list[tuple[str, str]]) -> TfidfRetriever:
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True)
        matrix = vectorizer.fit_transform([text for text, _ in examples])
        index = NearestNeighbors(n_neighbors=1, metric="cosine").fit(matrix)
        return cls(vectorizer, index, [label for _, label in examples])

    def predict(self, text: str) -> str:
        distance, position = self.index.kneighbors(self.vectorizer.transform([text]))
        similarity = 1 - float(distance[0][0])
        return self.labels[int(position[0][0])] if similarity >= THRESHOLD else FALLBACK

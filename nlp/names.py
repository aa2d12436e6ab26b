"""Jobcenter and Land names in a message, for the NLU: entities and two features.

The names are recognised by the directory of the knowledge package (knowledge/directory.py:
exact name forms, then one typo), the one place that knows them. This component hands its result
on in Rasa's terms:

- entities ``jobcenter`` (value: the key of the directory's name index; ``confidence_entity`` below
  1.0 for a name found with a typo) and ``bundesland`` (value: the Land's name), which the
  routing (knowledge/routing.py) reads;
- two sentence features for the intent classifier, "names a Jobcenter (exactly)" and "names a
  Land": they help tell "Ist Bautzen kommunal?" from a general question.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import coo_matrix

from base.names import JOBCENTER_ENTITY, LAND_ENTITY
from base.paths import KNOWLEDGE_DATA
from knowledge.directory import JobcenterDirectory, Match, load_directory, normalise

TOKENS = "text_tokens"


def span(text: str, phrase: str, tokens: list[Token]) -> tuple[int, int]:
    """Character offsets of the tokens whose normalised words are ``phrase``; the whole text when
    normalising changed the word boundaries ("a. d." -> "an der")."""
    words = [(part, t) for t in tokens for part in normalise(t.text).split()]
    wanted = phrase.split()
    for i in range(len(words) - len(wanted) + 1):
        if [w for w, _ in words[i : i + len(wanted)]] == wanted:
            return words[i][1].start, words[i + len(wanted) - 1][1].end
    return 0, len(text)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=False,
)
class JobcenterNames(SparseFeaturizer, EntityExtractorMixin, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config()}

    def __init__(self, config: dict[str, Any], name: str, directory: JobcenterDirectory) -> None:
        super().__init__(name, config)
        self.directory = directory

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JobcenterNames:
        return cls(config, execution_context.node_name, load_directory(KNOWLEDGE_DATA))

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        pass

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            text = example.get(TEXT)
            if text:
                self._add_features(example, self.directory.find(text), self.directory.find_land(text))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            match, land = self.directory.find(text), self.directory.find_land(text)
            self._add_features(message, match, land)
            entities = list(message.get(ENTITIES, []))
            if match.jobcenters:
                start, end = span(text, match.phrase, message.get(TOKENS) or [])
                confidence = 1.0 if match.exact else match.score / 100
                entities.append(
                    {"entity": JOBCENTER_ENTITY, "value": match.text, "start": start, "end": end,
                     "confidence_entity": confidence}
                )  # fmt: skip
            if land:
                entities.append({"entity": LAND_ENTITY, "value": land, "start": 0, "end": len(text)})
            message.set(ENTITIES, self.add_extractor_name(entities), add_to_output=True)
        return messages

    def _add_features(self, message: Message, match: Match, land: str | None) -> None:
        exact = bool(match.jobcenters) and match.exact
        sentence = coo_matrix(np.array([[float(exact), float(land is not None)]]))
        self.add_features_to_message(None, sentence, TEXT, message)

"""Jobcenter and Land names in a message, for the NLU: entities and two features.

The names are recognised by the directory of the knowledge package (knowledge/directory.py:
exact name forms, then one typo), the one place that knows them. This module hands its result
on in Rasa's terms:

- ``JobcenterNames``: entities ``jobcenter`` (value: the key of the directory's name index;
  ``confidence_entity`` below 1.0 for a name found with a typo) and ``bundesland`` (value: the
  Land's name), which the routing (knowledge/routing.py) reads;
- ``name_features``: two features for the intent classifier (nlp/classifier.py), "names a
  Jobcenter (exactly)" and "names a Land": they help tell "Ist Bautzen kommunal?" from a general
  question. The classifier computes them itself, as it counts its words: as a Rasa featurizer
  this component ran over every training example, and Rasa fingerprinted all of them again after
  it (~7 s of `rasa train`, issue 27). ``names_in`` keeps the last texts' results, so a message's
  names are looked up once for both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from base.names import JOBCENTER_ENTITY, LAND_ENTITY
from base.paths import KNOWLEDGE_DATA
from knowledge.directory import JobcenterDirectory, Match, load_directory, normalise

TOKENS = "text_tokens"


@lru_cache(maxsize=1)
def shared_directory() -> JobcenterDirectory:
    """The directory, loaded once for both readers of names (``JobcenterNames``, the classifier)."""
    return load_directory(KNOWLEDGE_DATA)


@lru_cache(maxsize=256)
def names_in(text: str) -> tuple[Match, str | None]:
    """The Jobcenter and the Land ``text`` names (``shared_directory``). Do not change the Match:
    it is shared by the callers of the same text."""
    directory = shared_directory()
    return directory.find(text), directory.find_land(text)


def name_features(text: str) -> tuple[float, float]:
    """ "Names a Jobcenter (exactly)" and "names a Land", as 1.0 or 0.0."""
    match, land = names_in(text)
    return float(bool(match.jobcenters) and match.exact), float(land is not None)


def span(text: str, phrase: str, tokens: list[Token]) -> tuple[int, int]:
    """Character offsets of the tokens whose normalised words are ``phrase``; the whole text when
    normalising changed the word boundaries ("a. d." -> "an der")."""
    words = [(part, t) for t in tokens for part in normalise(t.text).split()]
    wanted = phrase.split()
    for i in range(len(words) - len(wanted) + 1):
        if [w for w, _ in words[i : i + len(wanted)]] == wanted:
            return words[i][1].start, words[i + len(wanted) - 1][1].end
    return 0, len(text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class JobcenterNames(EntityExtractorMixin, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    def __init__(self, config: dict[str, Any], node_name: str) -> None:
        self._config = config
        self._node_name = node_name

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> JobcenterNames:
        shared_directory()  # loaded now, not with the first message
        return cls(config, execution_context.node_name)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            match, land = names_in(text)
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

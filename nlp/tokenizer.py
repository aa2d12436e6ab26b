"""spaCy tokens of the message text only, in training too.

Rasa's SpacyTokenizer also tokenizes the intent, answer-key and action names of every training
message; nothing in this pipeline reads those tokens (the classifier and nlp/names.py read the
text's), and Rasa fingerprints every message the tokenizer changed (issue 27). Per message it is
SpacyTokenizer: a message to parse has only a text.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.training_data import TrainingData


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextTokenizer(SpacyTokenizer):
    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if example.get(TEXT):
                example.set(TOKENS_NAMES[TEXT], self.tokenize(example, TEXT))
        return training_data

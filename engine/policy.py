"""The dialogue policy: after a citizen's message ``action_reply``, after the reply listen.

That is all data/rules.yml says (every intent has one rule to ``action_reply``; the routing,
knowledge/routing.py, decides the reply). Rasa's RulePolicy found it by featurizing the
conversation's states and matching them against its rule table, twice per message: about 1.6 ms
of Rasa's CPU per message in `make profile` (docs/performance.md, issue 27). This policy reads
the last action and predicts with confidence 1.0, as a rule does. tests/test_policy.py checks it
against every rule of data/rules.yml; the German test stories (`rasa test core`) run through it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.constants import POLICY_PRIORITY, RULE_POLICY_PRIORITY
from rasa.core.policies.policy import Policy, PolicyPrediction, SupportedData
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

REPLY = "action_reply"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class ReplyPolicy(Policy):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {POLICY_PRIORITY: RULE_POLICY_PRIORITY}  # the only policy: as sure as a rule

    @staticmethod
    def supported_data() -> SupportedData:
        return SupportedData.ML_AND_RULE_DATA  # the rules are what it does: no warning that none reads them

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        after_message = tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.latest_message is not None
        probabilities[domain.index_for_action(REPLY if after_message else ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)

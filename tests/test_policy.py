"""engine/policy.py: the dialogue policy does what data/rules.yml says, for every rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from base.paths import DOMAIN, ROOT
from engine.policy import REPLY, ReplyPolicy


def rules() -> list[tuple[str, str]]:
    data = yaml.safe_load((ROOT / "data" / "rules.yml").read_text(encoding="utf-8"))
    out = []
    for rule in data["rules"]:
        steps = rule["steps"]
        assert len(steps) == 2, rule  # one intent, one action: all the policy knows
        out.append((steps[0]["intent"], steps[1]["action"]))
    return out


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> ReplyPolicy:
    storage = LocalModelStorage(Path(tmp_path_factory.mktemp("policy")))
    context = ExecutionContext(GraphSchema({}), "test")
    return ReplyPolicy.create(ReplyPolicy.get_default_config(), storage, Resource("policy"), context)


@pytest.mark.parametrize(("intent", "action"), rules())
def test_every_rule(policy: ReplyPolicy, intent: str, action: str) -> None:
    domain = Domain.load(str(DOMAIN))

    def predicted(tracker: DialogueStateTracker) -> str:
        prediction = policy.predict_action_probabilities(tracker, domain)
        best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
        assert prediction.probabilities[best] == 1.0
        return domain.action_names_or_texts[best]

    events = [ActionExecuted("action_session_start"), ActionExecuted("action_listen"),
              UserUttered("...", {"name": intent, "confidence": 0.9})]  # fmt: skip
    tracker = DialogueStateTracker.from_events("citizen", events, domain.slots)
    assert predicted(tracker) == action == REPLY
    tracker.update(ActionExecuted(REPLY))
    tracker.update(BotUttered("Antwort"))
    tracker.update(SlotSet("topic", "legal_basis"))
    assert predicted(tracker) == "action_listen"
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("Und weiter?", {"name": intent, "confidence": 0.9}))
    assert predicted(tracker) == REPLY  # the next message, the same way

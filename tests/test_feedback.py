"""What the server takes of a "Hilfreich?" rating (pipeline/feedback.py): a response name, a yes/no
and, for a no, optionally one of three reasons; the messengers' rating buttons; storing a rating."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.feedback import (
    ASK_REASON,
    OFFER,
    REASONS,
    THANKS,
    Feedback,
    answer_button,
    from_button,
    offer,
    parse,
    store,
    wording,
)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"answer": "utter_faq/what_is_municipal", "helpful": True}, Feedback("utter_faq/what_is_municipal", True)),
        ({"answer": "utter_lookup_municipal", "helpful": False}, Feedback("utter_lookup_municipal", False)),
        ({"answer": "utter_faq/x", "helpful": True, "text": "Meine Mail ist a@b.de"}, Feedback("utter_faq/x", True)),
        ({"answer": "utter_faq/x", "helpful": "yes"}, None),
        ({"answer": "utter_faq/x", "helpful": 1}, None),
        ({"answer": "utter_faq/x"}, None),
        ({"answer": "faq/x", "helpful": True}, None),
        ({"answer": "utter_faq/<script>", "helpful": True}, None),
        ({"answer": "utter_faq/x/y", "helpful": True}, None),
        ({"answer": "utter_faq/" + "x" * 61, "helpful": True}, None),
        ({"answer": "utter_faq/x\n", "helpful": True}, None),
        ({"answer": "utter_faq/x", "helpful": False, "reason": "wrong"}, Feedback("utter_faq/x", False, "wrong")),
        ({"answer": "utter_faq/x", "helpful": False, "reason": None}, Feedback("utter_faq/x", False)),
        ({"answer": "utter_faq/x", "helpful": True, "reason": "wrong"}, None),  # a reason only for "no"
        ({"answer": "utter_faq/x", "helpful": False, "reason": "Meine Mail ist a@b.de"}, None),  # no free text
        ({"answer": "utter_faq/x", "helpful": False, "reason": ["wrong"]}, None),
        ({"answer": ["utter_faq/x"], "helpful": True}, None),
        (None, None),
        ("utter_faq/x", None),
        ([], None),
    ],
)
def test_a_rating_is_a_response_name_and_a_yes_or_no(payload: Any, expected: Feedback | None) -> None:
    assert parse(payload) == expected


def test_every_rating_button_payload_reads_back_as_its_rating_within_telegrams_64_bytes() -> None:
    """Telegram's callback data holds 64 bytes: every button of every answer key of the domain fits."""
    from base.paths import DOMAIN
    from knowledge.answers import Answers
    from pipeline.feedback import button_payload

    known = Answers.load(DOMAIN)
    answers = [f"utter_faq/{k}" for k in known.questions] + [f"utter_out_of_scope/{t}" for t in known.themes]
    assert answers
    for answer in answers:
        for _, payload in wording(OFFER)[1] + wording(ASK_REASON)[1]:
            data = button_payload(payload, answer)
            assert len(data.encode("utf-8")) <= 64, data
            rating = from_button(data)
            assert rating is not None and rating.answer == answer
    assert from_button("feedback:no|faq/x") == Feedback("utter_faq/x", False)
    assert from_button("feedback:wrong|faq/x") == Feedback("utter_faq/x", False, "wrong")
    assert from_button("feedback:yes|faq/x") == Feedback("utter_faq/x", True)
    for text in ("feedback:maybe|faq/x", "feedback:yes|<script>", "Was ist ein kommunales Jobcenter?", "feedback:"):
        assert from_button(text) is None


@pytest.mark.parametrize("language", ["de", "de-x-ls", "en", "uk", "ar", "tr", "ru"])
def test_the_messengers_rating_wording_is_in_every_language(language: str) -> None:
    text, buttons = wording(OFFER, language)
    assert text and [p for _, p in buttons] == ["feedback:yes", "feedback:no"]
    assert [p for _, p in wording(ASK_REASON, language)[1]] == [f"feedback:{r}" for r in REASONS]
    assert wording(THANKS, language)[1] == []
    if language != "de":
        assert buttons != wording(OFFER)[1]  # translated titles
    offered = offer({"utter_action": "utter_faq/x", "language": language})
    assert [b["payload"] for b in offered] == ["feedback:yes|faq/x", "feedback:no|faq/x"]
    assert offer({"utter_action": "utter_greet", "metadata": {"feedback": False}}) == []
    assert offer({"text": "ohne Antwortnamen"}) == []


class FakeAgent:
    """What ``store`` uses of Rasa's agent: a lock per conversation, reading and saving trackers."""

    def __init__(self, tracker: Any) -> None:
        from rasa.core.lock_store import InMemoryLockStore

        self.lock_store = InMemoryLockStore()
        self.saved: list[Any] = []
        agent = self

        class Processor:
            async def get_tracker(self, _conversation: str) -> Any:
                return tracker

            async def save_tracker(self, saved: Any) -> None:
                agent.saved.append(saved)

        self.processor = Processor()


class FakeOutput:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str]]] = []

    async def send_text_message(self, _recipient: str, text: str, **_: Any) -> None:
        self.sent.append((text, []))

    async def send_text_with_buttons(self, _recipient: str, text: str, buttons: list[dict[str, Any]], **_: Any) -> None:
        self.sent.append((text, [b["payload"] for b in buttons]))


def tracker_with_answer() -> Any:
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    events = [UserUttered("Was ist ein kommunales Jobcenter?"), SlotSet("language", "en"),
              BotUttered("...", metadata={"utter_action": "utter_faq/what_is_municipal_jobcenter"})]  # fmt: skip
    return DialogueStateTracker.from_events("citizen", events)


def test_a_rating_is_stored_as_the_slot_feedback_only_for_an_answer_the_conversation_got() -> None:
    import asyncio

    tracker = tracker_with_answer()
    agent = FakeAgent(tracker)
    rating = Feedback("utter_faq/what_is_municipal_jobcenter", False, "incomplete")
    assert asyncio.run(store(agent, "citizen", rating)) == "en"
    assert tracker.get_slot("feedback") == {"answer": rating.answer, "helpful": False, "reason": "incomplete"}
    assert len(agent.saved) == 1
    assert asyncio.run(store(agent, "citizen", Feedback("utter_faq/count_municipal_jobcenters", True))) is None
    assert len(agent.saved) == 1  # an answer this conversation never got: nothing stored


def test_a_messenger_rating_button_asks_for_the_reason_then_thanks_in_the_conversations_language() -> None:
    import asyncio
    from types import SimpleNamespace

    agent, out = FakeAgent(tracker_with_answer()), FakeOutput()
    message = SimpleNamespace(sender_id="citizen", output_channel=out)
    for data in ("feedback:no|faq/what_is_municipal_jobcenter", "feedback:wrong|faq/what_is_municipal_jobcenter"):
        rating = from_button(data)
        assert rating is not None
        asyncio.run(answer_button(agent, message, rating))
    (asked, reasons), (thanks, none) = out.sent
    assert asked == wording(ASK_REASON, "en")[0] and thanks == wording(THANKS, "en")[0] and none == []
    assert reasons == [f"feedback:{r}|faq/what_is_municipal_jobcenter" for r in REASONS]
    assert len(agent.saved) == 2


def ratings_stored(tracker: Any) -> list[Any]:
    from rasa.shared.core.events import SlotSet

    return [e.value for e in tracker.events if isinstance(e, SlotSet) and e.key == "feedback"]


def test_ratings_count_against_the_conversations_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """One socket sent 299 ratings in 30 s and every one was stored (issue 24): ratings count
    against the limit the conversation's messages count against, and over it nothing is stored."""
    import asyncio

    from pipeline import rate_limit

    shared = rate_limit.from_env("RATE_LIMIT_UNSET_IN_TESTS", 30)
    monkeypatch.setattr(rate_limit, "per_sender", lambda: shared, raising=False)
    tracker = tracker_with_answer()
    agent = FakeAgent(tracker)
    answer = "utter_faq/what_is_municipal_jobcenter"

    async def flood() -> list[str | None]:
        return [await store(agent, "citizen", Feedback(answer, i % 2 == 0)) for i in range(299)]

    accepted = [r for r in asyncio.run(flood()) if r is not None]
    assert len(accepted) == 30 and len(ratings_stored(tracker)) == 30
    assert not shared.allow("citizen")  # the conversation's next message is over the limit too
    assert shared.allow("someone else")


def test_only_the_last_rating_of_an_answer_is_kept() -> None:
    """The same rating again is taken (the widget gets its acknowledgement) but not stored; a
    different one is stored after it, and the report counts the latest (report/turns.py)."""
    import asyncio

    tracker = tracker_with_answer()
    agent = FakeAgent(tracker)
    answer = "utter_faq/what_is_municipal_jobcenter"
    for rating in (Feedback(answer, True), Feedback(answer, True), Feedback(answer, False),
                   Feedback(answer, False, "wrong"), Feedback(answer, False, "wrong")):  # fmt: skip
        assert asyncio.run(store(agent, "citizen-2", rating)) == "en"
    assert ratings_stored(tracker) == [
        {"answer": answer, "helpful": True, "reason": None},
        {"answer": answer, "helpful": False, "reason": None},
        {"answer": answer, "helpful": False, "reason": "wrong"},
    ]
    assert len(agent.saved) == 3

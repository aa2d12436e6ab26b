"""pipeline/steps.py: the steps of a message in order, over one Turn, with a fake engine (no Rasa,
no servers); pipeline/render.py: every text in the conversation's language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from base.languages import GERMAN, SUPPORTED
from base.names import LANGUAGE_NOTE
from knowledge.translations import load_translations
from pipeline import rate_limit, steps
from pipeline.render import german_responses, render
from pipeline.steps import STEPS, StoreUnavailable, Turn, handle

NOTICES = [
    "utter_personal_data_removed",
    "utter_message_too_long",
    "utter_empty_message",
    "utter_too_many_messages",
    "utter_store_unavailable",
    "utter_action_unavailable",
    LANGUAGE_NOTE,
]


class FakeConversation:
    """Records what the steps ask of the engine; ``slot`` is the conversation's language so far."""

    def __init__(self, slot: str | None = None, fail: str | None = None) -> None:
        self.slot, self.fail = slot, fail
        self.log: list[str] = []
        self.understood: list[tuple[str, str]] = []

    async def show_stored(self, turn: Turn) -> None:
        self.log.append(f"stored: {turn.text}")

    async def send(self, turn: Turn, message: dict[str, Any]) -> None:
        self.log.append(f"{message['utter_action']}: {message['text']}")

    async def read(self, turn: Turn) -> Any:
        if self.fail == "read":
            raise StoreUnavailable("OperationalError")
        return {"language": self.slot}

    def language_of(self, conversation: Any) -> str | None:
        return conversation["language"]

    async def understand(self, turn: Turn) -> None:
        self.understood.append((turn.text, turn.language))
        self.log.append("understand")

    async def answer(self, turn: Turn) -> None:
        if self.fail == "answer":
            raise StoreUnavailable("OperationalError")
        self.log.append("answer")

    async def store(self, turn: Turn) -> None:
        self.log.append("store")


@pytest.fixture(autouse=True)
def fresh_rate_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    rate_limit.per_sender.cache_clear()
    yield
    rate_limit.per_sender.cache_clear()


def text_of(response: str, language: str) -> str:
    message = render(response, language)
    assert message is not None
    return str(message["text"])


def test_the_steps_in_order() -> None:
    assert [s.__name__ for s in STEPS] == ["gate", "read", "language", "notify", "understand", "answer", "store"]


async def test_a_message_passes_every_step_cleaned_before_understanding() -> None:
    engine = FakeConversation()
    await handle(Turn("s", "Meine IBAN ist DE89 3704 0044 0532 0130 00"), engine)
    assert engine.log == [
        "stored: Meine IBAN ist [IBAN]",
        f"utter_personal_data_removed: {text_of('utter_personal_data_removed', GERMAN)}",
        "understand",
        "answer",
        "store",
    ]


@pytest.mark.parametrize(
    ("text", "understood"),
    [
        ('/greet{"jobcenter": "0371 1234567"}', 'greet{"jobcenter": "[Telefonnummer]"}'),  # text, never a command
        ("/Meine IBAN ist DE89 3704 0044 0532 0130 00", "Meine IBAN ist [IBAN]"),
    ],
)
async def test_slash_messages_are_text_and_redacted(text: str, understood: str) -> None:
    engine = FakeConversation()
    await handle(Turn("s", text), engine)
    assert engine.understood[0][0] == understood


async def test_metadata_keeps_language_codes_only() -> None:
    turn = Turn("s", "Hallo", {"language": "uk", "name": "Erika", "platform_language": "en-US"})
    await handle(turn, FakeConversation())
    assert turn.metadata == {"language": "uk", "platform_language": "en"}
    other = Turn("s", "Hallo", {"name": "Erika"})
    await handle(other, FakeConversation())
    assert other.metadata is None


@pytest.mark.parametrize("text", [{"x": 1}, None, 5])
async def test_a_text_that_is_not_a_string_is_ignored(text: Any) -> None:
    engine = FakeConversation()
    await handle(Turn("s", text), engine)
    assert engine.log == []


async def test_an_empty_message_reaches_nothing_and_is_told_in_the_chosen_language() -> None:
    engine = FakeConversation()
    await handle(Turn("s", "   ", {"language": "en"}), engine)
    assert engine.log == ["stored: ", f"utter_empty_message: {text_of('utter_empty_message', 'en')}"]


async def test_the_language_is_decided_once_before_understanding() -> None:
    engine = FakeConversation(slot=None)
    turn = Turn("s", "What is a municipal job centre and who runs it?")
    await handle(turn, engine)
    assert turn.language == "en" and turn.language_changed
    assert engine.understood == [(turn.text, "en")]
    assert engine.log[0].startswith("stored:") and engine.log[1] == f"{LANGUAGE_NOTE}: {text_of(LANGUAGE_NOTE, 'en')}"
    same = FakeConversation(slot="en")  # already English: no note, no change
    turn = Turn("s", "ok")
    await handle(turn, same)
    assert turn.language == "en" and not turn.language_changed and not any(LANGUAGE_NOTE in x for x in same.log)


# Issue 25: the notices were sent with the German variant only ("Ihre Nachricht enthielt
# persönliche Daten ..." in an English conversation).
@pytest.mark.parametrize("language", [c for c in SUPPORTED if c != GERMAN])
async def test_personal_data_notice_in_the_conversations_language(language: str) -> None:
    engine = FakeConversation(slot=language)
    await handle(Turn("s", "ok erika.musterfrau@example.org"), engine)
    told = text_of("utter_personal_data_removed", language)
    assert f"utter_personal_data_removed: {told}" in engine.log
    assert told != text_of("utter_personal_data_removed", GERMAN)


@pytest.mark.parametrize("language", SUPPORTED)
async def test_store_unavailable_in_the_chosen_language(language: str) -> None:
    for fail in ("read", "answer"):
        engine = FakeConversation(slot=language, fail=fail)
        await handle(Turn("s", "Hallo", {"language": language}), engine)
        assert engine.log[-1] == f"utter_store_unavailable: {text_of('utter_store_unavailable', language)}"


@pytest.mark.parametrize("language", SUPPORTED)
async def test_too_many_messages_in_the_chosen_language(language: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_PER_SENDER", "1")
    engine = FakeConversation()
    await handle(Turn("s", "Hallo", {"language": language}), engine)
    await handle(Turn("s", "Hallo", {"language": language}), engine)
    assert engine.log[-1] == f"utter_too_many_messages: {text_of('utter_too_many_messages', language)}"
    assert engine.log.count("understand") == 1


def test_without_actions_answers_small_talk_and_says_so_otherwise() -> None:
    assert steps.without_actions("greet") == "utter_greet"
    assert steps.without_actions("faq") == steps.ACTIONS_UNAVAILABLE


@pytest.mark.parametrize("language", [c for c in SUPPORTED if c != GERMAN])
@pytest.mark.parametrize("notice", [*NOTICES, "utter_feedback_offer", "utter_feedback_reason", "utter_feedback_thanks"])
def test_every_notice_is_rendered_in_every_language(notice: str, language: str) -> None:
    """Each notice has its own text in each language (translations/<code>.yml), never the German."""
    assert notice in load_translations()[language].responses
    assert text_of(notice, language) == load_translations()[language].responses[notice]["text"]


def test_render_keeps_payloads_that_are_not_questions_and_translates_question_buttons() -> None:
    offer = render("utter_feedback_offer", "en")
    assert offer is not None
    assert [b["payload"] for b in offer["buttons"]] == ["feedback:yes", "feedback:no"]
    assert offer["buttons"][0]["title"] != german_responses()["utter_feedback_offer"]["buttons"][0]["title"]
    greet = render("utter_greet", "en")
    assert greet is not None
    assert all(b["payload"] == b["title"] for b in greet["buttons"])  # a question button sends its text
    assert greet["buttons"][0]["title"] == load_translations()["en"].responses["utter_greet"]["buttons"][0]
    assert greet["metadata"] == {"feedback": False}  # the German response's metadata, in every language
    # the language goes with the message: the widget's texts and the messengers' rating buttons
    # follow it (the action passed it before issue 25; without it they fell back to German)
    assert greet["language"] == "en" and (render("utter_greet", "xx") or {})["language"] == GERMAN


def test_render_fills_placeholders_like_rasa_and_keeps_unknown_ones() -> None:
    from rasa.core.nlg.interpolator import interpolate_text

    from pipeline.render import interpolate

    for text in ["Stand {stand}", "{unknown} bleibt", "{{escaped}}", "kein Platzhalter"]:
        values = {"stand": "1. Januar 2026"}
        assert interpolate(text, values) == interpolate_text(text, values)
    assert render("no_such_response", "en") is None
    assert render("utter_greet", "xx") == render("utter_greet", GERMAN)  # an unknown language: German

"""The WhatsApp channel's formats without a server (channels/whatsapp_messages.py), the message ids
remembered against Meta's retries, and the pseudonyms of messenger ids (channels/pseudonyms.py)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Any

import aiohttp
import pytest

from channels import whatsapp_messages as wa
from channels.pseudonyms import PseudonymousOutput, pseudonym, pseudonymise
from channels.whatsapp import SeenIds, WhatsAppInput, seconds

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account"}'
RIGHT = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
NUMBER = "4915112345678"


# ---- signature ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "ok"),
    [
        (f"sha256={RIGHT}", True),
        (f"sha256={RIGHT.upper()}", True),
        ("", False),
        ("sha256=", False),
        (f"sha256={RIGHT[:-1]}0" if RIGHT[-1] != "0" else f"sha256={RIGHT[:-1]}1", False),
        ("sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(), False),  # another algorithm
        ("md5=" + hashlib.md5(BODY).hexdigest(), False),
        (RIGHT, False),  # no prefix
    ],
)
def test_signature(header: str, ok: bool) -> None:
    assert wa.signed(SECRET, BODY, header) is ok


def test_signature_of_another_body_or_secret_is_refused() -> None:
    assert not wa.signed(SECRET, BODY + b" ", f"sha256={RIGHT}")
    assert not wa.signed("other", BODY, f"sha256={RIGHT}")
    assert not wa.signed("", BODY, f"sha256={RIGHT}")


# ---- splitting ----------------------------------------------------------------------------------
def test_long_text_is_split_at_4096_never_inside_a_word() -> None:
    words = " ".join(f"Wort{i}" for i in range(2000))  # one paragraph of ~15,000 characters
    parts = wa.split_text(words)
    assert len(parts) > 3 and all(len(p) <= wa.MAX_TEXT for p in parts)
    assert " ".join(parts).split() == words.split()  # nothing lost, no word cut


def test_paragraphs_are_kept_together_where_they_fit() -> None:
    assert wa.split_text("Erstens.\n\nZweitens.") == ["Erstens.\n\nZweitens."]
    big = "a " * 3000
    parts = wa.split_text(f"Kurz.\n\n{big}")
    assert parts[0] == "Kurz." and all(len(p) <= wa.MAX_TEXT for p in parts)


def test_a_text_with_buttons_keeps_its_body_within_1024() -> None:
    text = "\n\n".join(f"Absatz {i} " + "x" * 300 for i in range(8))
    before, body = wa.with_body(text)
    assert len(body) <= wa.MAX_BODY and body.startswith("Absatz")
    assert all(len(p) <= wa.MAX_TEXT for p in before)
    assert "\n\n".join([*before, body]).split() == text.split()
    assert wa.with_body("Kurz.") == ([], "Kurz.")


@pytest.mark.parametrize(
    ("title", "limit", "expected"),
    [
        ("Stadt Leipzig", 24, "Stadt Leipzig"),
        ("Was ist ein kommunales Jobcenter?", 24, "Was ist ein kommunales…"),
        ("Wer ist für Bürgergeld zuständig?", 20, "Wer ist für…"),
        ("Donaudampfschifffahrtsgesellschaft", 24, "Donaudampfschifffahrtsg…"),  # one word: cut
    ],
)
def test_shorten_cuts_at_a_word_end(title: str, limit: int, expected: str) -> None:
    assert wa.shorten(title, limit) == expected
    assert len(wa.shorten(title, limit)) <= limit


# ---- buttons and lists --------------------------------------------------------------------------
def buttons(*titles: str) -> list[dict[str, Any]]:
    return [{"title": t, "payload": f'/choose{{"n": {i}}}'} for i, t in enumerate(titles)]


RATING = [{"title": "👍 Hilfreich", "payload": "feedback:yes|faq/x"},
          {"title": "👎 Nicht hilfreich", "payload": "feedback:no|faq/x"}]  # fmt: skip


def test_up_to_three_short_choices_are_reply_buttons() -> None:
    message = wa.interactive(NUMBER, "Welches meinen Sie?", buttons("Landkreis Leipzig", "Stadt Leipzig"))
    assert message["messaging_product"] == "whatsapp" and message["to"] == NUMBER
    interactive = message["interactive"]
    assert interactive["type"] == "button" and interactive["body"]["text"] == "Welches meinen Sie?"
    assert [b["reply"]["title"] for b in interactive["action"]["buttons"]] == ["Landkreis Leipzig", "Stadt Leipzig"]
    assert interactive["action"]["buttons"][1]["reply"]["id"] == '/choose{"n": 1}'


def test_rating_alone_is_two_reply_buttons() -> None:
    interactive = wa.interactive(NUMBER, "Antwort", wa.keep_rating([], RATING))["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == ["feedback:yes|faq/x", "feedback:no|faq/x"]


@pytest.mark.parametrize(
    "choices",
    [
        buttons("Eins", "Zwei", "Drei", "Vier"),  # more than three
        buttons("Was ist ein kommunales Jobcenter?"),  # a title over 20 characters
        [*buttons("Eins", "Zwei"), *RATING],  # answer buttons and the rating: four
    ],
)
def test_more_than_three_or_long_titles_become_a_list(choices: list[dict[str, Any]]) -> None:
    interactive = wa.interactive(NUMBER, "Bitte wählen Sie", choices, "de")["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Auswahl"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [c["payload"] for c in choices]
    assert all(len(r["title"]) <= wa.MAX_ROW_TITLE for r in rows)


def test_a_long_question_keeps_its_full_text_in_the_description() -> None:
    question = "Ist das Jobcenter im Erzgebirgskreis kommunal?"
    rows = wa.interactive(NUMBER, "?", buttons(question), "uk")["interactive"]["action"]
    assert rows["button"] == "Варіанти"
    row = rows["sections"][0]["rows"][0]
    assert row["title"] == "Ist das Jobcenter im…" and row["description"] == question
    short = wa.interactive(NUMBER, "?", buttons("Eins", "Zwei", "Drei", "Vier"))
    assert "description" not in short["interactive"]["action"]["sections"][0]["rows"][0]


def test_a_list_has_at_most_ten_rows_and_keeps_the_rating() -> None:
    choices = wa.keep_rating(buttons(*(f"Frage {i}" for i in range(15))), RATING)
    rows = wa.interactive(NUMBER, "?", choices)["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == wa.MAX_ROWS
    assert rows[-2:] == [{"id": r["payload"], "title": r["title"]} for r in RATING]
    assert rows[0]["title"] == "Frage 0"


def test_a_payload_too_long_for_an_id_sends_the_title() -> None:
    long = [{"title": "Frage", "payload": "x" * 300}]
    assert wa.interactive(NUMBER, "?", long)["interactive"]["action"]["buttons"][0]["reply"]["id"] == "Frage"


# ---- inbound payloads ---------------------------------------------------------------------------
def webhook(*messages: dict[str, Any], statuses: list[dict[str, Any]] | None = None, number: str = "PN1") -> Any:
    value: dict[str, Any] = {"messaging_product": "whatsapp",
                             "metadata": {"display_phone_number": "49351000", "phone_number_id": number},
                             "contacts": [{"profile": {"name": "Erika"}, "wa_id": NUMBER}]}  # fmt: skip
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}]}  # fmt: skip


def message(kind: str, **content: Any) -> dict[str, Any]:
    return {"from": NUMBER, "id": f"wamid.{kind}", "timestamp": "1700000000", "type": kind, **content}


@pytest.mark.parametrize(
    ("incoming", "kind", "text"),
    [
        (message("text", text={"body": "Was ist ein Jobcenter?"}), "text", "Was ist ein Jobcenter?"),
        (message("interactive", interactive={"type": "button_reply",
                 "button_reply": {"id": "feedback:yes|faq/x", "title": "👍 Hilfreich"}}), "interactive",
         "feedback:yes|faq/x"),
        (message("interactive", interactive={"type": "list_reply",
                 "list_reply": {"id": "/faq", "title": "Was ist…", "description": "Was ist das?"}}), "interactive",
         "/faq"),
        (message("button", button={"text": "Ja", "payload": "ja"}), "button", "ja"),
        (message("image", image={"id": "MEDIA", "mime_type": "image/jpeg"}), wa.UNSUPPORTED, ""),
        (message("audio", audio={"id": "MEDIA"}), wa.UNSUPPORTED, ""),
        (message("location", location={"latitude": 50.6, "longitude": 12.9}), wa.UNSUPPORTED, ""),
        (message("sticker", sticker={"id": "MEDIA"}), wa.UNSUPPORTED, ""),
        (message("reaction", reaction={"message_id": "wamid.x", "emoji": "👍"}), wa.UNSUPPORTED, ""),
        (message("text", text={"body": "   "}), wa.UNSUPPORTED, "   "),
    ],
)  # fmt: skip
def test_inbound_messages(incoming: dict[str, Any], kind: str, text: str) -> None:
    [parsed] = wa.inbound(webhook(incoming), "PN1")
    assert (parsed.kind, parsed.text, parsed.sender, parsed.message_id) == (kind, text, NUMBER, incoming["id"])


@pytest.mark.parametrize(
    "body",
    [
        webhook(statuses=[{"id": "wamid.out1", "status": "delivered", "recipient_id": NUMBER}]),
        webhook(message("text", text={"body": "Hallo"}), number="ANOTHER"),
        {"object": "whatsapp_business_account", "entry": [{"changes": [{"value": None}]}]},
        {"entry": "nonsense"},
        [],
        "text",
    ],
)
def test_statuses_other_numbers_and_nonsense_give_no_message(body: Any) -> None:
    assert wa.inbound(body, "PN1") == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"error": {"code": 130429, "type": "OAuthException", "message": "Rate limit hit"}},
            (130429, "OAuthException"),
        ),
        ({"error": {"code": "131056"}}, (131056, "")),
        ({}, (None, "")),
        (None, (None, "")),
    ],
)
def test_graph_error(data: Any, expected: tuple[int | None, str]) -> None:
    assert wa.graph_error(data) == expected


class FakeRedis:
    """SET NX EX as Redis does it, for the lock store's client (stores/lock_store.py ``red``)."""

    def __init__(self, fail: bool = False) -> None:
        self.keys: dict[str, int] = {}
        self.fail = fail

    def set(self, key: str, value: int, nx: bool = False, ex: int | None = None) -> bool | None:
        if self.fail:
            raise ConnectionError("down")
        assert nx and ex and ex >= 3600
        if key in self.keys:
            return None
        self.keys[key] = value
        return True


def test_message_ids_are_shared_through_the_lock_stores_redis_by_every_worker() -> None:
    class LockStore:
        red = FakeRedis()

    one, other = SeenIds(), SeenIds()  # two workers or two instances
    assert one.first_time("wamid.ABC", LockStore()) and not other.first_time("wamid.ABC", LockStore())
    assert all("wamid" not in key for key in LockStore.red.keys)  # a hash of the id, not the id


def test_without_redis_a_worker_remembers_ids_itself() -> None:
    class Down:
        red = FakeRedis(fail=True)

    seen = SeenIds()
    assert seen.first_time("wamid.X", Down()) and not seen.first_time("wamid.X", Down())
    assert seen.first_time("wamid.Y", None) and not seen.first_time("wamid.Y", None)


def test_message_ids_seen_before_are_ignored_and_old_ones_forgotten() -> None:
    seen = SeenIds(size=2)
    assert seen.first_time("a") and not seen.first_time("a")
    assert seen.first_time("b") and seen.first_time("c")
    assert seen.first_time("a")  # forgotten: only the latest two are kept


@pytest.mark.parametrize(("value", "expected"), [("3", 3.0), (None, None), ("soon", None), ("-1", 0.0)])
def test_retry_after(value: str | None, expected: float | None) -> None:
    assert seconds(value) == expected


@pytest.mark.parametrize("missing", ["access_token", "app_secret", "verify_token", "phone_number_id"])
def test_the_channel_needs_its_four_variables(missing: str) -> None:
    credentials = {"access_token": "t", "app_secret": "s", "verify_token": "v", "phone_number_id": "1"}
    WhatsAppInput.from_credentials(credentials)
    with pytest.raises(ValueError, match="WHATSAPP_"):
        WhatsAppInput.from_credentials({**credentials, missing: ""})


# ---- pseudonyms ---------------------------------------------------------------------------------
def test_pseudonym_is_stable_keyed_and_hides_the_id() -> None:
    one = pseudonym("whatsapp", NUMBER, b"secret-1")
    assert one == pseudonym("whatsapp", NUMBER, b"secret-1")
    assert one.startswith("whatsapp-") and len(one) == len("whatsapp-") + 32
    assert NUMBER not in one and NUMBER[-6:] not in one
    assert one != pseudonym("whatsapp", NUMBER, b"secret-2")  # keyed
    assert one != pseudonym("telegram", NUMBER, b"secret-1")  # per messenger
    assert one != pseudonym("whatsapp", "4915112345679", b"secret-1")


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    @classmethod
    def name(cls) -> str:
        return "whatsapp"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent.append((recipient_id, message))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        self.sent.append((recipient_id, text))

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list, **kwargs: Any) -> None:
        self.sent.append((recipient_id, buttons))


def test_pseudonymised_message_replies_reach_the_real_id(monkeypatch: pytest.MonkeyPatch) -> None:
    from rasa.core.channels.channel import UserMessage

    monkeypatch.setattr("channels.pseudonyms._secret", lambda: b"test-secret")
    inner = Recorder()
    user_message = pseudonymise(UserMessage("Hallo", inner, NUMBER, input_channel="whatsapp"), "whatsapp")
    conversation = pseudonym("whatsapp", NUMBER, b"test-secret")
    assert user_message.sender_id == conversation
    out = user_message.output_channel
    assert isinstance(out, PseudonymousOutput) and out.name() == "whatsapp"
    asyncio.run(out.send_response(conversation, {"text": "Antwort"}))
    asyncio.run(out.send_text_message(conversation, "Danke"))
    asyncio.run(out.send_text_with_buttons(conversation, "?", [{"title": "a"}]))
    asyncio.run(out.send_text_message("someone-else", "x"))
    assert [r for r, _ in inner.sent] == [NUMBER, NUMBER, NUMBER, "someone-else"]


# ---- sending: retries and the token -------------------------------------------------------------
class FakeAnswer:
    def __init__(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self.status, self.data, self.headers = status, data, headers or {}

    async def json(self, content_type: Any = None) -> Any:
        return self.data

    async def __aenter__(self) -> FakeAnswer:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None


class FakeSession:
    """aiohttp.ClientSession answering from ``answers`` (an exception: the API unreachable)."""

    answers: list[Any] = []
    calls: list[dict[str, Any]] = []

    def __init__(self, **kwargs: Any) -> None:
        pass

    async def __aenter__(self) -> FakeSession:
        return self

    async def __aexit__(self, *args: Any) -> None:
        return None

    def post(self, url: str, json: Any, headers: dict[str, str]) -> FakeAnswer:
        FakeSession.calls.append({"url": url, "json": json, "headers": headers})
        answer = FakeSession.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def graph(code: int) -> dict[str, Any]:
    return {"error": {"code": code, "type": "OAuthException", "message": "Nachricht mit Text"}}


@pytest.mark.parametrize(
    ("answers", "delivered", "attempts", "logged"),
    [
        ([FakeAnswer(200, {})], True, 1, None),
        ([FakeAnswer(429, graph(130429)), FakeAnswer(200, {})], True, 2, "code 130429"),
        ([FakeAnswer(400, graph(131056)), FakeAnswer(200, {})], True, 2, "code 131056"),
        ([FakeAnswer(503, None), FakeAnswer(500, None), FakeAnswer(200, {})], True, 3, "status 503"),
        ([aiohttp.ClientConnectionError("down"), FakeAnswer(200, {})], True, 2,
         "unreachable"),
        ([FakeAnswer(401, graph(190))], False, 1, "renew WHATSAPP_ACCESS_TOKEN"),
        ([FakeAnswer(400, graph(100))], False, 1, "code 100"),  # a malformed request: not retried
        ([FakeAnswer(429, graph(130429))] * 4, False, 4, "given up"),
    ],
)  # fmt: skip
def test_post_retries_where_meta_allows_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    answers: list[Any], delivered: bool, attempts: int, logged: str | None,
) -> None:  # fmt: skip
    from channels import whatsapp

    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(whatsapp.aiohttp, "ClientSession", FakeSession)
    monkeypatch.setattr(whatsapp.asyncio, "sleep", no_sleep)
    FakeSession.answers, FakeSession.calls = list(answers), []
    out = whatsapp.WhatsAppOutput("token-xyz", "1098", "http://graph.invalid/v21.0")
    text = wa.text_message(NUMBER, "Geheimer Text")
    assert asyncio.run(out.post(text)) is delivered
    assert len(FakeSession.calls) == attempts
    assert FakeSession.calls[0]["url"] == "http://graph.invalid/v21.0/1098/messages"
    assert FakeSession.calls[0]["headers"] == {"Authorization": "Bearer token-xyz"}
    assert sleeps == [whatsapp.RETRY_FIRST_S * 2**i for i in range(len(sleeps))]  # backoff doubles
    if logged:
        assert logged in caplog.text
    for secret in ("Geheimer Text", NUMBER, "token-xyz", "Nachricht mit Text"):
        assert secret not in caplog.text


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    from channels import whatsapp

    sleeps: list[float] = []

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    monkeypatch.setattr(whatsapp.aiohttp, "ClientSession", FakeSession)
    monkeypatch.setattr(whatsapp.asyncio, "sleep", no_sleep)
    FakeSession.answers = [FakeAnswer(429, graph(130429), {"Retry-After": "7"}), FakeAnswer(200, {})]
    FakeSession.calls = []
    out = whatsapp.WhatsAppOutput("t", "1", None)
    assert asyncio.run(out.post(wa.text_message(NUMBER, "x"))) and sleeps == [7.0]
    assert out.url == f"{whatsapp.DEFAULT_API_URL}/1/messages"


def test_whatsapp_variables_reach_the_servers_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from ops.services import environment

    monkeypatch.setenv("WHATSAPP_ACCESS_TOKEN", "from-the-shell")
    assert "WHATSAPP_ACCESS_TOKEN" not in environment()
    assert environment(messengers=True)["WHATSAPP_ACCESS_TOKEN"] == "from-the-shell"
    assert environment({"WHATSAPP_ACCESS_TOKEN": "given"})["WHATSAPP_ACCESS_TOKEN"] == "given"

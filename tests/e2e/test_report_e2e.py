"""The editors' report end to end (issue 17): conversations over REST, the widget (browser) and the
fake Telegram and Facebook, answered, unanswered and out-of-scope questions, ratings helpful and
not helpful with a reason; then ``python -m report`` on the event broker's file. The JSON's counts,
feedback and groups are checked, and a citizen's IBAN is in none of event store, JSON and HTML."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from base.paths import MODEL, ROOT
from ops.services import demo_site
from tests.conftest import PII
from tests.e2e.fake_platforms import FakePlatforms, wait_for
from tests.e2e.servers import Servers, running_servers
from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, ask, open_widget, serve
from tests.e2e.test_messengers import (
    BOT,
    FB_SECRET,
    FB_TOKEN,
    FB_VERIFY,
    TG_SECRET,
    TG_TOKEN,
    fb_body,
    post_facebook,
    post_telegram,
    telegram_update,
)

pytestmark = pytest.mark.e2e
IBAN = PII["IBAN"]
WHAT = "Was ist ein kommunales Jobcenter?"
HOW_MANY = "Wie viele kommunale Jobcenter gibt es?"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, FakePlatforms, str]]:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    fake = FakePlatforms(BOT)
    page_dir = tmp_path_factory.mktemp("site")
    url, httpd = serve(page_dir)
    env = {
        "TELEGRAM_ACCESS_TOKEN": TG_TOKEN, "TELEGRAM_BOT_NAME": BOT, "TELEGRAM_SECRET_TOKEN": TG_SECRET,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.invalid/webhooks/telegram/webhook",
        "TELEGRAM_API_URL": fake.url, "FACEBOOK_VERIFY_TOKEN": FB_VERIFY, "FACEBOOK_APP_SECRET": FB_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": FB_TOKEN, "FACEBOOK_GRAPH_URL": fake.url + "/graph", "WIDGET_ORIGINS": url,
    }  # fmt: skip
    try:
        with running_servers(tmp_path_factory.mktemp("report"), extra_env=env) as servers:
            demo_site(page_dir, servers.rasa_url.replace("127.0.0.1", "localhost"))
            yield servers, fake, url
    finally:
        httpd.shutdown()
        fake.close()


def press_telegram(servers: Servers, chat: int, update_id: int, message: dict[str, Any], data: str) -> None:
    user = {"id": chat, "is_bot": False, "first_name": "Test"}
    pressed = {"message_id": update_id, "date": int(time.time()), "chat": {"id": chat, "type": "private"},
               "text": message.get("text", ""), "reply_markup": json.loads(message["reply_markup"])}  # fmt: skip
    query = {"id": f"cb-{update_id}", "from": user, "chat_instance": "ci", "data": data, "message": pressed}
    assert post_telegram(servers, {"update_id": update_id, "callback_query": query}).status_code == 200


def button(message: dict[str, Any], payload_start: str) -> str:
    keyboard = json.loads(message["reply_markup"])["inline_keyboard"]
    return next(b["callback_data"] for row in keyboard for b in row if b["callback_data"].startswith(payload_start))


def talk_over_rest(servers: Servers) -> None:
    assert "Optionskommune" in json.dumps(servers.say(WHAT, sender="rest-1"), ensure_ascii=False)
    servers.say("xyzzy qwertz blubb", sender="test-1")  # an operator's test (curl): not in the report
    servers.say(f"Wie viel Bürgergeld bekomme ich? Meine IBAN ist {IBAN}", sender="rest-1")
    # nearly the same from a second conversation (a short "Wieviel Bürgergeld?" no longer joins a longer message)
    servers.say(f"Wieviel Bürgergeld bekomme ich? Meine IBAN ist {IBAN}", sender="rest-2")
    servers.say("xyzzy qwertz blubb", sender="rest-2")


def talk_in_the_widget(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page()
        open_widget(page, url)
        ask(page, HOW_MANY, "104")
        page.locator(".jcw-rating").get_by_role("button", name="Nein").click()
        reasons = page.locator(".jcw-rating", has_text="Was hat nicht gepasst?")
        reasons.wait_for(timeout=10_000)
        assert page.evaluate("document.activeElement.dataset.reason") == "wrong"  # focus moved to the reasons
        reasons.get_by_role("button", name="Unvollständig").click()
        page.locator(".jcw-rating-done", has_text="Danke").wait_for(timeout=10_000)
        browser.close()


def talk_on_telegram(servers: Servers, fake: FakePlatforms) -> None:
    chat = 6001
    assert post_telegram(servers, telegram_update(61, chat, WHAT)).status_code == 200
    answer = wait_for(lambda: [m for m in fake.telegram_sent(chat) if "Optionskommune" in str(m.get("text"))])[-1]
    keyboard = json.loads(answer["reply_markup"])["inline_keyboard"]
    assert [b["text"] for b in keyboard[-1]] == ["👍 Hilfreich", "👎 Nicht hilfreich"]  # the last row
    press_telegram(servers, chat, 62, answer, button(answer, "feedback:no|"))
    asked = wait_for(lambda: [m for m in fake.telegram_sent(chat) if "nicht gepasst" in str(m.get("text"))])[-1]
    press_telegram(servers, chat, 63, asked, button(asked, "feedback:wrong|"))
    wait_for(lambda: [m for m in fake.telegram_sent(chat) if "Danke für Ihre Rückmeldung" in str(m.get("text"))])


def talk_on_facebook(servers: Servers, fake: FakePlatforms) -> None:
    user = "U-report"
    assert post_facebook(servers, fb_body(user, {"text": HOW_MANY})).status_code == 200
    answer = wait_for(lambda: [m for m in fake.facebook_sent(user) if "104" in str(m.get("text"))])[-1]
    helpful = next(q for q in answer["quick_replies"] if q["payload"].startswith("feedback:yes|"))
    assert helpful["title"] == "👍 Hilfreich"
    tap = {"text": helpful["title"], "quick_reply": {"payload": helpful["payload"]}}
    assert post_facebook(servers, fb_body(user, tap)).status_code == 200
    wait_for(lambda: [m for m in fake.facebook_sent(user) if "Danke für Ihre Rückmeldung" in str(m.get("text"))])


def test_the_report_shows_the_conversations_of_every_channel_with_their_ratings(
    stack: tuple[Servers, FakePlatforms, str], tmp_path: Path
) -> None:
    servers, fake, url = stack
    talk_over_rest(servers)
    talk_in_the_widget(url)
    talk_on_telegram(servers, fake)
    talk_on_facebook(servers, fake)
    events_db = servers.workdir / "events.db"

    def ratings_stored() -> int:  # the event broker's thread writes within moments
        with sqlite3.connect(events_db) as con:
            return int(con.execute("SELECT COUNT(*) FROM events WHERE data LIKE '%\"feedback\"%'").fetchone()[0])

    assert wait_for(lambda: ratings_stored() == 5)  # widget no + reason, Telegram no + reason, Facebook yes
    out = tmp_path / "reports"
    subprocess.run([sys.executable, "-m", "report", "--db", str(events_db), "--out", str(out)], check=True, cwd=ROOT)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    # the widget greets by itself ("Hallo" when opened); rating buttons are no messages
    assert report["by_channel"] == {"rest": 4, "socketio": 2, "telegram": 1, "facebook": 1}
    assert report["conversations"] == 5 and report["messages"] == 8
    answers = {a["answer"]: a["count"] for a in report["answers"]}
    assert answers == {"faq/what_is_municipal_jobcenter": 2, "faq/count_municipal_jobcenters": 2}
    assert report["feedback"] == {
        "faq/count_municipal_jobcenters": {"helpful": 1, "not_helpful": 1, "reasons": {"incomplete": 1},
                                           "question": HOW_MANY},
        "faq/what_is_municipal_jobcenter": {"helpful": 0, "not_helpful": 1, "reasons": {"wrong": 1},
                                            "question": WHAT},
    }  # fmt: skip
    assert report["left_out"] == [{"reason": "test_sender", "conversations": 1, "messages": 1}]
    bürgergeld = next(g for g in report["unanswered"] if g["text"] and "Bürgergeld" in g["text"])
    assert bürgergeld["count"] == bürgergeld["conversations"] == 2 and "[IBAN]" in bürgergeld["yaml"]
    assert report["min_group"] == 2 and bürgergeld["text"].startswith("… Bürgergeld")  # "Wie viel" / "Wieviel"
    rated = [g for g in report["unanswered"] if g["not_helpful"]]
    assert sum(g["count"] for g in rated) == 2  # the two answers rated not helpful joined the unanswered
    assert sum(g["count"] for g in report["unanswered"]) == 5  # 2 Bürgergeld, 1 nonsense, 2 not helpful
    assert sum(d["without_answer"] for d in report["days"]) == report["without_answer"]["count"] == 5
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Rückmeldungen" in page and "Unvollständig: 1" in page and "Falsch: 1" in page
    assert f"{HOW_MANY}<span class='key'>faq/count_municipal_jobcenters</span>" in page
    for name in ("Website-Widget", "REST-Schnittstelle", "Telegram", "Facebook Messenger", "Deutsch"):
        assert f"<td>{name}</td>" in page
    assert "Testgespräche (Kennung beginnt mit „test-“): 1 Gespräch (1 Nachricht)" in page

    compact = IBAN.replace(" ", "")
    stored = [events_db, servers.workdir / "tracker.db", out / "report.json", out / "report.html"]
    stored += [p.with_name(p.name + "-wal") for p in stored[:2] if p.with_name(p.name + "-wal").exists()]
    for path in stored:
        content = path.read_bytes()
        assert IBAN.encode() not in content and compact.encode() not in content, path.name


def test_a_ukrainian_first_message_counts_as_ukrainian(stack: tuple[Servers, FakePlatforms, str]) -> None:
    """Issue 24 (7): the events as the real Rasa stores them (the language slot after the replies):
    the first message of a Ukrainian conversation is counted as "uk", not "de". Runs after the test
    above, which counts every conversation of this module's servers."""
    from report.__main__ import all_turns, stored_events

    servers, _, _ = stack
    servers.say("Що таке комунальний Jobcenter?", sender="rest-uk")
    servers.say("Скільки їх усього?", sender="rest-uk")
    events_db = servers.workdir / "events.db"

    def turns() -> list[Any]:
        return [t for t in all_turns(stored_events(events_db)) if t.conversation == "rest-uk"]

    assert wait_for(lambda: len(turns()) == 2 and turns()[-1].reply != "unknown")
    assert [t.language for t in turns()] == ["uk", "uk"]

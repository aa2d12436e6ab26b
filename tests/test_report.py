"""The editors' report (issue 17): records from stored events, ratings, figures, groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

from report.figures import figures, unanswered_groups
from report.turns import ANSWERED, SIGNPOSTED, UNANSWERED, turns_of

DAY = dt.datetime(2026, 11, 20, 10, tzinfo=dt.timezone.utc).timestamp()


def user(text: str, at: float, intent: str = "faq", channel: str = "socketio") -> dict[str, Any]:
    return {"event": "user", "timestamp": at, "text": text, "input_channel": channel,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}}}  # fmt: skip


def bot(response: str, at: float) -> dict[str, Any]:
    return {"event": "bot", "timestamp": at, "text": "...", "metadata": {"utter_action": response}}


def language_slot(code: str, at: float) -> dict[str, Any]:
    return {"event": "slot", "timestamp": at, "name": "language", "value": code}


def conversation(sender: str, *pairs: tuple[str, str], start: float = DAY, language: str | None = None) -> list:
    """Events in the order Rasa stores them: the custom action's replies (the language note, the
    answer) come before the slots it sets."""
    events: list[dict[str, Any]] = []
    for i, (text, response) in enumerate(pairs):
        at = start + 60 * i
        events.append(user(text, at))
        if language and i == 0:
            events.append(bot("utter_language_note", at + 1))
        events.append(bot(response, at + 2))
        if language and i == 0:
            events.append(language_slot(language, at + 2))
    return events


def test_a_conversations_questions_with_their_replies_and_language() -> None:
    events = conversation("a", ("What is a municipal Jobcenter?", "utter_faq/what_is_municipal_jobcenter"),
                          ("How much Bürgergeld?", "utter_out_of_scope/benefits"), ("xyz", "utter_suggest"),
                          language="en")  # fmt: skip
    turns = turns_of("a", events)
    assert [(t.reply, t.kind, t.language) for t in turns] == [
        ("faq/what_is_municipal_jobcenter", ANSWERED, "en"),  # the note is no reply
        ("out_of_scope/benefits", SIGNPOSTED, "en"),
        ("fallback", UNANSWERED, "en"),
    ]
    assert turns[0].channel == "socketio" and turns[0].time.date() == dt.date(2026, 11, 20)


def test_a_turns_language_is_the_one_it_was_answered_in() -> None:
    """Issue 24 (7): the first message of a Ukrainian conversation counted as "de", because Rasa
    stores the language slot after the bot's replies. Events as Rasa stores them: user, bot (note),
    bot (answer), slot; a later turn without a slot keeps the language; a change back to German
    counts from the turn it was answered in."""
    events = [
        user("Що таке комунальний Jobcenter?", DAY),
        bot("utter_language_note", DAY + 1),
        bot("utter_faq/what_is_municipal_jobcenter", DAY + 1),
        language_slot("uk", DAY + 1),
        user("Скільки їх?", DAY + 60),
        bot("utter_faq/count_municipal_jobcenters", DAY + 61),
        user("Was ist ein kommunales Jobcenter?", DAY + 120),
        bot("utter_faq/what_is_municipal_jobcenter", DAY + 121),
        language_slot("de", DAY + 121),
        user("Seit wann ist der Erzgebirgskreis eins?", DAY + 180),
        bot("utter_faq/erzgebirgskreis_since", DAY + 181),
    ]
    assert [t.language for t in turns_of("u", events)] == ["uk", "uk", "de", "de"]
    assert figures(turns_of("u", events[:4]))["by_language"] == {"uk": 1}


def test_a_question_without_a_reply_counts_as_unanswered() -> None:
    [turn] = turns_of("b", [user("Hallo?", DAY)])
    assert turn.kind == UNANSWERED


def test_figures_per_day_channel_language_and_answers() -> None:
    first = ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter")
    turns = turns_of("a", conversation("a", first, ("xyz", "utter_suggest")))
    turns += turns_of("b", conversation("b", ("Wie viele kommunale Jobcenter?", "utter_faq/count_municipal_jobcenters"),
                                        start=DAY + 86400, language="uk"))  # fmt: skip
    report = figures(turns)
    assert report["conversations"] == 2 and report["messages"] == 3
    assert [d["day"] for d in report["days"]] == ["2026-11-20", "2026-11-21"]
    assert report["days"][0]["fallback_rate"] == 0.5
    assert report["by_language"] == {"de": 2, "uk": 1} and report["by_channel"] == {"socketio": 3}
    assert {a["answer"] for a in report["answers"]} == {
        "faq/what_is_municipal_jobcenter",
        "faq/count_municipal_jobcenters",
    }
    only_first_day = figures(turns, since=dt.date(2026, 11, 20), until=dt.date(2026, 11, 20))
    assert only_first_day["messages"] == 2 and only_first_day["period"]["until"] == "2026-11-20"


def test_unanswered_questions_are_grouped_and_small_groups_keep_no_text() -> None:
    texts = ["Wie viel Bürgergeld bekomme ich?", "wie viel bürgergeld bekomme ich denn",
             "Wieviel Bürgergeld bekomme ich?", "Mein Nachbar [PERSON] schuldet mir Geld"]  # fmt: skip
    turns = [
        t
        for i, text in enumerate(texts)
        for t in turns_of(f"c{i}", [user(text, DAY + i), bot("utter_suggest", DAY + i + 1)])
    ]
    groups = unanswered_groups(turns, min_group=2)
    assert [g["count"] for g in groups] == [3, 1]
    assert (
        groups[0]["text"] == "Wie viel Bürgergeld bekomme ich?"
        and "- wie viel bürgergeld bekomme ich denn" in groups[0]["yaml"]
    )
    assert groups[1]["text"] is None and groups[1]["yaml"] is None  # one citizen's words are not passed on


def test_make_report_writes_json_and_a_self_contained_page(tmp_path: Any) -> None:
    """``python -m report`` on a tracker-store file: the JSON's keys, a page without any request
    to elsewhere, charts inline, every citizen's text escaped."""
    import json
    import re
    import sqlite3
    import subprocess
    import sys

    from runtime.paths import ROOT

    db = tmp_path / "tracker.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, data TEXT)")
        rows = [
            ("a", e)
            for e in conversation("a", ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter"))
        ]
        rows += [
            (s, e)
            for s in ("b", "c")
            for e in conversation(s, ("<script>alert(1)</script> Mietkaution?", "utter_suggest"))
        ]
        con.executemany("INSERT INTO events (sender_id, data) VALUES (?, ?)", [(s, json.dumps(e)) for s, e in rows])
    out = tmp_path / "reports"
    subprocess.run([sys.executable, "-m", "report", "--db", str(db), "--out", str(out)], check=True, cwd=ROOT)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["conversations"] == 3 and report["unanswered"][0]["count"] == 2
    assert report["unanswered"][0]["text"] == "<script>alert(1)</script> Mietkaution?"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert page.count("<svg") == 2 and "Zeitraum" in page
    assert not re.findall(r"(?:src|href)=[\"'](?!#)", page)  # nothing loaded from anywhere
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # two inline charts, no id twice


def rating(answer: str, helpful: bool, at: float, reason: str | None = None) -> dict[str, Any]:
    value = {"answer": answer, "helpful": helpful, "reason": reason}
    return {"event": "slot", "timestamp": at, "name": "feedback", "value": value}


def test_ratings_are_counted_per_answer_and_a_not_helpful_answer_joins_the_unanswered() -> None:
    events = conversation("a", ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter"),
                          ("Wie viele gibt es?", "utter_faq/count_municipal_jobcenters"))  # fmt: skip
    events += [
        rating("utter_faq/what_is_municipal_jobcenter", False, DAY + 200),  # "Nein" ...
        rating("utter_faq/what_is_municipal_jobcenter", False, DAY + 201, "incomplete"),  # ... then the reason
        rating("utter_faq/count_municipal_jobcenters", True, DAY + 202),
        rating("utter_faq/lookup_unknown", True, DAY + 203),  # an answer the conversation never got: ignored
    ]
    turns = turns_of("a", events)
    assert [(t.rating, t.reason, t.kind) for t in turns] == [
        ("not_helpful", "incomplete", "not_helpful"),
        ("helpful", None, ANSWERED),
    ]
    report = figures(turns, min_group=1)
    assert report["feedback"] == {
        "faq/what_is_municipal_jobcenter": {"helpful": 0, "not_helpful": 1, "reasons": {"incomplete": 1}},
        "faq/count_municipal_jobcenters": {"helpful": 1, "not_helpful": 0, "reasons": {}},
    }
    [group] = report["unanswered"]
    assert group["text"] == "Was ist ein kommunales Jobcenter?" and group["not_helpful"] == 1

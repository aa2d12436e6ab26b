"""The editors' report (issue 17): records from stored events, ratings, figures, groups."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from evaluation.outcomes import normalised
from report.figures import MIN_GROUP, figures, unanswered_groups
from report.turns import ANSWERED, SIGNPOSTED, UNANSWERED, Turn, turns_of

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
    assert report["days"][0]["without_answer_rate"] == 0.5 and report["days"][0]["without_answer"] == 1
    assert report["by_language"] == {"de": 2, "uk": 1} and report["by_channel"] == {"socketio": 3}
    assert {a["answer"] for a in report["answers"]} == {
        "faq/what_is_municipal_jobcenter",
        "faq/count_municipal_jobcenters",
    }
    only_first_day = figures(turns, since=dt.date(2026, 11, 20), until=dt.date(2026, 11, 20))
    assert only_first_day["messages"] == 2 and only_first_day["period"]["until"] == "2026-11-20"


def asked(*texts: str, senders: list[str] | None = None) -> list[Turn]:
    """Each text asked (and not answered) in its own conversation, or by ``senders``."""
    return [
        t
        for i, (sender, text) in enumerate(zip(senders or [f"c{i}" for i in range(len(texts))], texts, strict=True))
        for t in turns_of(sender, [user(text, DAY + 10 * i), bot("utter_suggest", DAY + 10 * i + 1)])
    ]


def test_unanswered_questions_are_grouped_and_small_groups_keep_no_text() -> None:
    turns = asked("Wie viel Bürgergeld bekomme ich?", "wie viel bürgergeld bekomme ich denn",
                  "Wieviel Bürgergeld bekomme ich?", "Mein Nachbar [PERSON] schuldet mir Geld")  # fmt: skip
    groups = unanswered_groups(turns, min_group=2)
    assert [(g["count"], g["conversations"]) for g in groups] == [(3, 3), (1, 1)]
    assert groups[0]["text"] == "Wie viel Bürgergeld bekomme ich?"  # the variant that keeps all its words
    # the examples: the variants without the words fewer than 2 conversations wrote ("denn", "Wieviel")
    assert "- Wie viel Bürgergeld bekomme ich?\n" in groups[0]["yaml"] and "denn" not in groups[0]["yaml"]
    assert groups[1]["text"] is None and groups[1]["yaml"] is None  # one citizen's words are not passed on


LONG = "Mein Sohn Kevin Müller hat Diabetes und ich bin schwanger, bekomme ich Mehrbedarf für uns beide?"


@pytest.mark.parametrize("texts", [(LONG, "Mehrbedarf"), ("Mehrbedarf", LONG)])
def test_a_short_message_does_not_pull_in_a_long_one(texts: tuple[str, str]) -> None:
    """Issue 24 (3): "Mehrbedarf" from a second sender made a group of two with a citizen's long
    message (a token set ratio scores a subset 100), and the report printed that message. The
    similarity is symmetric now: in either order, two groups of one conversation, no text."""
    groups = unanswered_groups(asked(*texts), min_group=2)
    assert all(g["text"] is None and g["yaml"] is None for g in groups)
    assert [(g["count"], g["conversations"]) for g in groups] == [(1, 1), (1, 1)]


def test_one_sender_asking_twice_is_no_group() -> None:
    """Issue 24 (3): the same message twice from one conversation formed a group of two."""
    [group] = unanswered_groups(asked(LONG, LONG, senders=["a", "a"]), min_group=2)
    assert (group["text"], group["yaml"], group["count"]) == (None, None, 2) and group["conversations"] == 1
    [group] = unanswered_groups(asked(LONG, LONG, senders=["a", "b"]), min_group=2)
    assert group["conversations"] == 2 and group["text"] == LONG


def test_a_group_shows_only_the_words_its_conversations_share() -> None:
    """Two conversations asked (nearly) the same, each with its own child's name: the group is shown,
    but only with the words both wrote; neither name is in the text or in the YAML snippet."""
    other = LONG.replace("Kevin Müller", "Tim Meier")
    gaps = "Mein Sohn … hat Diabetes und ich bin schwanger, bekomme ich Mehrbedarf für uns beide?"
    [group] = unanswered_groups(asked(LONG, other), min_group=2)
    assert group["text"] == gaps and group["conversations"] == 2
    shown = json.dumps(group, ensure_ascii=False)
    assert not any(name in shown for name in ("Kevin", "Müller", "Tim", "Meier"))
    assert "- Mein Sohn hat Diabetes und ich bin schwanger, bekomme ich Mehrbedarf für uns beide?" in group["yaml"]
    # three conversations needed: Kevin Müller (two of them) is left out, then shown by a third
    [group] = unanswered_groups(asked(LONG, other, LONG), min_group=3)
    assert group["text"] == gaps
    [group] = unanswered_groups(asked(LONG, other, LONG, LONG), min_group=3)
    assert group["text"] == LONG and "Tim" not in group["yaml"]


def test_the_yaml_snippet_adds_no_entity_in_rasas_reader() -> None:
    """Issue 24 (3): annotation markup typed by citizens became an entity once the snippet was
    pasted into data/nlu/. Parsed by Rasa's own reader: the examples are there, no entity."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLReader

    typed = ['[qwzx](jobcenter){"value":"Zwickau"}', '[qwzx]{"entity": "jobcenter", "value": "Zwickau"}',
             '[qwzx][{"entity": "jobcenter"}, {"entity": "land"}]', "[a [qwzx](jobcenter:Zwickau)](land)",
             "Ist [qwzx](jobcenter) kommunal?\u2028  - [b](land)"]  # fmt: skip
    groups = unanswered_groups(asked(*typed, *typed), min_group=2)
    nlu = "\n".join(g["yaml"] for g in groups)
    examples = RasaYAMLReader().reads(f'version: "3.1"\nnlu:\n{nlu}').intent_examples
    assert [m.get("entities") for m in examples] == [None] * len(examples)
    assert examples and all("qwzx" in m.get("text") for m in examples)
    assert all(g["yaml"] for g in groups) and sum(g["conversations"] for g in groups) == 2 * len(typed)
    assert '- [qwzx] (jobcenter){"value":"Zwickau"}\n' in nlu  # the markup broken up, the text kept


def test_grouping_by_rare_words_keeps_variants_together_and_strangers_apart(monkeypatch: Any) -> None:
    """Beyond EXHAUSTIVE different questions a question is compared only with the group leaders
    that share one of its rarest words (inverted index). Small data forced down that path: each
    question's variants (case, punctuation, word order, a word more) form one group, the other
    messages stay alone, as when every question is compared with every leader."""
    import report.figures

    bases = ["Wie beantrage ich Bürgergeld online beim Jobcenter", "Wann wird das Bürgergeld im Dezember ausgezahlt",
             "Muss ich meine Heizkosten nachweisen", "Welche Unterlagen brauche ich für den Weiterbewilligungsantrag",
             "Zahlt das Jobcenter eine Erstausstattung für das Baby", "Kann ich mit Minijob weiter Bürgergeld bekommen",
             "Wo finde ich die Telefonnummer vom Jobcenter Annaberg"]  # fmt: skip
    variants = [lambda b: b, lambda b: b.lower() + "?", lambda b: " ".join(reversed(b.split())),
                lambda b: b + " bitte", lambda b: "Hallo, " + b + "!"]  # fmt: skip
    texts = [v(b) for b in bases for v in variants]
    texts += ["Kevin Müller Diabetes", "xyzzy qwertz blubb", "Mein Bescheid vom Mai ist falsch glaube ich"]
    turns = asked(*texts)
    exhaustive = unanswered_groups(turns, min_group=2)
    monkeypatch.setattr(report.figures, "EXHAUSTIVE", 0)
    blocked = unanswered_groups(turns, min_group=2)
    assert blocked == exhaustive
    assert [g["conversations"] for g in blocked] == [len(variants)] * len(bases) + [1, 1, 1]
    assert sorted(sorted(normalised(g["text"]).split()) for g in blocked[: len(bases)]) == sorted(
        sorted(normalised(b).split()) for b in bases
    )


def test_the_report_states_its_minimum_group_size() -> None:
    from report.html import page

    report = figures(asked("Wie viel Bürgergeld bekomme ich?", "Wie viel Bürgergeld bekomme ich?"), min_group=3)
    assert report["min_group"] == 3 and report["unanswered"][0]["text"] is None
    assert "Mindestgröße: 3 Gespräche; Standard: 2)" in page(report, 30)
    assert figures([])["min_group"] == MIN_GROUP == 2 and "Mindestgröße: 2 Gespräche)" in page(figures([]), 30)


def test_make_report_writes_json_and_a_self_contained_page(tmp_path: Any) -> None:
    """``python -m report`` on a tracker-store file: the JSON's keys, a page without any request
    to elsewhere, charts inline, every citizen's text escaped."""
    import json
    import re
    import sqlite3
    import stat
    import subprocess
    import sys

    from base.paths import ROOT

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
    # issue 24: readable by their owner only, whatever the umask
    assert [stat.S_IMODE(p.stat().st_mode) for p in (out, out / "report.json", out / "report.html")] == [
        0o700,
        0o600,
        0o600,
    ]
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
        "faq/what_is_municipal_jobcenter": {"helpful": 0, "not_helpful": 1, "reasons": {"incomplete": 1},
                                            "question": "Was ist ein kommunales Jobcenter?"},
        "faq/count_municipal_jobcenters": {"helpful": 1, "not_helpful": 0, "reasons": {},
                                           "question": "Wie viele kommunale Jobcenter gibt es?"},
    }  # fmt: skip
    [group] = report["unanswered"]
    assert group["text"] == "Was ist ein kommunales Jobcenter?" and group["not_helpful"] == 1


def test_report_files_are_written_for_their_owner_only(tmp_path: Any, monkeypatch: Any) -> None:
    """Issue 24 (3): reports/ files were written with the umask's mode (0644). Also a report file
    that existed with a wider mode, and the default folder reports/ that existed, are narrowed."""
    import stat

    import report.__main__ as make_report

    folder = tmp_path / "reports"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    old = folder / "report.json"
    old.write_text("{}", encoding="utf-8")
    old.chmod(0o644)
    monkeypatch.setattr(make_report, "OUT", folder)  # as if it were the default reports/
    make_report.private_folder(folder)
    make_report.write_private(old, "{}\n")
    make_report.write_private(folder / "report.html", "<p>neu</p>")
    modes = [stat.S_IMODE(p.stat().st_mode) for p in (folder, old, folder / "report.html")]
    assert modes == [0o700, 0o600, 0o600] and old.read_text(encoding="utf-8") == "{}\n"


def test_make_purge_removes_reports_older_than_the_retention_period(tmp_path: Any) -> None:
    """Issue 24 (3): make purge deleted the conversations but kept their texts in old reports."""
    import os
    import sqlite3
    import subprocess
    import sys
    import time

    from base.paths import ROOT

    reports = tmp_path / "reports"
    reports.mkdir()
    old, new, kept = reports / "report.json", reports / "report.html", tmp_path / "elsewhere.html"
    for path in (old, new, kept):
        path.write_text("Frage", encoding="utf-8")
    month_ago = time.time() - 31 * 86400
    for path in (old, kept):
        os.utime(path, (month_ago, month_ago))
    (reports / "link").symlink_to(kept)  # a link is not followed
    tracker_db = tmp_path / "tracker.db"
    with sqlite3.connect(tracker_db) as con:
        con.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, timestamp REAL, data TEXT)")
    command = [sys.executable, "-m", "stores.retention", "--db", str(tracker_db), "--days", "30",
               "--events-db", str(tmp_path / "none.db"), "--reports", str(reports)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    assert "1 report files older than 30 days deleted" in done.stdout
    assert sorted(p.name for p in reports.iterdir()) == ["link", "report.html"] and kept.exists()


# Readable for an editor: questions, German names, one definition of "ohne Antwort", no test traffic


def test_an_answer_is_shown_as_its_question_read_from_the_domain(tmp_path: Any) -> None:
    """The question comes from the answer's ``metadata.question`` (the "Meinten Sie ...?" button)
    and its translations, not from code: a domain of one answer gives that answer's question."""
    from report.labels import LABELS_FILE, Labels

    (tmp_path / "domain").mkdir()
    (tmp_path / "translations").mkdir()
    (tmp_path / "domain" / "faq_x.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_faq/x:\n    - text: Antwort.\n      metadata: {question: "Gibt es X?"}\n',
        encoding="utf-8",
    )
    (tmp_path / "translations" / "en.yml").write_text(
        'responses:\n  utter_faq/x: {question: "Is there X?", text: Answer.}\n', encoding="utf-8"
    )
    names = Labels.load(LABELS_FILE, tmp_path / "domain", tmp_path / "translations")
    assert names.question("faq/x") == names.reply("faq/x") == "Gibt es X?"
    assert names.is_question_of("is there x", "faq/x") and not names.is_question_of("Gibt es Y?", "faq/x")
    assert names.question("faq/unknown") is None and names.reply("faq/unknown") == "faq/unknown"


def test_the_report_shows_questions_with_their_keys_and_german_names() -> None:
    from report.html import page
    from report.labels import labels

    turns = turns_of("a", conversation("a", ("Wie viele?", "utter_faq/count_municipal_jobcenters"),
                                       ("Bürgergeld?", "utter_out_of_scope/benefits"), language="uk"))  # fmt: skip
    turns += turns_of("b", [user("Hallo", DAY, channel="rest"), bot("utter_faq/what_is_municipal_jobcenter", DAY)])
    report = figures(turns, min_group=1)
    question = labels().question("faq/count_municipal_jobcenters")
    assert (
        question and {"answer": "faq/count_municipal_jobcenters", "question": question, "count": 1} in report["answers"]
    )
    html = page(report, 30)
    assert f"{question}<span class='key'>faq/count_municipal_jobcenters</span>" in html
    assert "Verweis: Höhe des Bürgergeldes" in html  # the signposting of the group's replies
    for name in ("Website-Widget", "REST-Schnittstelle", "Ukrainisch", "Deutsch"):
        assert f"<td>{name}</td>" in html
    assert not any(f"<td>{code}</td>" in html for code in ("socketio", "rest", "uk", "de"))


def test_every_language_channel_and_theme_has_a_german_name() -> None:
    import importlib

    import yaml

    from base.languages import SUPPORTED
    from base.paths import DOMAIN, ROOT
    from pipeline.render import german_responses
    from report.labels import labels
    from report.selection import TERMINAL

    names = labels()
    assert set(SUPPORTED) <= set(names.languages)
    classes = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    channels = {getattr(importlib.import_module(c.rsplit(".", 1)[0]), c.rsplit(".", 1)[1]).name() for c in classes}
    assert channels | {TERMINAL} <= set(names.channels)
    themes = {n.removeprefix("utter_out_of_scope/") for n in german_responses(DOMAIN) if "out_of_scope/" in n}
    assert themes and themes <= set(names.themes)


def test_a_suggestion_the_citizen_took_is_no_question_without_answer() -> None:
    """ "Meinten Sie ...?", then the citizen presses a button (its question is sent as a message, in
    the conversation's language) and gets that answer: the first question counts as answered. A
    question typed afterwards that is not the answer's question leaves it without answer."""
    took = conversation("a", ("kommunal was", "utter_suggest"),
                        ("Wie viele kommunale Jobcenter gibt es?", "utter_faq/count_municipal_jobcenters"))  # fmt: skip
    english = ("How many municipal Jobcenters are there?", "utter_faq/count_municipal_jobcenters")
    in_english = conversation("b", ("municipal what", "utter_suggest"), english)
    typed = conversation("c", ("kommunal was", "utter_suggest"),
                         ("Und wie viele gibt es?", "utter_faq/count_municipal_jobcenters"))  # fmt: skip
    assert [t.kind for t in turns_of("a", took)] == [ANSWERED, ANSWERED]
    assert [t.kind for t in turns_of("b", in_english)] == [ANSWERED, ANSWERED]
    assert [t.kind for t in turns_of("c", typed)] == [UNANSWERED, ANSWERED]


def test_the_daily_table_and_the_unanswered_questions_count_the_same() -> None:
    """One definition of "ohne Antwort": the days' sum, the report's count and the groups' sum are
    the same questions: not understood (no suggestion taken), no reply, signposting only, rated
    not helpful (also an empty text); not an answer, nor a suggestion taken."""
    from report.html import page

    events = conversation("a", ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter"),
                          ("Wie viel Bürgergeld?", "utter_out_of_scope/benefits"), ("xyz", "utter_suggest"),
                          ("Was ist ein kommunales Jobcenter?", "utter_faq/what_is_municipal_jobcenter"))  # fmt: skip
    events.append(rating("utter_faq/what_is_municipal_jobcenter", False, DAY + 500))  # the second one
    turns = turns_of("a", events)
    turns += turns_of("b", [user("", DAY + 86400), bot("utter_suggest", DAY + 86401), user("Hallo?", DAY + 86460)])
    report = figures(turns, min_group=1)
    days = report["days"]
    assert [d["without_answer"] for d in days] == [2, 2]  # xyz answered by the suggestion taken; signposting, rated
    assert [d["by_kind"] for d in days] == [
        {"unanswered": 0, "signposted": 1, "not_helpful": 1},
        {"unanswered": 2, "signposted": 0, "not_helpful": 0},
    ]
    groups = report["unanswered"]
    assert sum(d["without_answer"] for d in days) == report["without_answer"]["count"] == 4
    assert sum(g["count"] for g in groups) == 4
    html = page(report, 30)
    assert html.count(report["without_answer"]["definition"]) == 1 and "Alle 4 Fragen ohne Antwort" in html


def test_test_traffic_is_left_out_and_the_report_says_so() -> None:
    from report.html import page
    from report.selection import Exclusion

    turns = turns_of("citizen", conversation("citizen", ("Wie viele?", "utter_faq/count_municipal_jobcenters")))
    turns += turns_of("test-1", conversation("test-1", ("xyz", "utter_suggest"), ("abc", "utter_suggest")))
    turns += turns_of("shell", [user("xyz", DAY, channel="cmdline"), bot("utter_suggest", DAY)])
    turns += turns_of("tg", [user("Hallo", DAY, channel="telegram"), bot("utter_greet", DAY)])
    default = figures(turns)
    assert (default["conversations"], default["messages"], default["without_answer"]["count"]) == (2, 2, 0)
    assert default["left_out"] == [
        {"reason": "test_sender", "conversations": 1, "messages": 2},
        {"reason": "channel", "channel": "cmdline", "conversations": 1, "messages": 1},
    ]
    html = page(default, 30)
    assert "Testgespräche (Kennung beginnt mit „test-“): 1 Gespräch (2 Nachrichten)" in html
    assert "Kanal Terminal (make shell): 1 Gespräch (1 Nachricht)" in html
    everything = figures(turns, exclusion=Exclusion.of(include_test=True))
    assert everything["conversations"] == 4 and everything["left_out"] == []
    assert "Im Zeitraum wurde nichts ausgelassen" in page(everything, 30)
    no_telegram = figures(turns, exclusion=Exclusion.of(channels=["telegram"]))
    assert no_telegram["conversations"] == 1 and no_telegram["by_channel"] == {"socketio": 1}
    assert [r.get("channel") for r in no_telegram["left_out"]] == [None, "cmdline", "telegram"]

"""The report's cost, measured by bench/run.py: ``make report`` on many conversations sent over
REST (issue 17) and the grouping of unanswered questions alone on 100,000 generated questions
(issue 24; must stay under 10 s)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from base.paths import ROOT
from bench.clients import load
from evaluation.outcomes import first_message_sets, language_holdout
from report.figures import unanswered_groups
from report.turns import Turn

REPORT_CONVERSATIONS = 10_000  # make report at scale (issue 17)
GROUPING_QUESTIONS = 100_000  # the report's grouping of unanswered questions alone (issue 24): under 10 s


def report_at_scale(url: str, texts: list[str], work: Path, conversations: int) -> dict[str, Any]:
    """``make report`` on ``conversations`` more conversations of two questions each (held-out and
    external questions, round robin), sent over REST on loopback to the running Rasa, whose event
    broker keeps them (with everything the benchmark sent before): the report's build time (the
    whole ``python -m report``, start-up included) and sizes."""
    per_worker = conversations * 2 // 32
    sent = asyncio.run(load(url, texts, 32, per_worker, "report", messages_per_conversation=2))
    events_db, out = work / "events.db", work / "reports"
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "report", "--db", str(events_db), "--out", str(out)],
                          check=True, capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    took = time.perf_counter() - start
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {
        "sent_conversations": sent["n"] // 2, "sent_messages": sent["n"], "errors": sent["errors"],
        "conversations": report["conversations"], "messages": report["messages"],
        "unanswered_groups": len(report["unanswered"]),
        "shown_groups": sum(1 for g in report["unanswered"] if g["text"]),
        "build_s": took, "html_kb": (out / "report.html").stat().st_size / 1024,
        "json_kb": (out / "report.json").stat().st_size / 1024,
        "events_db_mb": events_db.stat().st_size / 2**20, "printed": done.stdout.strip(),
    }  # fmt: skip


def grouping_questions(n: int, seed: int = 24) -> list[Turn]:
    """``n`` unanswered questions for the report's grouping: the held-out and external questions of
    every language, each asked many times in variants as citizens type them (case, punctuation, a
    typo, a word left out or added, a number), from one conversation of three messages each; one
    in five is a message of its own (words of the whole set, shuffled)."""
    rng = random.Random(seed)
    texts = [q.text for questions in first_message_sets().values() for q in questions]
    texts += [q.text for questions in language_holdout().values() for q in questions]
    vocabulary = sorted({w for t in texts for w in t.split()})
    extra = ("bitte", "denn", "eigentlich", "mal", "please", "danke", "jetzt", "noch", "?", "!!")

    def variant(text: str) -> str:
        words = text.split()
        change = rng.randrange(6)
        if change == 1 and len(words) > 3:
            del words[rng.randrange(len(words))]
        elif change == 2:
            words.insert(rng.randrange(len(words) + 1), rng.choice(extra))
        elif change == 3:
            i = rng.randrange(len(words))
            if len(words[i]) > 3:  # a typo: two letters swapped
                j = rng.randrange(len(words[i]) - 1)
                words[i] = words[i][:j] + words[i][j + 1] + words[i][j] + words[i][j + 2 :]
        elif change == 4:
            words.append(str(rng.randrange(1, 2000)))
        out = " ".join(words)
        return out.lower() if rng.random() < 0.3 else out.rstrip("?") if rng.random() < 0.3 else out

    start = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    out = []
    for i in range(n):
        if rng.random() < 0.2:
            text = " ".join(rng.sample(vocabulary, rng.randrange(3, 12)))
        else:
            text = variant(rng.choice(texts))
        out.append(Turn(conversation=f"c{i // 3}", time=start + dt.timedelta(seconds=i), channel="rest",
                        language="de", text=text, intent="faq", reply="fallback"))  # fmt: skip
    return out


def report_grouping(n: int = GROUPING_QUESTIONS) -> dict[str, Any]:
    """The report's grouping of unanswered questions alone (report/figures.py ``unanswered_groups``)
    on ``n`` generated questions (``grouping_questions``): seconds, groups, groups shown with text.

        python -c "from bench.report_cost import report_grouping; print(report_grouping())"
    """
    questions = grouping_questions(n)
    start = time.perf_counter()
    groups = unanswered_groups(questions)
    took = time.perf_counter() - start
    return {"questions": n, "conversations": len({t.conversation for t in questions}), "seconds": took,
            "groups": len(groups), "shown_groups": sum(1 for g in groups if g["text"])}  # fmt: skip

"""The report's figures (``reports/report.json``) from the records of report/turns.py.

Unanswered questions (no answer, signposting, an answer rated not helpful) are grouped by
similarity (rapidfuzz, token set ratio of the normalised texts), largest group first; a group
smaller than ``min_group`` is counted but shown without its text, so that a single citizen's words
are not passed on. Each group comes with a ready YAML snippet of NLU examples for the editors.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from rapidfuzz import fuzz, process

from knowledge.outcomes import normalised
from report.turns import HELPFUL, NOT_HELPFUL, SIGNPOSTED, UNANSWERED, Turn

SIMILAR = 70  # token set ratio (0-100) from which two questions are one group
MIN_GROUP = 2  # groups smaller than this are shown without text


def figures(turns: list[Turn], since: dt.date | None = None, until: dt.date | None = None,
            min_group: int = MIN_GROUP) -> dict[str, Any]:  # fmt: skip
    """Every figure of the report for the turns between ``since`` and ``until`` (inclusive)."""
    chosen = [
        t for t in turns if (since is None or t.time.date() >= since) and (until is None or t.time.date() <= until)
    ]
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    conversations_per_day: dict[str, set[str]] = defaultdict(set)
    for t in chosen:
        day = t.time.date().isoformat()
        per_day[day]["messages"] += 1
        per_day[day]["unanswered"] += t.kind == UNANSWERED
        conversations_per_day[day].add(t.conversation)
    days = [
        {
            "day": day,
            "conversations": len(conversations_per_day[day]),
            "messages": c["messages"],
            "fallback_rate": round(c["unanswered"] / c["messages"], 3),
        }  # fmt: skip
        for day, c in sorted(per_day.items())
    ]
    answered = Counter(t.reply for t in chosen if t.reply.startswith("faq/"))
    return {
        "period": {"from": since.isoformat() if since else None, "until": until.isoformat() if until else None},
        "conversations": len({t.conversation for t in chosen}),
        "messages": len(chosen),
        "days": days,
        "by_channel": dict(Counter(t.channel for t in chosen).most_common()),
        "by_language": dict(Counter(t.language for t in chosen).most_common()),
        "answers": [{"answer": key, "count": n} for key, n in answered.most_common()],
        "feedback": feedback_by_answer(chosen),
        "unanswered": unanswered_groups(
            [t for t in chosen if t.kind in (UNANSWERED, SIGNPOSTED, NOT_HELPFUL)], min_group
        ),  # fmt: skip
    }


def feedback_by_answer(turns: list[Turn]) -> dict[str, dict[str, Any]]:
    """Per answer label: how often rated helpful / not helpful, and the reasons given; most rated first."""
    out: dict[str, dict[str, Any]] = {}
    for t in turns:
        if t.rating is None:
            continue
        entry = out.setdefault(t.reply, {HELPFUL: 0, NOT_HELPFUL: 0, "reasons": Counter()})
        entry[t.rating] += 1
        if t.reason:
            entry["reasons"][t.reason] += 1
    ranked = sorted(out.items(), key=lambda kv: -(kv[1][HELPFUL] + kv[1][NOT_HELPFUL]))
    return {key: {**entry, "reasons": dict(entry["reasons"].most_common())} for key, entry in ranked}


def snippet(examples: list[str]) -> str:
    """NLU examples to paste into data/nlu/ (the editor puts in the answer key), as Rasa writes them."""
    lines = "".join(f"    - {' '.join(e.split())}\n" for e in examples)
    return f"- intent: faq/<key>\n  examples: |\n{lines}"


def unanswered_groups(turns: list[Turn], min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Similar questions in one group: its size, an example (if the group is large enough) and a
    YAML snippet of NLU examples; largest first."""
    groups: list[list[Turn]] = []
    heads: list[str] = []  # the normalised text of each group's first question
    for turn in sorted(turns, key=lambda t: t.time):
        text = normalised(turn.text)
        best = process.extractOne(text, heads, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        if best is not None:
            groups[best[2]].append(turn)
        else:
            groups.append([turn])
            heads.append(text)
    out = []
    for group in sorted(groups, key=len, reverse=True):
        shown = len(group) >= min_group
        examples = sorted({t.text for t in group}) if shown else []
        out.append({
            "text": group[0].text if shown else None,
            "count": len(group),
            "replies": dict(Counter(t.reply for t in group).most_common()),
            "not_helpful": sum(t.kind == NOT_HELPFUL for t in group),
            "yaml": snippet(examples) if shown else None,
        })  # fmt: skip
    return out

"""The report's figures (``reports/report.json``) from the records of report/turns.py.

Unanswered questions (no answer, signposting, and later: rated not helpful) are grouped by
similarity (rapidfuzz, token set ratio of the normalised texts), largest group first; a group
smaller than ``min_group`` is counted but shown without its text, so that a single citizen's words
are not passed on. Each group comes with a ready YAML snippet of NLU examples for the editors.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from rapidfuzz import fuzz

from knowledge.outcomes import normalised
from report.turns import SIGNPOSTED, UNANSWERED, Turn

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
        "unanswered": unanswered_groups([t for t in chosen if t.kind in (UNANSWERED, SIGNPOSTED)], min_group),
    }


def snippet(examples: list[str]) -> str:
    """NLU examples to paste into data/nlu/ (the editor puts in the answer key), as Rasa writes them."""
    lines = "".join(f"    - {' '.join(e.split())}\n" for e in examples)
    return f"- intent: faq/<key>\n  examples: |\n{lines}"


def unanswered_groups(turns: list[Turn], min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Similar questions in one group: its size, an example (if the group is large enough) and a
    YAML snippet of NLU examples; largest first."""
    groups: list[list[Turn]] = []
    for turn in sorted(turns, key=lambda t: t.time):
        text = normalised(turn.text)
        for group in groups:
            if fuzz.token_set_ratio(text, normalised(group[0].text)) >= SIMILAR:
                group.append(turn)
                break
        else:
            groups.append([turn])
    out = []
    for group in sorted(groups, key=len, reverse=True):
        shown = len(group) >= min_group
        examples = sorted({t.text for t in group}) if shown else []
        out.append({
            "text": group[0].text if shown else None,
            "count": len(group),
            "replies": dict(Counter(t.reply for t in group).most_common()),
            "yaml": snippet(examples) if shown else None,
        })  # fmt: skip
    return out

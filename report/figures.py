"""The report's figures (``reports/report.json``) from the records of report/turns.py.

Questions "ohne Antwort" (report/labels.yml ``without_answer``: no answer and no suggestion
taken, signposting only, an answer rated not helpful; ``Turn.without_answer``) are counted per
day and grouped by similarity, the group asked by the most conversations first; each group comes
with a ready YAML snippet of NLU examples for the editors. What protects a citizen's words (issue 24):

- Similarity is symmetric and length-sensitive: the Indel ratio (rapidfuzz ``fuzz.ratio``) of the
  normalised texts with their words sorted (as ``token_sort_ratio``), else as typed, at least
  ``SIMILAR``. "Mehrbedarf" and a long message that contains it score low (with the token *set*
  ratio used before, a subset scored 100, so one word pulled in a whole message).
- A group counts distinct conversations: its text is shown only when at least ``min_group``
  conversations asked (nearly) the same (one sender asking twice is one).
- What is shown is what those conversations share, never one person's message: only the words
  that at least ``min_group`` of the group's conversations wrote. The text is the variant that
  keeps the most of its words, with "…" where others were left out; the YAML examples are the
  most asked variants without those words. A name or detail only one citizen typed never appears.
- Rasa's annotation markup (``[text](entity)``, ``[text]{...}``, ``[text][...]``) is broken up in
  the YAML snippet, so pasting it into data/nlu/ adds no entity.

Grouping is near-linear (100,000 questions in a few seconds, ``make bench``): identical texts
(normalised, words sorted) are one bucket; buckets are taken most-asked first and each joins the
most similar group leader or leads a new group; beyond ``EXHAUSTIVE`` different questions, a
question is compared only with the leaders that share one of its rarest words (an inverted index).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter, defaultdict
from typing import Any

from rapidfuzz import fuzz, process

from evaluation.outcomes import normalised
from report.labels import labels
from report.selection import Exclusion, in_period, select
from report.turns import HELPFUL, NOT_HELPFUL, WITHOUT_ANSWER, Turn

SIMILAR = 85  # Indel ratio (0-100) from which a question joins a group's leader
MIN_GROUP = 2  # distinct conversations; a group asked by fewer is shown without text
EXHAUSTIVE = 2_000  # up to this many different questions, each is compared with every group's leader
RAREST = 3  # beyond: only with the leaders that share one of its this many rarest words
EXAMPLES = 20  # NLU examples per group in its YAML snippet: the variants asked by the most conversations
LEFT_OUT = "…"  # in a group's text, for words fewer than min_group conversations wrote
# Rasa's entity markup in a training example: "]" directly followed by "(", "{" or "["
# (rasa.shared.nlu.training_data.entities_parser.ENTITY_REGEX)
ANNOTATION = re.compile(r"\](?=[({\[])")


def figures(turns: list[Turn], since: dt.date | None = None, until: dt.date | None = None,
            min_group: int = MIN_GROUP, exclusion: Exclusion | None = None) -> dict[str, Any]:  # fmt: skip
    """Every figure of the report for the turns between ``since`` and ``until`` (inclusive) that
    ``exclusion`` does not leave out (by default: test conversations and the terminal).

    "Ohne Antwort" is ``Turn.without_answer`` everywhere: the days' counts and the unanswered
    questions' groups count the same questions (``without_answer.count``)."""
    chosen, left_out = select(in_period(turns, since, until), exclusion or Exclusion())
    names = labels()
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    conversations_per_day: dict[str, set[str]] = defaultdict(set)
    for t in chosen:
        day = t.time.date().isoformat()
        per_day[day]["messages"] += 1
        per_day[day][t.kind] += t.without_answer
        conversations_per_day[day].add(t.conversation)
    days = [
        {
            "day": day,
            "conversations": len(conversations_per_day[day]),
            "messages": c["messages"],
            "without_answer": sum(c[kind] for kind in WITHOUT_ANSWER),
            "without_answer_rate": round(sum(c[kind] for kind in WITHOUT_ANSWER) / c["messages"], 3),
            "by_kind": {kind: c[kind] for kind in WITHOUT_ANSWER},
        }  # fmt: skip
        for day, c in sorted(per_day.items())
    ]
    missed = [t for t in chosen if t.without_answer]
    answered = Counter(t.reply for t in chosen if t.reply.startswith("faq/"))
    return {
        "period": {"from": since.isoformat() if since else None, "until": until.isoformat() if until else None},
        "min_group": min_group,
        "exclusion": (exclusion or Exclusion()).as_json(),
        "left_out": left_out,
        "conversations": len({t.conversation for t in chosen}),
        "messages": len(chosen),
        "without_answer": {
            "definition": names.without_answer,
            "count": len(missed),
            "share": round(len(missed) / len(chosen), 3) if chosen else 0.0,
            "by_kind": dict(Counter(t.kind for t in missed).most_common()),
        },
        "days": days,
        "by_channel": dict(Counter(t.channel for t in chosen).most_common()),
        "by_language": dict(Counter(t.language for t in chosen).most_common()),
        "answers": [{"answer": key, "question": names.question(key), "count": n} for key, n in answered.most_common()],
        "feedback": feedback_by_answer(chosen),
        "unanswered": unanswered_groups(missed, min_group),
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
    return {
        key: {**entry, "reasons": dict(entry["reasons"].most_common()), "question": labels().question(key)}
        for key, entry in ranked
    }


def without_markup(text: str) -> str:
    """One line of a training example that Rasa's reader takes as plain text: no line breaks or
    control characters, and no entity annotation (a space after each "]" that would start one)."""
    if not text.isprintable():
        text = "".join(c for c in text if c.isprintable() or c.isspace())
    line = " ".join(text.split())
    return ANNOTATION.sub("] ", line)


def snippet(examples: list[str]) -> str:
    """NLU examples to paste into data/nlu/ (the editor puts in the answer key), as Rasa writes them."""
    lines = "".join(f"    - {without_markup(e)}\n" for e in examples)
    return f"- intent: faq/<key>\n  examples: |\n{lines}"


class _Leaders:
    """Group leaders ordered by length: their sorted words, their texts as typed (normalised), their
    numbers. Only a leader whose length allows a ratio of ``SIMILAR`` is compared (rapidfuzz would
    reject the others too, but only after converting each one)."""

    def __init__(self) -> None:
        self.lengths: list[int] = []
        self.forms: tuple[list[str], list[str]] = ([], [])
        self.numbers: list[int] = []

    def add(self, key: str, plain: str, number: int) -> None:
        at = bisect.bisect_right(self.lengths, len(key))
        self.lengths.insert(at, len(key))
        self.forms[0].insert(at, key)
        self.forms[1].insert(at, plain)
        self.numbers.insert(at, number)

    def best(self, query: str, form: int) -> int | None:
        """The number of the most similar leader scoring at least ``SIMILAR`` (the first of them),
        or None."""
        # Indel ratio <= 200 * shorter / (both lengths): a longer one must be within these bounds
        low = bisect.bisect_left(self.lengths, len(query) * SIMILAR / (200 - SIMILAR) - 1)
        high = bisect.bisect_right(self.lengths, len(query) * (200 - SIMILAR) / SIMILAR + 1)
        hit = process.extractOne(query, self.forms[form][low:high], scorer=fuzz.ratio, processor=None,
                                 score_cutoff=SIMILAR)  # fmt: skip
        return None if hit is None else self.numbers[low + hit[2]]


def _leaders(keys: list[str], plain: dict[str, str], weight: dict[str, int]) -> dict[str, str]:
    """Each key (a question's normalised words, sorted) -> the key of its group's leader.

    Keys are taken most-asked first (then shortest); a key joins a leader it is similar to (a score
    of at least ``SIMILAR``), else it leads a new group. The score is a symmetric Indel ratio
    (``fuzz.ratio``) of the sorted words (word order does not count) or, where none is near
    enough, of the normalised texts as typed (``plain``: "wieviel" ~ "wie viel").

    Up to ``EXHAUSTIVE`` keys, each is compared with every leader and joins the most similar one.
    Beyond, a key is compared only with the leaders that have one of its ``RAREST`` rarest words
    among their own rarest (an inverted index: near-linear), its rarest word's leaders first, and
    joins the most similar leader of the first of them that has one (as typed: only its rarest
    word's leaders). Two near matches with no rare word in common stay apart."""
    frequency = Counter(word for key in keys for word in set(key.split()))
    rank = {word: i for i, word in enumerate(sorted(frequency, key=lambda w: (frequency[w], w)))}
    every = len(keys) <= EXHAUSTIVE
    leaders: list[str] = []
    blocks: dict[str | None, _Leaders] = {}  # a rare word (None: every leader) -> the leaders that have it
    leader_of: dict[str, str] = {}
    for key in sorted(keys, key=lambda k: (-weight[k], len(k), k)):
        rare: list[str | None] = [None]
        if not every:
            rare = [*sorted(set(key.split()), key=rank.__getitem__)[:RAREST]]
        found = [blocks[word] for word in rare if word in blocks]
        best = None
        for block in found:
            best = block.best(key, 0)
            if best is not None:
                break
        if best is None and found:
            best = found[0].best(plain[key], 1)
        if best is not None:
            leader_of[key] = leaders[best]
            continue
        leader_of[key] = key
        for word in rare:
            blocks.setdefault(word, _Leaders()).add(key, plain[key], len(leaders))
        leaders.append(key)
    return leader_of


class _Words:
    """The normalised words of a text or of one typed word, each worked out once."""

    def __init__(self) -> None:
        self._cache: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        words = self._cache.get(text)
        if words is None:
            words = self._cache[text] = normalised(text).split()
        return words

    def masked(self, text: str, shared: set[str]) -> tuple[str, str, int]:
        """``text`` with each word (as typed) whose normalised parts are not all in ``shared``
        replaced by ``LEFT_OUT`` (a run of them by one), the same with those words left out, and
        how many were."""
        gaps: list[str] = []
        kept: list[str] = []
        for word in text.split():
            if all(part in shared for part in self(word)):
                gaps.append(word)
                kept.append(word)
            elif not gaps or gaps[-1] != LEFT_OUT:
                gaps.append(LEFT_OUT)
        return " ".join(gaps), " ".join(kept), len(gaps) - len(kept)


def _shown(
    texts: list[str], asked_by: dict[str, set[str]], min_group: int, words: _Words
) -> tuple[str, list[str]] | None:
    """What a group (its different ``texts``, each asked by the conversations ``asked_by[text]``)
    shows: the text its conversations share and up to ``EXAMPLES`` NLU examples; None if they
    share nothing.

    Only words that at least ``min_group`` of the group's conversations wrote are shown. The
    variants asked by the most conversations are the examples, with the other words left out; the
    text is the one of them that keeps the most of its words, with "…" where words were left out."""
    writers: dict[str, set[str]] = defaultdict(set)  # word -> the conversations that wrote it
    for text in texts:
        for word in set(words(text)):
            writers[word] |= asked_by[text]
    shared = {word for word, conversations in writers.items() if len(conversations) >= min_group}
    variants = sorted(texts, key=lambda text: (-len(asked_by[text]), len(text), text))
    candidates: list[tuple[int, int, str]] = []  # (words left out, rank, text with gaps)
    examples: dict[str, str] = {}  # normalised -> as typed (the first, most asked, of its kind)
    for rank, variant in enumerate(variants[: EXAMPLES * 2]):  # most asked first
        if len(examples) >= EXAMPLES:
            break
        gaps, example, left_out = words.masked(variant, shared)
        normal = " ".join(words(example))
        if not normal:
            continue
        candidates.append((left_out, rank, gaps))
        examples.setdefault(normal, example)
    if not candidates:
        return None
    return min(candidates)[2], sorted(examples.values())


def unanswered_groups(turns: list[Turn], min_group: int = MIN_GROUP) -> list[dict[str, Any]]:
    """Similar questions in one group: its size in questions and in conversations, the text they
    share and a YAML snippet of NLU examples (both only for a group of at least ``min_group``
    distinct conversations, ``_shown``); the group of the most conversations first."""
    words = _Words()
    asked: dict[str, list[Turn]] = defaultdict(list)  # text as typed -> its questions
    for turn in turns:
        asked[turn.text].append(turn)
    asked_by = {text: {t.conversation for t in same} for text, same in asked.items()}
    buckets: dict[str, list[str]] = defaultdict(list)  # the same words, sorted -> texts as typed
    for text in asked:
        buckets[" ".join(sorted(words(text)))].append(text)
    weight = {key: len(set().union(*(asked_by[t] for t in texts))) for key, texts in buckets.items()}
    plain = {
        key: " ".join(words(min(texts, key=lambda t: (-len(asked[t]), len(t), t))))  # the most typed
        for key, texts in buckets.items()
    }  # fmt: skip
    leader_of = _leaders(list(buckets), plain, weight)
    groups: dict[str, list[str]] = defaultdict(list)
    for key, texts in buckets.items():
        groups[leader_of[key]] += texts
    out = []
    for texts in groups.values():
        conversations = len(set().union(*(asked_by[t] for t in texts)))
        shown = _shown(texts, asked_by, min_group, words) if conversations >= min_group else None
        questions = [turn for text in texts for turn in asked[text]]
        out.append({
            "text": shown[0] if shown else None,
            "count": len(questions),
            "conversations": conversations,
            "replies": dict(Counter(t.reply for t in questions).most_common()),
            "not_helpful": sum(t.rating == NOT_HELPFUL for t in questions),
            "yaml": snippet(shown[1]) if shown else None,
        })  # fmt: skip
    return sorted(out, key=lambda g: (-g["conversations"], -g["count"], g["text"] is None, g["text"] or ""))

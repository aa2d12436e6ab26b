"""The benchmark's HTTP clients (bench/run.py): load (latency and throughput of many conversations
at once) and quality (each question as a first message, the reply's outcome as
evaluation/outcomes.py defines it), and the latency summary both report."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from typing import Any

import aiohttp
import yaml

from base.names import LANGUAGE_NOTE
from base.paths import DOMAIN
from evaluation.outcomes import Question, Tally, label_of
from knowledge.translations import BRANCH, PLURAL, load_translations

# A citizen's conversation is short: after this many messages the load generator starts a new one.
MESSAGES_PER_CONVERSATION = 6
# Each concurrency level is run this many times; the table shows the medians (runs on this
# machine spread widely, docs/performance.md).
ROUNDS = 3


def response_matchers() -> list[tuple[str, re.Pattern[str]]]:
    """Each domain response, and its text in every translation, as a regular expression
    ({placeholders} match anything, a plural phrase any of its branches)."""
    responses: dict[str, Any] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        responses |= yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
    for translation in load_translations().values():
        for name, spec in translation.responses.items():
            responses.setdefault(name, []).append({"text": spec["text"]})
    out = []
    for name, variants in responses.items():
        for variant in variants:
            literal, pattern = _pattern(" ".join(variant["text"].split()))
            out.append((literal, name, re.compile(r"\s*" + pattern + r"\s*", re.S)))
    # the most specific first: a response whose words another one contains is tried after it
    return [(name, pattern) for _, name, pattern in sorted(out, key=lambda o: -o[0])]


def _literal(text: str) -> str:
    """A response's words as a regular expression: {placeholders} match anything, spaces any space."""
    return r".*?".join(re.escape(p).replace(r"\ ", r"\s*") for p in re.split(r"\{\w+\}", text))


def _pattern(text: str) -> tuple[int, str]:
    """The regular expression of a response's text and how many of its characters are literal; a
    plural phrase matches any of its branches ("#" and placeholders: anything)."""
    pieces, literal, at = [], 0, 0
    for match in PLURAL.finditer(text):
        before = text[at : match.start()]
        branches = [b.replace("#", "{n}") for _, b in BRANCH.findall(match.group(2))]
        pieces += [_literal(before), "(?:" + "|".join(_literal(b) for b in branches) + ")"]
        literal += len(re.sub(r"\{\w+\}", "", before)) + min(len(b) for b in branches)
        at = match.end()
    rest = text[at:]
    pieces.append(_literal(rest))
    return literal + len(re.sub(r"\{\w+\}", "", rest)), "".join(pieces)


def which_response(text: str, matchers: list[tuple[str, re.Pattern[str]]]) -> str:
    text = " ".join(text.split())
    for name, pattern in matchers:
        if pattern.fullmatch(text):
            return name
    return "unknown"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(latencies: list[float], wall: float) -> dict[str, float]:
    ms = [v * 1000 for v in latencies]
    return {"n": len(ms), "p50_ms": statistics.median(ms), "p95_ms": percentile(ms, 0.95),
            "p99_ms": percentile(ms, 0.99), "msg_per_s": len(ms) / wall}  # fmt: skip


async def load(url: str, questions: list[str], conversations: int, per_conversation: int, tag: str,
               messages_per_conversation: int = MESSAGES_PER_CONVERSATION) -> dict:  # fmt: skip
    latencies: list[float] = []
    errors = 0

    async def conversation(i: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for j in range(per_conversation):
            text = questions[(i * per_conversation + j) % len(questions)]
            start = time.perf_counter()
            sender = f"{tag}-{i}-{j // messages_per_conversation}"
            async with session.post(url, json={"sender": sender, "message": text}) as r:
                body = await r.json()
                if r.status != 200 or not body:
                    errors += 1
            latencies.append(time.perf_counter() - start)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        start = time.perf_counter()
        await asyncio.gather(*(conversation(i, session) for i in range(conversations)))
        wall = time.perf_counter() - start
    return {**summary(latencies, wall), "errors": errors}


async def quality(
    url: str,
    questions: list[Question],
    tag: str,
    language: str | None = None,
    texts: list[str] | None = None,
    answers: list[str] | None = None,
) -> Tally:
    """Each question as the first message of its own conversation (sender ``quality-<tag>-<i>``:
    unique per set, so no answer of another set is its context); the reply's outcome. A set of
    another language is sent with that language chosen (metadata, as the widget's menu does).
    ``texts``: collects the replies' texts; ``answers``: each question's response name (to compare
    two codes' answers)."""
    matchers = response_matchers()
    results = []
    metadata = {"language": language} if language else {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        for i, question in enumerate(questions):
            body = {"sender": f"quality-{tag}-{i}", "message": question.text, "metadata": metadata}
            async with session.post(url, json=body) as r:
                replies = await r.json()
            # the reply's first message, past a language note (pipeline/language.py)
            responses = [which_response(m.get("text", ""), matchers) for m in replies]
            if texts is not None:
                texts += [m.get("text", "") for m in replies if m.get("text")]
            got = next((name for name in responses if name != LANGUAGE_NOTE), "unknown")
            results.append((question, label_of(got)))
            if answers is not None:
                answers.append(got)
    return Tally.of(results)

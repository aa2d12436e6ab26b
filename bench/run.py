"""`make bench`: latency, throughput, start-up, training time, memory and answer quality of the
real servers on loopback (production settings: SQLite tracker store, action server), against a
TF-IDF nearest-question baseline measured in the same run. Prints a table and writes
bench/results/latest.json.

Quality: every question of the held-out set and of the external set (questions written by others,
tests/data/external_questions.yml) goes over HTTP; each reply is right, a fallback ("Meinten Sie
...?", "cannot answer", a signposting answer) or wrong (a confident answer to another question),
as evaluation/outcomes.py defines them. The baseline's predictions are counted the same way. The
held-out questions of every other language (tests/data/holdout/<code>.yml, issue 16) go the same
way, each set with its language chosen; apart, how many of them are taken for their language as a
first message.

    python -m bench.run            # full run (trains its own model, times it)
    python -m bench.run --quick    # smoke run for `make test`: small counts, existing model

The report's grouping of unanswered questions alone (issue 24): 100,000 generated questions
(``report_grouping``; must stay under 10 s). A socket flood from one address against a fresh Rasa
(``bench/flood.py``): connections accepted and memory (issue 24).

Scaling (issue 15): the same load through `make cluster` (ops/cluster.py) with 1, 2 and 3 Rasa
instances on PostgreSQL, Redis and nginx, against this run's single-machine figures.

Levers that production code does not offer, to measure them against the production settings:
``--tracker-store SQL`` (Rasa's own SQL tracker store), ``--tracker-store
bench.orm_tracker_store.OrmSQLiteTrackerStore`` (Rasa's ORM queries), ``--uncached-validation``
(Rasa's action-answer validation without engine/changes.py's cached validator) and
``--fresh-connections`` (a new connection per action-server call, without change 8).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import aiohttp
import yaml

import knowledge
from base.languages import EASY_GERMAN
from base.names import LANGUAGE_NOTE
from base.paths import DOMAIN, MODEL, ROOT
from bench.baseline import TfidfRetriever
from bench.flood import FLOOD_ATTEMPTS, socket_flood
from bench.measure import proc_mb, process_tree
from evaluation.outcomes import OUTCOMES, Question, Tally, first_message_sets, label_of, language_holdout
from evaluation.readability import average_words
from knowledge.translations import load_translations
from nlp.training_data import training_examples
from ops.services import PRODUCTION_WORKERS, free_port, start_actions, start_rasa, start_redis
from pipeline.language import choose
from pipeline.rate_limit import NO_RATE_LIMITS
from report.figures import unanswered_groups
from report.turns import Turn

RESULTS = ROOT / "bench" / "results"
# A citizen's conversation is short: after this many messages the load generator starts a new one.
MESSAGES_PER_CONVERSATION = 6
HELD_OUT_IN = "held-out"  # the held-out set of another language: "held-out en"
# Each concurrency level is run this many times; the table shows the medians (runs on this
# machine spread widely, docs/performance.md).
ROUNDS = 3
REPORT_CONVERSATIONS = 10_000  # make report at scale (issue 17)
GROUPING_QUESTIONS = 100_000  # the report's grouping of unanswered questions alone (issue 24): under 10 s


def response_matchers() -> list[tuple[str, re.Pattern[str]]]:
    """Each domain response, and its text in every translation, as a regular expression
    ({placeholders} match anything)."""
    responses: dict[str, Any] = {}
    for path in sorted(DOMAIN.glob("*.yml")):
        responses |= yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}
    for translation in load_translations().values():
        for name, spec in translation.responses.items():
            responses.setdefault(name, []).append({"text": spec["text"]})
    out = []
    for name, variants in responses.items():
        for variant in variants:
            parts = re.split(r"\{\w+\}", " ".join(variant["text"].split()))
            literal = [re.escape(p).replace(r"\ ", r"\s*") for p in parts]
            out.append((name, re.compile(r"\s*" + r".*?".join(literal) + r"\s*", re.S)))
    return out


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
    url: str, questions: list[Question], tag: str, language: str | None = None, texts: list[str] | None = None
) -> Tally:
    """Each question as the first message of its own conversation (sender ``quality-<tag>-<i>``:
    unique per set, so no answer of another set is its context); the reply's outcome. A set of
    another language is sent with that language chosen (metadata, as the widget's menu does).
    ``texts``: collects the replies' texts."""
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
    return Tally.of(results)


def baseline_scores(sets: dict[str, list[Question]]) -> dict[str, Any]:
    retriever = TfidfRetriever.train(training_examples())
    latencies = []
    out: dict[str, Any] = {}
    for name, questions in sets.items():
        results = []
        for question in questions:
            start = time.perf_counter()
            predicted = retriever.predict(question.text)
            latencies.append(time.perf_counter() - start)
            results.append((question, label_of(predicted)))
        out[name] = Tally.of(results).summary()
    return {"outcomes": out, **summary(latencies, sum(latencies))}


def lookup_latency() -> dict[str, float]:
    """In-process time of the Jobcenter name search for a question about each of the 404 names,
    exact and with one typo (the fuzzy path)."""
    directory = knowledge.load().directory
    questions = [f"Ist das Jobcenter {j.display} kommunal?" for j in directory.jobcenters]
    questions += [f"Ist {j.base[:-2] + j.base[-1]} kommunal?" for j in directory.jobcenters]  # one letter dropped
    latencies = []
    found = 0
    for q in questions:
        start = time.perf_counter()
        found += bool(directory.find(q).jobcenters)
        latencies.append(time.perf_counter() - start)
    return {**summary(latencies, sum(latencies)), "found_share": found / len(questions)}


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Each figure as the median over the rounds; the rounds' throughputs kept to show the spread."""
    out: dict[str, Any] = {
        k: statistics.median(r[k] for r in rounds) for k in ("p50_ms", "p95_ms", "p99_ms", "msg_per_s")
    }
    out["cpu_ms_per_msg"] = {
        k: statistics.median(r["cpu_ms_per_msg"][k] for r in rounds) for k in rounds[0]["cpu_ms_per_msg"]
    }
    out["n"] = sum(r["n"] for r in rounds)
    out["errors"] = sum(r["errors"] for r in rounds)
    out["rounds_msg_per_s"] = [r["msg_per_s"] for r in rounds]
    return out


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (/proc/<pid>/stat fields 14 and 15)."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cpu_now(processes: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each group of server processes and of this load generator ("load")."""
    return {name: cpu_seconds(pids) for name, pids in processes.items()} | {"load": time.process_time()}


def memory(pid: int) -> dict[str, float]:
    """Peak RSS of the largest process and proportional set size (shared pages split) of the whole tree:
    with Sanic workers, Rasa is a main process and one child per worker."""
    pids = process_tree(pid)
    return {"processes": len(pids), "peak_rss_mb": max(proc_mb(p, "status", "VmHWM") for p in pids),
            "pss_total_mb": sum(proc_mb(p, "smaps_rollup", "Pss") for p in pids)}  # fmt: skip


def train(model_dir: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--domain", str(DOMAIN), "--force", "--quiet",
         "--out", str(model_dir), "--fixed-model-name", "current"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - start


def run(
    quick: bool,
    no_train: bool = False,
    workers: int = PRODUCTION_WORKERS,
    tracker_store: str | None = None,
    undo: str | None = None,
    with_cluster: bool = True,
) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    results: dict[str, Any] = {"quick": quick, "workers": workers, "tracker_store": tracker_store or "production",
                               "undone_change": undo}  # fmt: skip
    model = MODEL
    if not quick and not no_train:
        results["train_s"] = train(work / "model")
        model = work / "model" / "current.tar.gz"
    sets = {name: questions[:: 8 if quick else 1] for name, questions in first_message_sets().items()}
    held_out = language_holdout()
    languages = {f"{HELD_OUT_IN} {code}": code for code in held_out}
    sets |= {name: held_out[code][:: 8 if quick else 1] for name, code in languages.items()}
    texts = [q.text for q in sets["held-out"]]
    log = work / "servers.log"
    actions_port, rasa_port, redis_port = free_port(), free_port(), free_port()
    with start_redis(redis_port) as redis, start_actions(actions_port, log) as actions:
        start = time.perf_counter()
        with start_rasa(
            work, rasa_port, actions_port, log, model=model, workers=workers, redis_port=redis_port,
            extra_env={**NO_RATE_LIMITS, **({"BENCH_UNDO": undo} if undo else {})},  # load from one address
            tracker_store={"type": tracker_store} if tracker_store else None,
            module="bench.without_change" if undo else "engine",
        ) as rasa:  # fmt: skip
            url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
            asyncio.run(load(url, texts[:1], 1, 1, "first"))
            results["start_to_first_answer_s"] = time.perf_counter() - start
            n = 20 if quick else len(texts)
            results["sequential"] = asyncio.run(load(url, texts, 1, n, "seq"))
            processes = {"rasa": process_tree(rasa.pid), "actions": [actions.pid], "redis": [redis.pid]}
            for c, per in ((8, 5 if quick else 40), (32, 2 if quick else 15)):
                rounds = []
                for i in range(1 if quick else ROUNDS):
                    before = cpu_now(processes)
                    rounds.append(asyncio.run(load(url, texts, c, per, f"c{c}r{i}")))
                    after = cpu_now(processes)
                    rounds[-1]["cpu_ms_per_msg"] = {k: (after[k] - before[k]) * 1000 / rounds[-1]["n"] for k in after}
                results[f"concurrent_{c}"] = median_round(rounds)
            results["outcomes"], results["misses"] = {}, {}
            easy: list[str] = []  # the replies in Leichte Sprache: words per sentence
            for name, questions in sets.items():
                code = languages.get(name)
                collect = easy if code == EASY_GERMAN else None
                tally = asyncio.run(quality(url, questions, name.replace(" ", "-"), code, collect))
                results["outcomes"][name], results["misses"][name] = tally.summary(), tally.misses
            results["leichte_sprache_words_per_sentence"] = average_words(easy) if easy else None
            results["rasa_memory"] = memory(rasa.pid)
            results["actions_memory"] = memory(actions.pid)
            every = [q.text for questions in sets.values() for q in questions]
            results["event_broker"] = broker_cost(texts, work, actions_port, model, workers, quick)
            results["report"] = report_at_scale(url, every, work, 200 if quick else REPORT_CONVERSATIONS)
    if with_cluster:
        results["cluster"] = scaling(texts, quick)
    results["baseline"] = baseline_scores(sets)
    # a first message in another language: is it taken for its language (pipeline/language.py)?
    results["detected"] = {
        name: {"n": len(sets[name]), "detected": sum(choose(q.text, None) == code for q in sets[name])}
        for name, code in languages.items()
    }
    results["lookup"] = lookup_latency()
    results["report_grouping"] = report_grouping(2_000 if quick else GROUPING_QUESTIONS)
    results["socket_flood"] = socket_flood(200 if quick else FLOOD_ATTEMPTS, model)
    shutil.rmtree(work, ignore_errors=True)
    return results


def broker_cost(texts: list[str], work: Path, actions_port: int, model: Path, workers: int,
                quick: bool) -> dict[str, Any]:  # fmt: skip
    """The event broker's cost (issue 17): two fresh Rasa servers, the same but for the event
    broker, started side by side (same age, same empty databases, same warm-up); rounds of 32
    concurrent conversations alternate between them, the order swapped every round (the noisy
    machine's drift hits both alike); CPU ms per message of Rasa, medians."""
    redis_port = free_port()
    ports = {"with": free_port(), "without": free_port()}
    with ExitStack() as stack:
        stack.enter_context(start_redis(redis_port))
        pids: dict[str, list[int]] = {}
        for side, port in ports.items():
            folder = work / f"broker-{side}"
            folder.mkdir()
            proc = stack.enter_context(start_rasa(
                folder, port, actions_port, folder / "servers.log", model=model, workers=workers,
                redis_port=redis_port, extra_env=NO_RATE_LIMITS, event_broker=side == "with"))  # fmt: skip
            pids[side] = process_tree(proc.pid)
        urls = {side: f"http://127.0.0.1:{port}/webhooks/rest/webhook" for side, port in ports.items()}
        for side, side_url in urls.items():
            asyncio.run(load(side_url, texts, 8, 5, f"warm-{side}"))
        rounds: dict[str, list[dict[str, Any]]] = {"with": [], "without": []}
        for i in range(2 if quick else 2 * ROUNDS):
            for side in ("with", "without") if i % 2 == 0 else ("without", "with"):
                before = cpu_seconds(pids[side])
                result = asyncio.run(load(urls[side], texts, 32, 2 if quick else 15, f"broker-{side}{i}"))
                result["rasa_cpu_ms_per_msg"] = (cpu_seconds(pids[side]) - before) * 1000 / result["n"]
                rounds[side].append(result)
    out: dict[str, Any] = {
        side: {"msg_per_s": statistics.median(r["msg_per_s"] for r in rs),
               "p50_ms": statistics.median(r["p50_ms"] for r in rs),
               "rasa_cpu_ms_per_msg": statistics.median(r["rasa_cpu_ms_per_msg"] for r in rs),
               "rounds_msg_per_s": [round(r["msg_per_s"], 1) for r in rs]}
        for side, rs in rounds.items()}  # fmt: skip
    out["ratio_msg_per_s"] = out["with"]["msg_per_s"] / out["without"]["msg_per_s"]
    return out


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

        python -c "from bench.run import report_grouping; print(report_grouping())"
    """
    questions = grouping_questions(n)
    start = time.perf_counter()
    groups = unanswered_groups(questions)
    took = time.perf_counter() - start
    return {"questions": n, "conversations": len({t.conversation for t in questions}), "seconds": took,
            "groups": len(groups), "shown_groups": sum(1 for g in groups if g["text"])}  # fmt: skip


def scaling(texts: list[str], quick: bool) -> list[dict[str, Any]]:
    """The scaling figure (issue 15): `make cluster` with 1, 2 and 3 Rasa instances (one Sanic
    worker each) behind nginx on PostgreSQL and Redis, all on this machine's two cores; 8 and 32
    concurrent conversations through nginx; CPU ms per message of each part."""
    from ops.cluster import running_cluster

    rows = []
    for count in (1, 2) if quick else (1, 2, 3):
        work = Path(tempfile.mkdtemp(prefix=f"bench-cluster{count}-"))
        with running_cluster(work, port=free_port(), instances=count, extra_env=NO_RATE_LIMITS) as cluster:
            url = f"{cluster.url}/webhooks/rest/webhook"
            asyncio.run(load(url, texts, 8, 2, "warm-up"))  # every instance's database pool is open
            groups = {k: [p for pid in pids for p in process_tree(pid)] for k, pids in cluster.processes().items()}
            row: dict[str, Any] = {"instances": count}
            for c, per in ((8, 4 if quick else 20), (32, 2 if quick else 15)):
                before = cpu_now(groups)
                level = asyncio.run(load(url, texts, c, per, f"cluster{count}c{c}"))
                after = cpu_now(groups)
                level["cpu_ms_per_msg"] = {k: (after[k] - before[k]) * 1000 / level["n"] for k in after}
                row[f"concurrent_{c}"] = level
            rows.append(row)
        shutil.rmtree(work, ignore_errors=True)
    return rows


def scaling_rows(rows: list[dict[str, Any]], single: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Each cluster size against today's single-machine configuration (2 workers, SQLite) of this run."""
    out = []
    for row in rows:
        n = row["instances"]
        for level in ("concurrent_8", "concurrent_32"):
            s, base = row[level], single[level]
            out.append((f"cluster {n} instance(s), {level}: p95 ms / msg/s (errors)",
                        f"{s['p95_ms']:.0f} / {s['msg_per_s']:.0f} ({s['errors']})",
                        f"{base['p95_ms']:.0f} / {base['msg_per_s']:.0f}",
                        f"{s['msg_per_s'] / base['msg_per_s']:.2f}"))  # fmt: skip
        cpu = row["concurrent_32"]["cpu_ms_per_msg"]
        parts = ("rasa", "actions", "postgres", "redis", "nginx", "load")
        out.append((f"cluster {n}: CPU ms/msg " + "/".join(parts), "/".join(f"{cpu[k]:.1f}" for k in parts), "", ""))
    return out


def outcome_rows(ours: dict[str, Any], base: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """right / fallback / wrong per set and scope, "n (share)", ours and the baseline's."""
    rows = []
    for name in ours:
        for scope, label in (("all", "all"), ("in", "in scope"), ("out", "out of scope")):
            o, b = ours[name][scope], base[name][scope]
            if not o["n"]:
                continue
            for outcome in OUTCOMES:
                share_o = o[outcome] / o["n"]
                share_b = b[outcome] / b["n"] if b["n"] else 0.0
                ratio = f"{share_o / share_b:.2f}" if share_b else "-"
                rows.append((f"{name} ({label}, n={o['n']}): {outcome}", f"{o[outcome]} ({share_o:.1%})",
                             f"{b[outcome]} ({share_b:.1%})", ratio))  # fmt: skip
    return rows


def table(r: dict[str, Any]) -> str:
    b = r["baseline"]
    seq = r["sequential"]
    rows = outcome_rows(r["outcomes"], b["outcomes"])
    for name, d in r.get("detected", {}).items():
        rows.append((f"{name}: first message taken for its language", f"{d['detected']}/{d['n']}", "", ""))
    if r.get("leichte_sprache_words_per_sentence"):
        words = r["leichte_sprache_words_per_sentence"]
        rows.append(("Leichte Sprache replies: words per sentence (at most 10)", f"{words:.1f}", "", ""))
    rows += [
        ("latency p50, sequential (ms)", f"{seq['p50_ms']:.1f}", f"{b['p50_ms']:.2f}",
         f"{seq['p50_ms'] / b['p50_ms']:.0f}"),
        ("latency p95, sequential (ms)", f"{seq['p95_ms']:.1f}", f"{b['p95_ms']:.2f}",
         f"{seq['p95_ms'] / b['p95_ms']:.0f}"),
    ]  # fmt: skip
    for level in ("sequential", "concurrent_8", "concurrent_32"):
        s = r[level]
        rows.append((f"{level}: p50/p95/p99 ms", f"{s['p50_ms']:.0f}/{s['p95_ms']:.0f}/{s['p99_ms']:.0f}", "", ""))
        rows.append((f"{level}: msg/s (errors)", f"{s['msg_per_s']:.0f} ({s['errors']})", "", ""))
        if len(s.get("rounds_msg_per_s", [])) > 1:
            rows.append((f"{level}: msg/s of the rounds", "/".join(f"{v:.0f}" for v in s["rounds_msg_per_s"]), "", ""))
        if "cpu_ms_per_msg" in s:
            cpu = s["cpu_ms_per_msg"]
            shares = "/".join(f"{cpu[k]:.1f}" for k in ("rasa", "actions", "redis", "load"))
            rows.append((f"{level}: CPU ms/msg Rasa/actions/Redis/load", shares, "", ""))
    if "cluster" in r:
        rows += scaling_rows(r["cluster"], r)
    if "event_broker" in r:  # issue 17: the same Rasa with and without the event broker, alternating
        w, wo = r["event_broker"]["with"], r["event_broker"]["without"]
        speed = lambda x: f"{x['msg_per_s']:.0f} ({'/'.join(f'{v:.0f}' for v in x['rounds_msg_per_s'])})"  # noqa: E731
        cost = lambda x: f"{x['p50_ms']:.0f}, {x['rasa_cpu_ms_per_msg']:.1f}"  # noqa: E731
        rows += [
            ("32 conv., with event broker: msg/s (rounds)", speed(w), speed(wo),
             f"{r['event_broker']['ratio_msg_per_s']:.2f}"),
            ("32 conv., with event broker: p50 ms, Rasa CPU ms/msg", cost(w), cost(wo), ""),
        ]  # fmt: skip
    if "report" in r:
        rep = r["report"]
        rows += [
            (f"make report on {rep['conversations']} conversations / {rep['messages']} messages: build s",
             f"{rep['build_s']:.1f}", "", ""),
            ("report.html / report.json KB, events.db MB", f"{rep['html_kb']:.0f} / {rep['json_kb']:.0f}, "
             f"{rep['events_db_mb']:.0f}", "", ""),
            ("unanswered groups (shown with text)", f"{rep['unanswered_groups']} ({rep['shown_groups']})", "", ""),
        ]  # fmt: skip
    if "report_grouping" in r:
        g = r["report_grouping"]
        rows.append((f"report: grouping {g['questions']:,} unanswered questions s (groups, shown)",
                     f"{g['seconds']:.1f} ({g['groups']}, {g['shown_groups']})", "", ""))  # fmt: skip
    if "socket_flood" in r:
        f = r["socket_flood"]
        rows.append((f"socket flood from one address: {f['attempts']} attempts in {f['seconds']} s, accepted",
                     f"{f['accepted']}", "", ""))  # fmt: skip
        memory = f"{f['rss_before_mb']:.0f} / {f['rss_open_mb']:.0f} / {f['rss_after_mb']:.0f}"
        rows.append(("socket flood: Rasa RSS before / open / 3 s after closing (MB)", memory, "", ""))
    rows += [
        ("Jobcenter name search p50/p95 ms", f"{r['lookup']['p50_ms']:.2f}/{r['lookup']['p95_ms']:.2f}", "", ""),
        ("start to first answer (s)", f"{r['start_to_first_answer_s']:.1f}", "", ""),
        ("rasa train (s)", f"{r['train_s']:.0f}" if "train_s" in r else "(not run)", "", ""),
        ("peak RSS Rasa (largest process) / actions (MB)",
         f"{r['rasa_memory']['peak_rss_mb']:.0f} / {r['actions_memory']['peak_rss_mb']:.0f}", "", ""),
        (f"PSS Rasa, all {r['rasa_memory']['processes']} processes (MB)",
         f"{r['rasa_memory']['pss_total_mb']:.0f}", "", ""),
    ]  # fmt: skip
    width = max(len(x[0]) for x in rows)
    lines = [f"{'measure':<{width}}  {'ours':>16}  {'TF-IDF baseline':>16}  {'ours/baseline':>13}"]
    lines += [f"{a:<{width}}  {b_:>16}  {c:>16}  {d:>13}" for a, b_, c, d in rows]
    lines.append(f"Rasa with {r['workers']} Sanic worker(s) and the Redis lock store, SQLite tracker store.")
    lines.append(f"Concurrent levels: medians of {len(r['concurrent_8'].get('rounds_msg_per_s', [1]))} round(s).")
    lines.append("baseline latency is in-process (no HTTP); ours is over the REST channel.")
    lines.append("cluster rows: make cluster (PostgreSQL, Redis, nginx) on the same 2 cores; their baseline column")
    lines.append("is this run's single-machine configuration (2 workers, SQLite), ratio = msg/s cluster / single.")
    lines.append("outcomes: right / fallback (asks back, cannot answer, signposting) / wrong (evaluation/outcomes.py).")
    if "event_broker" in r:
        lines.append("event broker rows: two fresh Rasa servers side by side, with it and without (baseline column).")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run with small counts and the existing model")
    parser.add_argument("--no-train", action="store_true", help="full counts, existing model (to compare levers)")
    parser.add_argument("--workers", type=int, default=PRODUCTION_WORKERS, help="Sanic workers (1 to compare)")
    parser.add_argument("--tracker-store", default=None, help="tracker store type instead of production's (e.g. SQL)")
    parser.add_argument("--uncached-validation", action="store_true", help="Rasa's own action-answer validation")
    parser.add_argument("--fresh-connections", action="store_true", help="a new connection per action call")
    parser.add_argument("--no-cluster", action="store_true", help="skip the scaling figure (make cluster)")
    parser.add_argument("--out", default="", help="results file name (default latest.json / smoke.json)")
    args = parser.parse_args()
    undo = "validation" if args.uncached_validation else "connections" if args.fresh_connections else None
    results = run(args.quick, args.no_train, args.workers, args.tracker_store, undo, not args.no_cluster)
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.out or ("smoke.json" if args.quick else "latest.json")
    (RESULTS / name).write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(table(results))
    print(f"written: {RESULTS / name}")


if __name__ == "__main__":
    main()

"""The table bench/run.py prints: each measure, ours against the TF-IDF baseline (or, for the
cluster and event broker rows, against this run's single machine and the Rasa without the broker)."""

from __future__ import annotations

from typing import Any

from evaluation.outcomes import OUTCOMES


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


def before_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Issue 27: today's code against the code before the issue, measured in the same run (the
    before column's heading is the baseline's; the rows say what they compare)."""
    b = r["before"]
    rows = []
    measures = (("sequential", "p50_ms", "{:.1f}"), ("concurrent_8", "p95_ms", "{:.0f}"),
                ("concurrent_8", "msg_per_s", "{:.0f}"), ("concurrent_32", "msg_per_s", "{:.0f}"))  # fmt: skip
    for level, key, fmt in measures:
        now, then = r[level][key], b[level][key]
        rows.append((f"vs. {b['label']}: {level} {key}", fmt.format(now), fmt.format(then), f"{now / then:.2f}"))
    for level in ("concurrent_8", "concurrent_32"):
        now, then = r[level]["cpu_ms_per_msg"]["rasa"], b[level]["cpu_ms_per_msg"]["rasa"]
        rows.append((f"vs. {b['label']}: {level} Rasa CPU ms/msg", f"{now:.1f}", f"{then:.1f}", f"{now / then:.2f}"))
    for n, now in r.get("long_conversations", {}).items():
        then = b.get("long_conversations", {}).get(n)
        rows.append((f"next message after {int(n):,} messages: p50 ms (ratio to the shortest)",
                     f"{now['p50_ms']:.0f} ({now['ratio']:.2f})",
                     f"{then['p50_ms']:.0f} ({then['ratio']:.2f})" if then else "",
                     f"{now['p50_ms'] / then['p50_ms']:.2f}" if then else ""))  # fmt: skip
    if "train_s" in r and b.get("train_s"):
        rows.append((f"vs. {b['label']}: rasa train (s)", f"{r['train_s']:.0f}", f"{b['train_s']:.0f}",
                     f"{r['train_s'] / b['train_s']:.2f}"))  # fmt: skip
    same = r.get("same_answers", {})
    if same:
        n, kept = sum(s["n"] for s in same.values()), sum(s["same"] for s in same.values())
        rows.append((f"vs. {b['label']}: same answer, all {len(same)} sets", f"{kept}/{n}", "", ""))
        for name, s in same.items():
            if s["same"] != s["n"]:
                rows.append(
                    (f"  {name}: same answer (first that differ)", f"{s['same']}/{s['n']}", str(s["differ"]), "")
                )
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
    if "model_switch" in r:
        gap = r["model_switch"]
        rows.append(
            (
                "model switch (make deploy, one machine): longest time without an answer (ms)",
                f"{gap['longest_without_answer'] * 1000:.0f}",
                "",
                "",
            )
        )
        rows.append(
            (
                "model switch: sent / lost / refused / answered twice",
                f"{gap['sent']} / {gap['lost']} / {gap['refused']} / {gap['answered_twice']}",
                "",
                "",
            )
        )
        rows.append(
            (
                "model switch: p95 before / during (ms)",
                f"{gap['p95_before'] * 1000:.0f} / {gap['p95_during'] * 1000:.0f}",
                "",
                "",
            )
        )
    if "metrics_cost_us" in r:
        rows.append(("metrics: counting per message (µs)", f"{r['metrics_cost_us']:.1f}", "", ""))
    if "before" in r:
        rows += before_rows(r)
    elif "long_conversations" in r:
        for n, now in r["long_conversations"].items():
            rows.append((f"next message after {int(n):,} messages: p50 ms (ratio to the shortest)",
                         f"{now['p50_ms']:.0f} ({now['ratio']:.2f})", "", ""))  # fmt: skip
    if "memory_growth" in r:
        g = r["memory_growth"]
        pairs = zip(g["rss_after_1000_mb"], g["rss_after_all_mb"], strict=False)
        rows.append((f"Rasa RSS per process after 1,000 / {g['messages']:,} msgs ({g['conversations']:,} conv.), MB",
                     "/".join(f"{a:.0f}-{b:.0f}" for a, b in pairs), "", f"{g['max_ratio']:.2f}"))  # fmt: skip
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
    if "before" in r:
        label = r["before"]["label"]
        lines.append(f"'vs. {label}' rows: its code, its own model (same data), same load, this run (baseline column).")
    if "event_broker" in r:
        lines.append("event broker rows: two fresh Rasa servers side by side, with it and without (baseline column).")
    return "\n".join(lines)

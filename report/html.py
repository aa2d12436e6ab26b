"""``reports/report.html``: one self-contained page (inline CSS, charts as inline SVG drawn with
matplotlib, no request to anywhere), German, for the editors; every citizen's text is escaped.

Codes become what editors read (report/labels.py): an answer is its question with its key in
small print beside it (the key is what an editor edits), channels and languages their German
names; the definition of "ohne Antwort" is stated once, above the figures that use it."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no screen
import matplotlib.pyplot as plt  # noqa: E402

from pipeline.feedback import ASK_REASON, wording  # noqa: E402
from report.figures import MIN_GROUP  # noqa: E402
from report.labels import Labels, labels  # noqa: E402
from report.selection import TEST_SENDER  # noqa: E402
from report.turns import HELPFUL, NOT_HELPFUL, WITHOUT_ANSWER  # noqa: E402

# The reasons as the citizens saw them (domain/feedback.yml): "wrong" -> "Falsch"
REASON_LABELS = {payload.split(":", 1)[1]: title for title, payload in wording(ASK_REASON)[1]}
matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text (readable, searchable)
matplotlib.rcParams["font.family"] = "sans-serif"

STYLE = """
body { font: 1rem/1.5 system-ui, sans-serif; color: #1a1a1a; max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0; }
th, td { border: 1px solid #767676; padding: 0.25rem 0.5rem; text-align: left; }
pre { background: #f2f2f2; padding: 0.5rem; overflow-x: auto; }
figure { margin: 0.5rem 0; } svg { max-width: 100%; height: auto; }
.key { display: block; font-size: 0.8rem; color: #4a4a4a; font-family: monospace; }
.definition { border-left: 0.25rem solid #00466e; padding-left: 0.75rem; }
"""


def _svg(fig: Any, name: str) -> str:
    buffer = io.StringIO()
    matplotlib.rcParams["svg.hashsalt"] = name  # the same figures give the same file
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]  # without the XML prologue and DOCTYPE
    # matplotlib numbers its ids per figure (figure_1, patch_1, ...): prefixed, two charts on one
    # page keep their ids apart
    svg = re.sub(r'\bid="', f'id="{name}-', svg)
    return re.sub(r'(href="#|url\(#)', rf"\1{name}-", svg)


def _chart(days: list[dict[str, Any]], key: str, label: str) -> str:
    fig, ax = plt.subplots(figsize=(7, 2.6))
    x = [d["day"] for d in days]
    ax.bar(x, [d[key] for d in days], color="#00466e")
    ax.set_ylabel(label)
    ax.tick_params(axis="x", labelrotation=45)
    return _svg(fig, key)


class Markup(str):
    """A table cell already escaped (an answer with its key)."""


def _table(head: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    th = "".join(f"<th scope='col'>{html.escape(h)}</th>" for h in head)
    cell = lambda c: c if isinstance(c, Markup) else html.escape(str(c))  # noqa: E731
    body = "".join("<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _answer(label: str, names: Labels) -> Markup:
    """An answer as the editors read it (its question, "Verweis: ...") with its key in small print."""
    shown = names.reply(label)
    key = f"<span class='key'>{html.escape(label)}</span>"
    return Markup(html.escape(shown) + (key if shown != label else ""))


def _left_out(report: dict[str, Any], names: Labels) -> str:
    """Which conversations were left out and why, or that none were (the rules are stated either way)."""
    rules = report.get("exclusion") or {}
    said = []
    for r in report.get("left_out") or []:
        why = (names.left_out.get(TEST_SENDER, TEST_SENDER).format(prefix=rules.get("test_prefix") or "")
               if r["reason"] == TEST_SENDER
               else names.left_out.get("channel", "{channel}").format(channel=names.channel(r["channel"])))  # fmt: skip
        said.append(f"{why}: {r['conversations']} {'Gespräch' if r['conversations'] == 1 else 'Gespräche'} "
                    f"({r['messages']} {'Nachricht' if r['messages'] == 1 else 'Nachrichten'})")  # fmt: skip
    channels = ", ".join(names.channel(c) for c in rules.get("channels") or []) or "keine"
    prefix = rules.get("test_prefix")
    tests = f"Gespräche mit einer Kennung, die mit „{prefix}“ beginnt" if prefix else "keine Testgespräche"
    text = f"Nicht gezählt: {tests}; Kanäle: {channels}. "
    text += ("Ausgelassen: " + "; ".join(said) + ".") if said else "Im Zeitraum wurde nichts ausgelassen."
    return f"<p>{html.escape(text)}</p>"


def _reasons(reasons: dict[str, int]) -> str:
    return ", ".join(f"{REASON_LABELS.get(r, r)}: {n}" for r, n in reasons.items())


def page(report: dict[str, Any], retention_days: int, names: Labels | None = None) -> str:
    names = names or labels()
    period = report["period"]
    since, until = period["from"] or "Beginn der Aufzeichnung", period["until"] or "heute"
    days = report["days"]
    min_group = int(report["min_group"])
    parts = [
        "<h1>Bericht: Fragen an den digitalen Assistenten</h1>",
        f"<p>Zeitraum: {html.escape(since)} bis {html.escape(until)}. Gespräche werden {retention_days} Tage "
        "nach der letzten Nachricht gelöscht; der Bericht zeigt nur, was dann noch gespeichert ist, und wird "
        f"selbst nach {retention_days} Tagen gelöscht. Texte der Bürgerinnen und Bürger erscheinen nur so, wie sie "
        "gespeichert wurden (persönliche Daten ersetzt), und nur in Gruppen ähnlicher Fragen aus mindestens "
        f"{min_group} verschiedenen Gesprächen (Mindestgröße: {min_group} Gespräche"
        f"{'' if min_group == MIN_GROUP else f'; Standard: {MIN_GROUP}'}); auch dann nur die Wörter, "
        f"die mindestens {min_group} dieser Gespräche geschrieben haben (andere: „…“).</p>",
        _left_out(report, names),
        f"<p>Gelesen aus: {html.escape(str(report['store']))}</p>" if report.get("store") else "",
        f"<p class='definition'><strong>Ohne Antwort:</strong> {html.escape(report['without_answer']['definition'])}"
        "</p>",
        _table(("Gespräche", "Nachrichten", "ohne Antwort"),
               [(report["conversations"], report["messages"], report["without_answer"]["count"])]),
    ]  # fmt: skip
    if days:
        parts += [
            "<h2>Gespräche und Nachrichten pro Tag</h2>",
            f"<figure><figcaption>Nachrichten pro Tag</figcaption>{_chart(days, 'messages', 'Nachrichten')}</figure>",
            f"<figure><figcaption>Anteil ohne Antwort pro Tag</figcaption>"
            f"{_chart(days, 'without_answer_rate', 'Anteil')}</figure>",
            _table(("Tag", "Gespräche", "Nachrichten", "ohne Antwort", "Anteil",
                    *(f"davon {names.kinds.get(k, k)}" for k in WITHOUT_ANSWER)),
                   [(d["day"], d["conversations"], d["messages"], d["without_answer"],
                     f"{d['without_answer_rate']:.0%}", *(d["by_kind"][k] for k in WITHOUT_ANSWER)) for d in days]),
        ]  # fmt: skip
    parts += [
        "<h2>Nach Kanal und Sprache</h2>",
        _table(("Kanal", "Nachrichten"), [(names.channel(c), n) for c, n in report["by_channel"].items()]),
        _table(("Sprache", "Nachrichten"), [(names.language(c), n) for c, n in report["by_language"].items()]),
        "<h2>Die häufigsten Antworten</h2>",
        _table(("Antwort (Frage, darunter der Schlüssel)", "Anzahl"),
               [(_answer(a["answer"], names), a["count"]) for a in report["answers"]]),
        "<h2>Rückmeldungen („Hilfreich?“)</h2>",
        _table(("Antwort", "hilfreich", "nicht hilfreich", "Gründe"),
               [(_answer(key, names), f[HELPFUL], f[NOT_HELPFUL], _reasons(f["reasons"]))
                for key, f in report["feedback"].items()]),
        "<h2>Fragen ohne Antwort</h2>",
        f"<p>Alle {report['without_answer']['count']} Fragen ohne Antwort (Definition oben), nach Ähnlichkeit "
        "gruppiert, die größte Gruppe zuerst. Zu jeder Gruppe ein Vorschlag für die NLU-Daten (data/nlu/): die "
        "Antwort (faq/&lt;key&gt;) eintragen, prüfen, <code>make test</code>.</p>",
    ]  # fmt: skip
    shown = [g for g in report["unanswered"] if g["text"]]
    for i, group in enumerate(shown, 1):
        replies = "; ".join(f"{html.escape(names.reply(k))} (<code>{html.escape(k)}</code>): {n}"
                            for k, n in group["replies"].items())  # fmt: skip
        rated = f", davon {group['not_helpful']}-mal als nicht hilfreich bewertet" if group["not_helpful"] else ""
        talks, asked = group["conversations"], group["count"]
        parts.append(f"<h3>Gruppe {i}: {talks} {'Gespräch' if talks == 1 else 'Gespräche'}, {asked} "
                     f"{'Frage' if asked == 1 else 'Fragen'}</h3>"
                     f"<p>{html.escape(group['text'])}</p>"
                     f"<p>Antworten: {replies}{rated}</p>"
                     f"<pre><code>{html.escape(group['yaml'])}</code></pre>")  # fmt: skip
    small = [g for g in report["unanswered"] if not g["text"]]
    if small:
        questions, groups = sum(g["count"] for g in small), len(small)
        parts.append(f"<p>Dazu {questions} {'Frage' if questions == 1 else 'Fragen'} in {groups} kleinen "
                     f"{'Gruppe' if groups == 1 else 'Gruppen'} (aus weniger als {min_group} Gesprächen oder ohne "
                     "gemeinsame Wörter: ohne Text).</p>")  # fmt: skip
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='de'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>Bericht digitaler Assistent</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )

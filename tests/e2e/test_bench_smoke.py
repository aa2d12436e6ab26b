"""A short smoke run of `make bench` (small counts, existing model)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from base.paths import MODEL, ROOT
from bench.clients import response_matchers, which_response
from bench.run import RESULTS
from evaluation.outcomes import label_of


def test_answers_are_recognised_by_their_response() -> None:
    matchers = response_matchers()
    text = "Das Jobcenter Erzgebirgskreis arbeitet seit dem 1. Januar 2012 als kommunales Jobcenter, also allein in der Verantwortung des Landkreises. Quelle: X."  # noqa: E501
    assert which_response(text, matchers) == "utter_faq/erzgebirgskreis_since"
    assert which_response("Etwas ganz anderes.", matchers) == "unknown"
    assert label_of(which_response("Gern geschehen! Kann ich Ihnen noch etwas beantworten?", matchers)) == "thank"
    note = 'I will now answer in English. Only the German text is legally binding. To switch back to German, write "Deutsch bitte".'  # noqa: E501
    assert which_response(note, matchers) == "utter_language_note"  # skipped when a reply is scored


@pytest.mark.parametrize("code", ["de", "de-x-ls", "uk", "ru", "ar", "en", "tr"])
def test_every_reply_is_recognised_as_its_own_response(code: str) -> None:
    """The bench labels a reply by its text: every response in every language, rendered with its
    values, is told from all others, also the three counts that differ only in their plural phrases
    (issue 26: the total's answer was taken for the municipal count's)."""
    import knowledge
    from pipeline.render import german_responses, render

    values = {**knowledge.load().placeholders_in(code), "name": "Landkreis Görlitz", "land": "Sachsen",
              "year": "2012", "note": "", "partner": "Landkreis", "count": "5", "names": "Bautzen, Görlitz",
              "source": "S", "stand": "2026"}  # fmt: skip
    matchers = response_matchers()
    replies = {name: render(name, code, values) for name in german_responses()}
    wrong = {n: which_response(r["text"], matchers) for n, r in replies.items() if r and r.get("text")}
    assert {n: got for n, got in wrong.items() if got != n} == {}


@pytest.mark.e2e
def test_bench_smoke_run() -> None:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    proc = subprocess.run(
        # the cluster's scaling part is left to `make bench`: tests/cluster starts the cluster already,
        # and `make test` must stay under 30 minutes (issue 25's fresh clone took 28-29)
        [sys.executable, "-m", "bench.run", "--quick", "--no-cluster"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "TF-IDF baseline" in proc.stdout
    results = json.loads((RESULTS / "smoke.json").read_text(encoding="utf-8"))
    for level in ("sequential", "concurrent_8", "concurrent_32"):
        assert results[level]["errors"] == 0 and results[level]["p50_ms"] > 0
    for name in ("held-out", "external"):
        assert results["outcomes"][name]["all"]["n"] > 0
        assert results["baseline"]["outcomes"][name]["all"]["right"] > 0
    assert "right" in proc.stdout and "wrong" in proc.stdout
    switch = results["model_switch"]  # a new model under load on the single machine
    assert switch["sent"] > 0 and switch["lost"] == switch["refused"] == switch["answered_twice"] == 0
    assert 0 < results["metrics_cost_us"] < 1000
    assert "model switch" in proc.stdout and "metrics: counting per message" in proc.stdout

"""Metrics over the real servers: Rasa with two Sanic workers (and Redis), the action server and
the metrics endpoint (ops/metrics.py), as `make run` starts them, all with ``LOG_FORMAT=json``.
A few messages go in; 127.0.0.1:METRICS_PORT/metrics counts them, by outcome, with their
latencies, summed over both workers; Rasa's own port has no /metrics; no label carries what was
typed or who typed it; every log line is JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

pytest.importorskip("prometheus_client", reason="prometheus_client not installed (requirements.txt)")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

from base.paths import ROOT  # noqa: E402
from ops.metrics import environment, start_metrics  # noqa: E402
from ops.services import free_port  # noqa: E402
from tests.e2e.servers import Servers, running_servers  # noqa: E402

pytestmark = pytest.mark.e2e
IBAN = "DE89 3704 0044 0532 0130 00"
SENT = [  # (sender, text)
    ("metrics-one", "Was ist ein kommunales Jobcenter?"),
    ("metrics-two", "Wie viele Einwohner hat der Mond im Winter?"),
    ("metrics-three", f"Meine IBAN ist {IBAN}, was ist ein kommunales Jobcenter?"),
    *[("metrics-flood", "Hallo") for _ in range(8)],  # 3 a minute per worker: some refused
]


def pylib_path() -> str:
    """Where prometheus_client is (a private folder until it is in the venv) for the servers."""
    import prometheus_client

    return f"{ROOT}{os.pathsep}{Path(prometheus_client.__file__).parents[1]}"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Servers, str, Path]]:
    workdir = tmp_path_factory.mktemp("metrics")
    folder = workdir / "prometheus"
    folder.mkdir()
    earlier = "from base import metrics\nfor _ in range(5): metrics.message('telegram', 'de', 'answered', 1.0)"
    earlier_env = {**os.environ, **environment(folder), "PYTHONPATH": pylib_path()}
    subprocess.run([sys.executable, "-c", earlier], env=earlier_env, check=True, cwd=ROOT)
    assert list(folder.glob("counter_*.db"))  # an earlier run's numbers: emptied by Rasa's start
    port = free_port()
    env = {**environment(folder), "PYTHONPATH": pylib_path(), "RATE_LIMIT_PER_SENDER": "3"}
    previous = os.environ.get("LOG_FORMAT")
    os.environ["LOG_FORMAT"] = "json"  # the action server's environment is this process's
    try:
        with (
            start_metrics(port, folder, workdir / "metrics.log", {"PYTHONPATH": pylib_path()}),
            running_servers(workdir, extra_env=env, workers=2) as servers,
        ):
            replies = [servers.say(text, sender) for sender, text in SENT]
            assert all(replies[:3]), replies
            yield servers, f"http://127.0.0.1:{port}/metrics", folder
    finally:
        if previous is None:
            os.environ.pop("LOG_FORMAT", None)
        else:
            os.environ["LOG_FORMAT"] = previous


def scrape(url: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    r = requests.get(url, timeout=10)
    r.raise_for_status()
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(r.text):
        for sample in family.samples:
            out.setdefault(sample.name, []).append((sample.labels, sample.value))
    return out


def total(samples: dict[str, list[tuple[dict[str, str], float]]], name: str, **labels: str) -> float:
    return sum(v for found, v in samples.get(name, []) if labels.items() <= found.items())


def test_every_message_is_counted_once_with_its_outcome(running: Any) -> None:
    servers, url, _ = running
    samples = scrape(url)
    assert total(samples, "jobcenter_messages_total") == len(SENT)
    assert total(samples, "jobcenter_messages_total", channel="rest") == len(SENT)
    assert total(samples, "jobcenter_messages_total", language="de", outcome="answered") >= 2
    assert total(samples, "jobcenter_messages_total", outcome="fallback") >= 1
    limited = total(samples, "jobcenter_messages_total", outcome="rate_limited")
    assert limited >= 2  # 8 messages, at most 3 per worker
    assert total(samples, "jobcenter_rate_limited_total", limit="sender") == limited


def test_the_latency_histogram_has_every_message(running: Any) -> None:
    samples = scrape(running[1])
    assert total(samples, "jobcenter_message_duration_seconds_count", channel="rest") == len(SENT)
    assert total(samples, "jobcenter_message_duration_seconds_bucket", channel="rest", le="+Inf") == len(SENT)
    assert 0 < total(samples, "jobcenter_message_duration_seconds_sum") < 30 * len(SENT)
    assert total(samples, "jobcenter_message_duration_seconds_bucket", channel="rest", le="10.0") == len(SENT)


def test_redactions_and_the_model_are_recorded(running: Any) -> None:
    samples = scrape(running[1])
    assert total(samples, "jobcenter_redactions_total", kind="iban") == 1
    models = samples["jobcenter_model_loaded_timestamp_seconds"]
    assert len(models) == 1 and models[0][1] > 1.7e9 and models[0][0]["model_id"].isalnum()


def test_no_label_names_what_was_typed_or_who_typed_it(running: Any) -> None:
    text = requests.get(running[1], timeout=10).text
    for secret in ("metrics-", "DE89", "Jobcenter?", "Mond"):
        assert secret not in text


def test_the_earlier_runs_numbers_were_removed_at_start(running: Any) -> None:
    assert total(scrape(running[1]), "jobcenter_messages_total", channel="telegram") == 0


def test_metrics_are_only_on_their_own_loopback_port(running: Any) -> None:
    servers, url, _ = running
    assert requests.get(f"{servers.rasa_url}/metrics", timeout=10).status_code == 404
    assert requests.get(url.removesuffix("/metrics") + "/", timeout=10).status_code == 404
    assert url.startswith("http://127.0.0.1:")


def test_every_log_line_of_rasa_and_the_action_server_is_json(running: Any) -> None:
    servers, _, _ = running
    lines = [line for line in servers.log.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(lines) > 5
    bad = []
    for line in lines:
        try:
            parsed = json.loads(line)
            assert {"time", "level", "logger", "message"} <= set(parsed)
        except (json.JSONDecodeError, AssertionError, TypeError):
            bad.append(line)
    assert bad == []
    loggers = {json.loads(line)["logger"] for line in lines}
    assert any(name.startswith("rasa_sdk") for name in loggers)  # the action server's own lines
    assert any(name.startswith(("rasa.", "sanic")) for name in loggers)


def test_an_action_server_down_is_counted_as_error_and_outcome(tmp_path: Path) -> None:
    """engine/changes.py change 2 answers without the action server: counted in that message's outcome."""
    from ops.services import start_rasa

    folder, port, rasa_port = tmp_path / "prometheus", free_port(), free_port()
    env = {**environment(folder), "PYTHONPATH": pylib_path(), "RATE_LIMIT_PER_SENDER": "0"}
    with (
        start_metrics(port, folder, tmp_path / "metrics.log", {"PYTHONPATH": pylib_path()}),
        start_rasa(tmp_path, rasa_port, free_port(), tmp_path / "rasa.log", extra_env=env),
    ):
        body = {"sender": "metrics-down", "message": "Was ist ein kommunales Jobcenter?"}
        r = requests.post(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook", json=body, timeout=60)
        assert r.ok and r.json()
        samples = scrape(f"http://127.0.0.1:{port}/metrics")
    assert total(samples, "jobcenter_messages_total", outcome="actions_unavailable") == 1
    assert total(samples, "jobcenter_errors_total", component="action_server") >= 1

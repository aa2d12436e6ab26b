"""The metrics (base/metrics.py) and where they are counted: each counter moves when its event
happens, labels take only their fixed values (never text or ids), the outcome of a message is read
as evaluation/outcomes.py reads a reply, and the endpoint (ops/metrics.py) adds up the files of
several processes. Needs prometheus_client (skipped without it, with the reason)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

pytest.importorskip("prometheus_client", reason="prometheus_client not installed (requirements.txt)")
from prometheus_client import REGISTRY  # noqa: E402

from base import metrics  # noqa: E402
from base.paths import ROOT  # noqa: E402
from engine import metrics_hooks  # noqa: E402
from pipeline import steps  # noqa: E402

TEXTS = ["Max Mustermann", "DE89 3704 0044 0532 0130 00", "anna@example.de", "e2e-sender-42", "", None, 7]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def label_values() -> dict[str, set[str]]:
    """Every label name of a jobcenter_* sample -> the values it has taken so far in this process."""
    found: dict[str, set[str]] = {}
    for family in REGISTRY.collect():
        for sample in family.samples:
            if sample.name.startswith("jobcenter_"):
                for key, val in sample.labels.items():
                    found.setdefault(key, set()).add(val)
    return found


@pytest.mark.parametrize(
    ("args", "labels"),
    [
        (("rest", "de", "answered"), {"channel": "rest", "language": "de", "outcome": "answered"}),
        (("socketio", "uk", "fallback"), {"channel": "socketio", "language": "uk", "outcome": "fallback"}),
        (("telegram", "de-x-ls", "empty"), {"channel": "telegram", "language": "de-x-ls", "outcome": "empty"}),
        (("my-channel", "xx", "Meine IBAN"), {"channel": "other", "language": "other", "outcome": "other"}),
        ((None, None, None), {"channel": "other", "language": "other", "outcome": "other"}),
    ],
)  # fmt: skip
def test_a_message_is_counted_by_channel_language_and_outcome(args: tuple, labels: dict[str, str]) -> None:
    before = value("jobcenter_messages_total", **labels)
    metrics.message(args[0], args[1], args[2], 0.03)
    assert value("jobcenter_messages_total", **labels) == before + 1


def test_the_latency_histogram_puts_a_message_into_its_bucket() -> None:
    name = "jobcenter_message_duration_seconds"
    before = {le: value(f"{name}_bucket", channel="facebook", le=le) for le in ("0.025", "0.05", "+Inf")}
    count, total = value(f"{name}_count", channel="facebook"), value(f"{name}_sum", channel="facebook")
    metrics.message("facebook", "de", "answered", 0.04)
    assert value(f"{name}_bucket", channel="facebook", le="0.025") == before["0.025"]
    assert value(f"{name}_bucket", channel="facebook", le="0.05") == before["0.05"] + 1
    assert value(f"{name}_bucket", channel="facebook", le="+Inf") == before["+Inf"] + 1
    assert value(f"{name}_count", channel="facebook") == count + 1
    assert value(f"{name}_sum", channel="facebook") == pytest.approx(total + 0.04)


@pytest.mark.parametrize("text", TEXTS)
def test_no_label_ever_takes_text_or_an_id(text: Any) -> None:
    metrics.message(text, text, text, 0.01)
    metrics.rate_limited(text)
    metrics.redacted([text])
    metrics.rating(text)
    metrics.error(text)
    metrics.model_loaded(text)
    allowed = {
        "channel": {*metrics.CHANNELS, metrics.OTHER},
        "language": {*metrics.SUPPORTED, metrics.OTHER},
        "outcome": {*metrics.OUTCOMES, metrics.OTHER},
        "limit": {*metrics.LIMITS, metrics.OTHER},
        "kind": {*metrics.REDACTION_KINDS.values(), metrics.OTHER},
        "helpful": {"yes", "no"},
        "component": {*metrics.COMPONENTS, metrics.OTHER},
        "le": {*(str(b) for b in metrics.LATENCY_BUCKETS), "+Inf"},
    }
    found = label_values()
    models = found.pop("model_id", set())
    assert {k: v - allowed[k] for k, v in found.items() if v - allowed[k]} == {}
    assert all(m == metrics.OTHER or (m.isalnum() and " " not in m) for m in models)


def test_every_kind_of_personal_data_has_its_label() -> None:
    from pipeline.pii import KINDS

    assert {kind for kind, _ in KINDS} == set(metrics.REDACTION_KINDS)


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Meine IBAN ist DE89 3704 0044 0532 0130 00", {"iban": 1}),
        ("Schreiben Sie an anna@example.de oder 0171 2345678", {"email": 1, "phone": 1}),
        ("Wer ist anna@example.de und wer berta@example.de?", {"email": 1}),  # once per message
        ("Wie viele kommunale Jobcenter gibt es?", {}),
    ],
)
def test_redactions_are_counted_by_kind_at_the_input_gate(text: str, kinds: dict[str, int]) -> None:
    from pipeline.gate import clean_input

    labels = set(metrics.REDACTION_KINDS.values())
    before = {k: value("jobcenter_redactions_total", kind=k) for k in labels}
    clean_input(text)
    after = {k: value("jobcenter_redactions_total", kind=k) for k in labels}
    assert {k: after[k] - before[k] for k in labels if after[k] != before[k]} == kinds


class FakeEngine:
    """The pipeline's engine: records what is sent; ``fail`` makes reading the store fail."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[dict[str, Any]] = []
        self.fail = fail

    async def show_stored(self, turn: steps.Turn) -> None: ...
    async def send(self, turn: steps.Turn, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def read(self, turn: steps.Turn) -> Any:
        if self.fail:
            raise steps.StoreUnavailable("OperationalError")
        return object()

    def language_of(self, conversation: Any) -> str | None:
        return None

    async def understand(self, turn: steps.Turn) -> None: ...
    async def answer(self, turn: steps.Turn) -> None: ...
    async def store(self, turn: steps.Turn) -> None: ...


async def test_a_message_over_the_per_conversation_limit_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import rate_limit

    limiter = rate_limit.RateLimit(1)
    monkeypatch.setattr(rate_limit, "per_sender", lambda: limiter)
    before = value("jobcenter_rate_limited_total", limit="sender")
    first, second = steps.Turn("metrics-a", "Hallo"), steps.Turn("metrics-a", "Hallo")
    await steps.handle(first, FakeEngine())
    await steps.handle(second, FakeEngine())
    assert (first.outcome, second.outcome) == ("", "rate_limited")
    assert value("jobcenter_rate_limited_total", limit="sender") == before + 1


@pytest.mark.parametrize(("text", "outcome"), [(None, "ignored"), ("/", "empty"), ("  ", "empty")])
async def test_turns_the_gate_ends_carry_their_outcome(text: Any, outcome: str) -> None:
    turn = steps.Turn("metrics-b", text)
    await steps.handle(turn, FakeEngine())
    assert turn.outcome == outcome == metrics_hooks.outcome_of_turn(turn)


async def test_a_store_failure_is_counted_as_an_error_and_an_outcome() -> None:
    before = value("jobcenter_errors_total", component="tracker_store")
    turn = steps.Turn("metrics-c", "Was ist ein kommunales Jobcenter?")
    await steps.handle(turn, FakeEngine(fail=True))
    assert turn.outcome == "store_unavailable"
    assert value("jobcenter_errors_total", component="tracker_store") == before + 1


async def test_an_address_over_the_rest_limit_is_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The REST channel's request middleware (channels/rest.py), called as Sanic calls it."""
    from channels.rest import CheckedRestInput

    monkeypatch.setenv("RATE_LIMIT_PER_ADDRESS", "1")

    async def on_new_message(message: Any) -> None:
        return None

    blueprint = CheckedRestInput().blueprint(on_new_message)
    limit: Any
    (limit,) = [m.middleware for m in blueprint._future_middleware if m.attach_to == "request"]
    request = SimpleNamespace(method="POST", args={}, remote_addr="192.0.2.1", ip="192.0.2.1")
    before = value("jobcenter_rate_limited_total", limit="address")
    assert await limit(request) is None
    assert (await limit(request)).status == 429
    assert value("jobcenter_rate_limited_total", limit="address") == before + 1


@pytest.mark.parametrize(("helpful", "label"), [(True, "yes"), (False, "no")])
def test_a_stored_rating_is_counted_helpful_or_not(helpful: bool, label: str) -> None:
    from pipeline.feedback import Feedback, record

    before = value("jobcenter_ratings_total", helpful=label)
    record(Feedback("utter_faq/what_is_municipal", helpful))
    assert value("jobcenter_ratings_total", helpful=label) == before + 1


@pytest.mark.parametrize(
    ("responses", "outcome"),
    [
        (["utter_faq/what_is_municipal"], "answered"),
        (["utter_lookup_municipal"], "answered"),
        (["utter_greet"], "answered"),
        (["utter_personal_data_removed", "utter_faq/what_is_municipal"], "answered"),
        (["utter_suggest"], "fallback"),
        (["utter_cannot_answer"], "fallback"),
        (["utter_out_of_scope/personal_case"], "fallback"),
        (["utter_lookup_ambiguous"], "fallback"),
        (["utter_language_note", "utter_follow_up_unclear"], "fallback"),
        (["utter_action_unavailable"], "actions_unavailable"),
        ([None], "answered"),
    ],
)
def test_the_outcome_of_a_reply(responses: list[str | None], outcome: str) -> None:
    assert metrics_hooks.outcome_of(responses) == outcome


def test_fallback_means_what_the_evaluation_calls_a_fallback() -> None:
    """For every response of the domain the bot may answer with: a fallback here iff
    evaluation/outcomes.py counts it as one (the alert's band comes from that measurement)."""
    import yaml

    from base.paths import DOMAIN
    from evaluation.outcomes import ASKS_BACK, UNSURE, label_of

    names = {n for f in DOMAIN.glob("*.yml") for n in (yaml.safe_load(f.read_text()) or {}).get("responses") or {}}
    assert len(names) > 50
    names -= metrics_hooks.NOTICES | {steps.ACTIONS_UNAVAILABLE}
    names -= {n for n in names if n.startswith("utter_feedback_") or n in (steps.TOO_MANY, steps.STORE_UNAVAILABLE)}
    names -= {"utter_empty_message"}
    ours = {n for n in names if metrics_hooks.outcome_of([n]) == metrics.FALLBACK}
    theirs = {n for n in names
              if (label := label_of(n)) == UNSURE or label.startswith((ASKS_BACK, "out_of_scope"))}  # fmt: skip
    assert ours == theirs


def test_a_failed_action_server_makes_the_outcome_and_counts_an_error() -> None:
    before = value("jobcenter_errors_total", component="action_server")
    turn = steps.Turn("metrics-e", "Hallo", conversation=SimpleNamespace(events=[]))
    metrics_hooks.start_turn()
    assert metrics_hooks.outcome_of_turn(turn) == "answered"
    metrics_hooks.actions_failed()
    assert metrics_hooks.outcome_of_turn(turn) == "actions_unavailable"
    assert value("jobcenter_errors_total", component="action_server") == before + 1
    metrics_hooks.start_turn()
    assert metrics_hooks.outcome_of_turn(turn) == "answered"


def test_the_outcome_is_read_off_the_replies_since_the_latest_message() -> None:
    from rasa.shared.core.events import BotUttered, UserUttered

    events = [UserUttered("a"), BotUttered("x", metadata={"utter_action": "utter_faq/what_is_municipal"}),
              UserUttered("b"), BotUttered("y", metadata={"utter_action": "utter_suggest"})]  # fmt: skip
    turn = steps.Turn("metrics-f", "b", conversation=SimpleNamespace(events=events))
    assert metrics_hooks.outcome_of_turn(turn) == "fallback"


def test_the_model_loaded_is_recorded_with_its_id_and_time() -> None:
    class Agent:
        model_id = "3f2a9c"

        def load_model(self, path: str) -> str:
            return path

    load = metrics_hooks.counting_loads(Agent.load_model)
    assert load(Agent(), "models/current.tar.gz") == "models/current.tar.gz"
    assert value("jobcenter_model_loaded_timestamp_seconds", model_id="3f2a9c") > 1.7e9


async def test_the_event_brokers_queue_and_failures_are_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stores.event_broker import ReportEventBroker

    lengths: list[int] = []
    monkeypatch.setattr(metrics, "broker_queue", lengths.append)
    broker = ReportEventBroker(db=str(tmp_path / "events.db"))
    broker.publish({"sender_id": "s", "event": "user", "text": "Hallo", "timestamp": 1.0})
    assert broker.flush()
    assert lengths and lengths[-1] == 0  # queued, then written
    before = value("jobcenter_errors_total", component="event_broker")
    broker.engine.dispose()
    monkeypatch.setattr(broker.engine, "begin", lambda: (_ for _ in ()).throw(RuntimeError("down")))
    broker.publish({"sender_id": "s", "event": "user", "text": "Hallo", "timestamp": 2.0})
    assert broker.flush()
    assert value("jobcenter_errors_total", component="event_broker") == before + 1


def test_without_prometheus_client_counting_does_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_metrics", lambda: None)
    metrics.message("rest", "de", "answered", 0.1)
    metrics.rate_limited("sender")
    metrics.redacted(["IBAN"])
    metrics.rating(True)
    metrics.error("tracker_store")
    metrics.broker_queue(3)
    metrics.model_loaded("abc")


def test_the_folder_is_emptied_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"x")
    (folder / "keep.txt").write_text("x")
    metrics.reset_directory(str(folder))
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]
    assert folder.stat().st_mode & 0o777 == 0o700


COUNT_IN_A_WORKER = """
from base import metrics
metrics.message("rest", "de", "answered", 0.02)
metrics.message("socketio", "de", "fallback", 0.2)
"""


def test_the_endpoint_adds_up_every_workers_files(tmp_path: Path) -> None:
    """Two processes count in multiprocess mode; the endpoint's WSGI app answers their sum."""
    import prometheus_client

    from ops.metrics import application

    pylib = str(Path(prometheus_client.__file__).parents[1])
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": f"{ROOT}{os.pathsep}{pylib}"}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", COUNT_IN_A_WORKER], env=env, check=True, cwd=ROOT)
    status: list[str] = []
    body = b"".join(application(tmp_path)({"PATH_INFO": "/metrics", "REQUEST_METHOD": "GET"},
                                          lambda s, h: status.append(s)))  # fmt: skip
    text = body.decode()
    assert status == ["200 OK"]
    assert 'jobcenter_messages_total{channel="rest",language="de",outcome="answered"} 2.0' in text
    assert 'jobcenter_message_duration_seconds_bucket{channel="socketio",le="0.25"} 2.0' in text
    missing: list[str] = []
    application(tmp_path)({"PATH_INFO": "/", "REQUEST_METHOD": "GET"}, lambda s, h: missing.append(s))
    assert missing == ["404 Not Found"]


def test_nginx_of_the_cluster_passes_no_metrics_on() -> None:
    """nginx (ops/nginx.conf.template) proxies only /webhooks/ and /socket.io/ to Rasa and serves
    files otherwise: /metrics is 404 there (its own location says so), and the metrics port is never
    named (tests/cluster/test_service.py asks a running cluster)."""
    from ops.cluster import nginx_config
    from ops.metrics import METRICS_PORT

    config = nginx_config(Path("/tmp/prefix"), 8005, ROOT / "web" / "public", ["http://127.0.0.1:5005"])
    locations = [line.split("{")[0].strip() for line in config.splitlines() if line.strip().startswith("location")]
    assert locations and [loc for loc in locations if "metrics" in loc] == ["location = /metrics"]
    assert "location = /metrics { return 404; }" in " ".join(config.split())
    assert str(METRICS_PORT) not in config and "proxy_pass http://rasa;" in config

"""The assistant's Prometheus metrics, defined once: every layer counts through these functions.

Why here (base/): the channels, the pipeline, the engine and the stores all count, and base/ is
the one package each of them may import (tests/test_layers.py). Serving the numbers is ops/'
job (ops/metrics.py: a process of its own on 127.0.0.1:``METRICS_PORT``, never Rasa's port).

- Labels take only values from the fixed lists below (``bounded``): a channel name, a language
  code, an outcome, a kind of personal data, a component. Anything else becomes ``other``, so no
  text, sender id or address can ever become a label (and the number of series stays bounded).
  The one exception is the model's id (``model_loaded``): one value per trained model.
- Multiprocess mode: with ``PROMETHEUS_MULTIPROC_DIR`` set, each process (each Sanic worker)
  writes its numbers to files there and ops/metrics.py adds them up. prometheus_client reads the
  variable when it is first imported, so it is imported here only on first use (after
  engine/__main__.py has emptied the folder: ``reset_directory``).
- Without prometheus_client installed every function does nothing: metrics are an add-on, a
  missing package never stops the bot.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from base.languages import SUPPORTED

logger = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
SHARED_ENV = "METRICS_DIRECTORY_SHARED"  # set by make cluster: every instance writes to one folder
OTHER = "other"
# Rasa's input channel names (UserMessage.input_channel) of credentials.yml and `make shell`.
CHANNELS = ("rest", "socketio", "telegram", "facebook", "cmdline")
# What became of a message (engine/metrics_hooks.py ``outcome_of``; pipeline/steps.py sets the
# outcomes of the turns it ends early).
ANSWERED, FALLBACK = "answered", "fallback"
OUTCOMES = (ANSWERED, FALLBACK, "actions_unavailable", "store_unavailable", "rate_limited", "empty", "ignored")
LIMITS = ("sender", "address")  # pipeline/rate_limit.py: per conversation, per client address
# pipeline/pii.py's kinds (the placeholder's word) -> the label
REDACTION_KINDS = {
    "IBAN": "iban", "E-Mail": "email", "BG-Nummer": "bg_number", "Kundennummer": "customer_number",
    "Sozialversicherungsnummer": "social_security_number", "Steuer-ID": "tax_id", "Ausweisnummer": "id_card",
    "Datum": "date", "Telefonnummer": "phone", "Name": "name", "Adresse": "address",
}  # fmt: skip
COMPONENTS = ("tracker_store", "event_broker", "action_server")
# Seconds from a message's arrival in Rasa to its last reply sent (the action server included).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def bounded(value: Any, allowed: Iterable[str]) -> str:
    """``value`` when it is one of ``allowed``, else ``other``: the only way a label gets a value."""
    return value if isinstance(value, str) and value in allowed else OTHER


def reset_directory(directory: str | None = None) -> None:
    """Empties the multiprocess folder (``PROMETHEUS_MULTIPROC_DIR``) before the workers start:
    files of an earlier run would be added to this run's numbers (and a dead worker's gauges
    would stay). Creates it (mode 0700) when missing."""
    directory = directory or os.environ.get(MULTIPROC_ENV)
    if not directory or os.environ.get(SHARED_ENV):  # the cluster's instances share one, emptied by it
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    for old in path.glob("*.db"):
        old.unlink(missing_ok=True)


@functools.cache
def _metrics() -> SimpleNamespace | None:
    """The metric objects, made on first use; None without prometheus_client."""
    try:
        from prometheus_client import Counter, Gauge, Histogram
    except ImportError:
        logger.info("prometheus_client is not installed: metrics are off")
        return None
    return SimpleNamespace(
        messages=Counter(
            "jobcenter_messages", "Messages handled, by channel, language and outcome",
            ["channel", "language", "outcome"],
        ),
        latency=Histogram(
            "jobcenter_message_duration_seconds", "Time from a message's arrival to its last reply",
            ["channel"], buckets=LATENCY_BUCKETS,
        ),
        rate_limited=Counter("jobcenter_rate_limited", "Requests over a rate limit, by limit", ["limit"]),
        redactions=Counter(
            "jobcenter_redactions", "Messages in which personal data of a kind was replaced", ["kind"]
        ),
        ratings=Counter("jobcenter_ratings", "Ratings stored, helpful or not", ["helpful"]),
        errors=Counter("jobcenter_errors", "Failures of a store or the action server", ["component"]),
        broker_queue=Gauge(
            "jobcenter_event_broker_queue_length", "Batches of events waiting for the report's database",
            multiprocess_mode="livesum",
        ),
        model_loaded=Gauge(
            "jobcenter_model_loaded_timestamp_seconds", "When the model with this id was loaded (Unix time)",
            ["model_id"], multiprocess_mode="max",
        ),
    )  # fmt: skip


@functools.cache
def _child(metric: str, *values: str) -> Any:
    """The labelled series (cached: ``labels()`` takes a lock and builds a key on every call)."""
    family = getattr(_metrics(), metric)
    return family.labels(*values) if values else family


def message(channel: Any, language: Any, outcome: Any, seconds: float) -> None:
    """One message handled: counted by its channel, language and outcome, its time observed."""
    if _metrics() is None:
        return
    channel = bounded(channel, CHANNELS)
    _child("messages", channel, bounded(language, SUPPORTED), bounded(outcome, OUTCOMES)).inc()
    _child("latency", channel).observe(seconds)


def rate_limited(limit: str) -> None:
    """A message, rating or request refused by a rate limit (``sender`` or ``address``)."""
    if _metrics() is not None:
        _child("rate_limited", bounded(limit, LIMITS)).inc()


def redacted(kinds: Iterable[str]) -> None:
    """The kinds of personal data replaced in one message (pipeline/pii.py's names)."""
    if _metrics() is not None:
        for kind in kinds:
            _child("redactions", bounded(REDACTION_KINDS.get(kind), REDACTION_KINDS.values())).inc()


def rating(helpful: bool) -> None:
    if _metrics() is not None:
        _child("ratings", "yes" if helpful is True else "no").inc()


def error(component: str) -> None:
    """A failure of ``component`` (tracker_store, event_broker, action_server)."""
    if _metrics() is not None:
        _child("errors", bounded(component, COMPONENTS)).inc()


def broker_queue(length: int) -> None:
    if _metrics() is not None:
        _child("broker_queue").set(length)


def model_loaded(model_id: Any, when: float | None = None) -> None:
    """The model now answering and when it was loaded. The id is Rasa's model id (a hex string);
    anything else is recorded as ``other``."""
    if _metrics() is None:
        return
    value = model_id if isinstance(model_id, str) and model_id.isalnum() and len(model_id) <= 64 else OTHER
    _child("model_loaded", value).set(time.time() if when is None else when)

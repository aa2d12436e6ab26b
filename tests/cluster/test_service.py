"""The cluster as a service (`make cluster`, ops/cluster.py and ops/supervisor.py): health through
nginx that tells the truth, a killed instance started again by itself, Telegram served from the
same variables as `make run`, SIGTERM stopping PostgreSQL too, a server left running recovered at
the next start, and the database found by `make report`/`make purge` without reading a log."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from base.paths import MODEL, ROOT, local_cluster_database_url
from ops.cluster import Cluster, running_cluster
from ops.postgres import create_database, create_events_database, create_user, prepare_postgres, start_postgres
from ops.services import free_port
from pipeline.rate_limit import NO_RATE_LIMITS
from tests.e2e.fake_platforms import FakePlatforms, telegram_env, wait_for, whatsapp_env

pytestmark = pytest.mark.cluster
BOT, TOKEN, SECRET = "cluster_test_bot", "4242:cluster-token-for-tests", "cluster-secret-for-tests"
WA_TOKEN, WA_SECRET, WA_VERIFY, PHONE_ID = "wa-token-cluster", "wa-secret-cluster", "wa-verify-cluster", "1234567"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePlatforms]:
    platforms = FakePlatforms(BOT)
    yield platforms
    platforms.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, fake: FakePlatforms) -> Iterator[Cluster]:
    if not MODEL.is_file():
        pytest.fail(f"{MODEL} missing: run `make train`")
    env = {**NO_RATE_LIMITS, **telegram_env(fake.url, BOT, TOKEN, SECRET),
           **whatsapp_env(fake.url, WA_TOKEN, WA_SECRET, WA_VERIFY, PHONE_ID)}  # fmt: skip
    work = tmp_path_factory.mktemp("service")
    with running_cluster(work, port=free_port(), instances=2, extra_env=env, db_port=free_port(), supervise=True) as c:
        yield c


def health(cluster: Cluster, path: str = "/health") -> tuple[int, dict]:
    r = requests.get(cluster.url + path, timeout=5)
    return r.status_code, r.json()


def test_health_and_ready_through_nginx_name_every_part(cluster: Cluster) -> None:
    status, body = health(cluster)
    assert status == 200 and body["status"] == "ok"
    assert body["instances"] == {"rasa-1": "up", "rasa-2": "up"}
    assert body["database"] == "up" and body["lock_store"] == "up"
    assert health(cluster, "/ready")[0] == 200
    assert "127.0.0.1" not in str(body) and "password" not in str(body).lower()
    assert requests.get(cluster.url + "/metrics", timeout=5).status_code == 404


def test_telegram_is_served_by_the_cluster_from_the_same_variables(cluster: Cluster, fake: FakePlatforms) -> None:
    assert wait_for(lambda: [c for c in fake.telegram if c["method"] == "setWebhook"], 30)
    user = {"id": 5150, "is_bot": False, "first_name": "Test"}
    message = {"message_id": 1, "date": int(time.time()), "chat": {"id": 5150, "type": "private"}, "from": user,
               "text": "Was ist ein kommunales Jobcenter?"}  # fmt: skip
    r = requests.post(f"{cluster.url}/webhooks/telegram/webhook", json={"update_id": 1, "message": message},
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=60)  # fmt: skip
    assert r.status_code == 200
    assert wait_for(lambda: fake.telegram_sent(5150), 30)


def test_whatsapp_is_served_through_nginx(cluster: Cluster, fake: FakePlatforms) -> None:
    number = "4915199887766"
    message = {"from": number, "id": "wamid.cluster1", "timestamp": str(int(time.time())), "type": "text",
               "text": {"body": "Wie viele kommunale Jobcenter gibt es?"}}  # fmt: skip
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": PHONE_ID}, "messages": [message],
             "contacts": [{"profile": {"name": "Test"}, "wa_id": number}]}  # fmt: skip
    change = {"field": "messages", "value": value}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [change]}]}).encode()
    signature = "sha256=" + hmac.new(WA_SECRET.encode(), body, hashlib.sha256).hexdigest()
    r = requests.post(f"{cluster.url}/webhooks/whatsapp/webhook", data=body, timeout=60,
                      headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})  # fmt: skip
    assert r.status_code == 200
    sent = wait_for(lambda: fake.whatsapp_sent(number), 30)
    assert sent and "104" in json.dumps(sent, ensure_ascii=False)
    time.sleep(2)
    answers = len(fake.whatsapp_sent(number))
    for _ in range(3):  # Meta's retries of the same message: whichever instance gets one, it is ignored
        r = requests.post(f"{cluster.url}/webhooks/whatsapp/webhook", data=body, timeout=60,
                          headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature})  # fmt: skip
        assert r.status_code == 200
    time.sleep(3)
    assert len(fake.whatsapp_sent(number)) == answers
    challenge = requests.get(f"{cluster.url}/webhooks/whatsapp/webhook", timeout=10, params={
        "hub.mode": "subscribe", "hub.verify_token": WA_VERIFY, "hub.challenge": "4711"})  # fmt: skip
    assert challenge.status_code == 200 and challenge.text == "4711"


def test_a_killed_instance_is_started_again_and_health_says_so_meanwhile(cluster: Cluster) -> None:
    killed_at = time.monotonic()
    cluster.kill(0)
    seen = wait_for(lambda: health(cluster, "/ready")[0] == 503 and health(cluster)[1], 10)
    assert seen and seen["instances"]["rasa-1"] == "down" and seen["status"] == "degraded"
    assert health(cluster)[0] == 200  # the other instance still answers
    back = wait_for(lambda: health(cluster, "/ready")[0] == 200, 180)
    print(f"\nkilled instance answering again after {time.monotonic() - killed_at:.1f} s")
    assert back and health(cluster)[1]["restarts"] == {"rasa-1": 1}
    r = requests.get(cluster.instances[0].url + "/", timeout=5)
    assert r.status_code == 200


def test_health_is_503_when_the_database_is_down(cluster: Cluster) -> None:
    assert cluster.postgres is not None
    cluster.postgres.stop()
    try:
        assert wait_for(lambda: health(cluster)[0] == 503, 10)
        assert health(cluster)[1]["database"] == "down"
    finally:
        cluster.postgres.start()
    assert wait_for(lambda: health(cluster)[0] == 200, 20)


def test_a_server_left_running_is_stopped_and_the_cluster_starts(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    port = free_port()
    left = prepare_postgres(tmp_path / "postgres", port)
    create_database(left)
    left.start()  # as a cluster killed with SIGKILL leaves it
    create_user(left)
    create_events_database(left)
    assert left.running()
    with start_postgres(tmp_path / "postgres", free_port()) as pg:
        assert pg.running()
        assert "left running by an earlier start was stopped" in capfd.readouterr().err
        assert (tmp_path / "postgres-port").read_text().strip() == str(pg.port)
        url = local_cluster_database_url(tmp_path)
        assert url == pg.url
    assert not pg.running()


SCRIPT = """
import sys, time
from pathlib import Path
from ops.cluster import running_cluster, stop_on_sigterm
stop_on_sigterm()
try:
    with running_cluster(Path(sys.argv[1]), port=int(sys.argv[2]), instances=1, db_port=int(sys.argv[3])):
        print("up", flush=True)
        time.sleep(600)
except KeyboardInterrupt:
    print("stopped", flush=True)
"""


def test_sigterm_stops_every_part_postgresql_included(tmp_path: Path) -> None:
    port, db_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SCRIPT), str(tmp_path), str(port), str(db_port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        out = proc.stdout
        assert out is not None
        assert "up" in iter(lambda: out.readline().strip(), "")  # after the channels line
        pid_file = tmp_path / "postgres" / "data" / "postmaster.pid"
        assert pid_file.is_file()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(120) == 0 and out.read().strip().endswith("stopped")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not pid_file.exists()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/health", timeout=2)

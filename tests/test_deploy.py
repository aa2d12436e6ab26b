"""make deploy / make rollback without servers (ops/deploy.py, ops/model_server.py, evaluation/gates.py):
gates refuse and leave the served model alone, the history keeps MODELS_KEPT models with their JSON,
rollback goes back one model at a time, the model server loads one worker at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evaluation import gates as gate_module
from evaluation.gates import Check, Gate
from ops import deploy
from ops.model_server import ModelFile, State


def gate(name: str, value: float, bound: float, what: str = "right >=") -> dict[str, Any]:
    return Gate(name, {"n": 10}, [Check(what, value, bound)]).as_dict()


PASSING = [gate("held-out replies", 0.99, 0.98), gate("external replies", 0.0, 0.03, "wrong <=")]
FAILING = [gate("held-out replies", 0.90, 0.98), gate("external replies", 0.0, 0.03, "wrong <=")]


@pytest.fixture
def library(tmp_path: Path) -> deploy.Library:
    lib = deploy.Library(current=tmp_path / "models" / "current.tar.gz")
    lib.current.parent.mkdir()
    lib.current.write_bytes(b"model trained by make train")
    return lib


def trained(library: deploy.Library, content: bytes) -> Path:
    library.candidates.mkdir(exist_ok=True)
    path = library.candidates / f"m{len(list(library.candidates.iterdir()))}.tar.gz"
    path.write_bytes(content)
    return path


def staged(library: deploy.Library, content: bytes, results: list[dict[str, Any]] = PASSING) -> deploy.Candidate:
    candidate = deploy.stage_and_gate(trained(library, content), library, gates=lambda _: results)
    candidate.id += content.decode()[-3:]  # ids are per second: distinct here
    return candidate


@pytest.mark.parametrize(
    ("check", "passed"),
    [
        (Check("right >=", 0.98, 0.98), True),
        (Check("right >=", 0.979, 0.98), False),
        (Check("wrong <=", 0.01, 0.01), True),
        (Check("wrong <=", 0.011, 0.01), False),
    ],
)
def test_a_check_passes_at_its_bound_and_fails_beyond(check: Check, passed: bool) -> None:
    assert check.passed is passed


def test_the_tests_and_the_deploy_read_the_same_bounds() -> None:
    """The bounds live in evaluation/gates.py only: no test file defines its own."""
    from base.paths import ROOT

    for name in ("test_nlu_holdout", "test_nlu_external", "test_nlu_languages", "test_external_languages"):
        text = (ROOT / "tests" / f"{name}.py").read_text(encoding="utf-8")
        assert "MAX_WRONG =" not in text and "MIN_RIGHT =" not in text and "THRESHOLD =" not in text
    assert (gate_module.HOLDOUT_MIN_RIGHT, gate_module.HOLDOUT_MAX_WRONG, gate_module.EXTERNAL_MAX_WRONG) == (
        0.98,
        0.01,
        0.03,
    )


def test_a_failing_gate_refuses_and_leaves_the_served_model(library: deploy.Library) -> None:
    with pytest.raises(deploy.GateFailed) as failed:
        deploy.stage_and_gate(trained(library, b"worse model"), library, gates=lambda _: FAILING)
    assert library.current.read_bytes() == b"model trained by make train"
    assert not library.history.exists()
    lines = deploy.gate_lines(failed.value.candidate.gates)
    assert lines[0].split()[:3] == ["FAIL", "held-out", "replies:"] and "90.0%" in lines[0]
    assert lines[1].split()[0] == "ok"


def test_main_prints_the_failed_gate_and_exits_1(
    library: deploy.Library, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(deploy, "run_gates", lambda _: FAILING)
    assert deploy.main(["deploy", "--model", str(trained(library, b"worse"))], library) == 1
    out = capsys.readouterr().out
    assert "deploy refused" in out and "FAIL held-out replies" in out and "right >= 98%: 90.0%" in out
    assert library.current.read_bytes() == b"model trained by make train"


def test_promote_switches_keeps_the_old_one_and_writes_the_json(library: deploy.Library) -> None:
    candidate = staged(library, b"new model v01")
    deploy.promote(candidate, library, wait=False, say=lambda _: None)
    assert library.current.read_bytes() == b"new model v01"
    ids = [c.id for c in deploy.kept(library)]
    assert len(ids) == 2 and ids[0].endswith("-trained") and ids[1] == candidate.id
    meta = json.loads((library.history / f"{candidate.id}.json").read_text())
    assert meta["commit"] and meta["created"] and meta["promoted"] and meta["gates"] == PASSING
    assert not list(library.candidates.iterdir())  # moved, not copied twice
    assert deploy.current_of(library).id == candidate.id  # type: ignore[union-attr]


def test_rollback_goes_back_one_model_at_a_time(library: deploy.Library) -> None:
    first, second = staged(library, b"model v01"), staged(library, b"model v02")
    for candidate in (first, second):
        deploy.promote(candidate, library, wait=False, say=lambda _: None)
    assert deploy.rollback(library, wait=False, say=lambda _: None).id == first.id
    assert library.current.read_bytes() == b"model v01"
    deploy.rollback(library, wait=False, say=lambda _: None)
    assert library.current.read_bytes() == b"model trained by make train"
    with pytest.raises(LookupError):
        deploy.rollback(library, wait=False, say=lambda _: None)
    listing = deploy.listing(library)
    assert listing[0].startswith("* ") and "-trained" in listing[0] and "gates not run" in listing[0]
    assert any("rolled back" in line for line in listing)


def test_only_models_kept_models_stay(library: deploy.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(7):
        deploy.promote(staged(library, f"model v{n:02}".encode()), library, wait=False, say=lambda _: None)
    kept = deploy.kept(library)
    assert len(kept) == deploy.MODELS_KEPT == 5
    assert kept[-1].path.read_bytes() == library.current.read_bytes() == b"model v06"
    assert len(list(library.history.glob("*.json"))) == len(list(library.history.glob("*.tar.gz"))) == 5


def test_the_switch_is_one_rename(library: deploy.Library, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader of models/current.tar.gz sees the old or the new file, never a half-written one."""
    renames: list[tuple[str, str]] = []
    real = deploy.os.replace

    def replace(a: Path, b: Path) -> None:
        renames.append((str(a), str(b)))
        real(a, b)

    monkeypatch.setattr(deploy.os, "replace", replace)
    source = library.current.parent / "new.tar.gz"
    source.write_bytes(b"new")
    deploy.replace_served(source, library.current)
    assert renames == [
        (str(library.current.parent / f".current.tar.gz.{deploy.os.getpid()}.tmp"), str(library.current))
    ]
    assert library.current.read_bytes() == b"new"


def test_changed_copy_is_the_same_model_with_another_etag(tmp_path: Path) -> None:
    import gzip

    source = tmp_path / "a.tar.gz"
    with gzip.GzipFile(source, "wb", mtime=1) as z:
        z.write(b"tar bytes")
    copy = deploy.changed_copy(source, tmp_path / "b.tar.gz")
    assert gzip.decompress(copy.read_bytes()) == b"tar bytes" and copy.read_bytes() != source.read_bytes()


# ---- the model server's decisions ---------------------------------------------------------------
def test_model_server_lets_one_worker_load_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "current.tar.gz"
    path.write_bytes(b"old")
    state = State(ModelFile(path))
    # both workers start without a model (Rasa's fingerprint is a random id): both get it
    status_a, _, old = state.answer("a", "random-a", 0)
    status_b, _, _ = state.answer("b", "random-b", 0.1)
    assert (status_a, status_b) == (200, 200)
    assert [state.answer(w, old, 2)[0] for w in "ab"] == [304, 304]
    path.write_bytes(b"new model")  # the switch
    status, body, new = state.answer("a", old, 4)
    assert (status, body) == (200, b"new model") and new != old
    assert state.answer("b", old, 4.5)[0] == 304  # a is loading: b keeps answering with the old one
    report = state.report(5, 7)
    assert {w["worker"]: (w["model"] == old, w["loading"]) for w in report["workers"]} == {
        "a": (True, True),
        "b": (True, False),
    }
    assert state.answer("a", new, 6)[0] == 304  # a runs it now
    assert state.answer("b", old, 6.5)[0] == 200  # b's turn
    assert state.answer("b", new, 9)[0] == 304
    assert all(w["model"] == new for w in state.report(9, 7)["workers"])


def test_a_worker_blocked_loading_still_counts(tmp_path: Path) -> None:
    """A worker loading is blocked and asks nothing: it must not drop out of the report (deploy
    would take the others for all)."""
    path = tmp_path / "current.tar.gz"
    path.write_bytes(b"old")
    state = State(ModelFile(path))
    state.answer("a", "random", 0)
    assert [w["worker"] for w in state.report(60, 7)["workers"]] == ["a"]


def test_deploy_waits_for_the_expected_number_of_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    report = {"etag": '"e"', "workers": [{"worker": "1", "model": '"e"', "loading": False}]}

    class Answer:
        def json(self) -> dict[str, Any]:
            return report

    monkeypatch.setattr("requests.get", lambda *a, **k: Answer())
    assert deploy.workers_on('"e"', "http://x/workers", 1)[0] is True
    assert deploy.workers_on('"e"', "http://x/workers", 2)[0] is False
    with pytest.raises(TimeoutError):
        deploy.wait_for_workers("http://x/workers", timeout=0.6, say=lambda _: None, workers=2)


def test_rasa_waits_for_the_model_server_it_pulls_from(tmp_path: Path) -> None:
    """`make run` starts both together: Rasa without an answer at start would run with no model."""
    import threading

    from ops.model_server import PATH, make_server, wait_for_model_server

    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("nlg: {}\n")
    wait_for_model_server(endpoints, timeout=0.1)  # no model server configured: nothing to wait for
    server = make_server(tmp_path / "current.tar.gz", port=0)
    url = f"http://127.0.0.1:{server.server_address[1]}{PATH}"
    endpoints.write_text(f"models:\n  url: {url}\n")
    with pytest.raises(SystemExit):
        wait_for_model_server(endpoints, timeout=0.5)  # not serving yet
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wait_for_model_server(endpoints, timeout=5)
    finally:
        server.shutdown()
        server.server_close()


def test_production_endpoints_pull_from_the_model_server_and_tests_do_not(tmp_path: Path) -> None:
    import yaml

    from ops.model_server import URL
    from ops.services import PRODUCTION_ENDPOINTS, endpoints_for

    assert yaml.safe_load(PRODUCTION_ENDPOINTS.read_text())["models"]["url"] == URL
    assert "models" not in endpoints_for(tmp_path, 1, None)
    assert (
        endpoints_for(tmp_path, 1, None, model_server="http://127.0.0.1:9/m")["models"]["url"] == "http://127.0.0.1:9/m"
    )

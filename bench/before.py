"""The code before an issue, to measure it side by side with today's in one `make bench` run
(issue 27: "measured side by side with the code before this issue, in the same run, as ratios").

``checkout(work)`` writes the tracked files of commit ``BEFORE`` (git archive) into a folder of the
run and builds that code's spaCy pipeline there; ``model(root)`` is that code's model, trained
from the same training data by its own pipeline and policies (issue 27 changed both), kept in
build/bench/ so a second run does not train it again. bench/run.py starts that folder's action
server and Rasa (ops/services.py ``root``) with its model, the same venv and the same load as
today's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from base.paths import BUILD, ROOT

# main before issue 27 (bounded trackers, leaner NLU path): its last commit
BEFORE = "bf09125fae43e139f763e2f97c5b7b59140170ed"
LABEL = "before issue 27"
MODELS = BUILD / "bench"


def _environment(root: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(root), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def checkout(work: Path, commit: str = BEFORE) -> Path:
    """The tracked files of ``commit`` in ``work/before``, with its spaCy pipeline built."""
    out = work / "before"
    out.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    subprocess.run([sys.executable, "-m", "nlp.build_pipeline", "--out", "build/spacy_de"], cwd=out,
                   env=_environment(out), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return out


def kept_model(commit: str = BEFORE) -> Path:
    return MODELS / f"before-{commit[:12]}.tar.gz"


def model(root: Path, commit: str = BEFORE) -> tuple[Path, float]:
    """That code's model and its training time in seconds (measured when it was trained, on this
    machine: kept beside the model)."""
    kept = kept_model(commit)
    timing = kept.with_suffix(".seconds")
    if kept.is_file() and timing.is_file():
        return kept, float(timing.read_text(encoding="utf-8"))
    out = Path(tempfile.mkdtemp(prefix="before-model-"))
    start = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--domain", "domain", "--force", "--quiet",
         "--out", str(out), "--fixed-model-name", "current"],
        cwd=root, env=_environment(root), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    seconds = time.perf_counter() - start
    MODELS.mkdir(parents=True, exist_ok=True)
    shutil.move(out / "current.tar.gz", kept)
    timing.write_text(f"{seconds:.1f}", encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    return kept, seconds

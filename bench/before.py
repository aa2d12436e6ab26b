"""The code before an issue, to measure it side by side with today's in one `make bench` run
(issue 27: "measured side by side with the code before this issue, in the same run, as ratios").

``checkout(work)`` writes the tracked files of commit ``BEFORE`` (git archive) into a folder of the
run and links this checkout's build folder into it (the spaCy pipeline the model names by path);
bench/run.py starts that folder's action server and Rasa (ops/services.py ``root``) with the same
model, the same venv and the same load as today's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from base.paths import BUILD, ROOT

# main before issue 27 (bounded trackers, leaner NLU path): its last commit
BEFORE = "bf09125fae43e139f763e2f97c5b7b59140170ed"
LABEL = "before issue 27"


def checkout(work: Path, commit: str = BEFORE) -> Path:
    """The tracked files of ``commit`` in ``work/before``, with this checkout's build folder."""
    out = work / "before"
    out.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    (out / "build").symlink_to(BUILD)
    return out

"""``python -m ops.logs <module> <arguments>``: runs ``python -m <module>`` with the log format of
``LOG_FORMAT`` (base/logs.py) installed first and the known deprecation warnings hidden
(base/quiet_warnings.py).

For processes whose ``__main__`` is not ours: the action server is
``python -m ops.logs rasa_sdk --port 5055 --actions actions`` (what ``rasa run actions`` runs,
ops/services.py ``actions_command``), so with ``LOG_FORMAT=json`` its every line is JSON too.
"""

from __future__ import annotations

import runpy
import sys

from base import logs
from base.quiet_warnings import ignore_known_warnings


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m ops.logs <module> [arguments]")
    logs.install()
    ignore_known_warnings()  # after logs.install: it wraps the function that shows (or logs) a warning
    module, sys.argv = argv[0], [argv[0], *argv[1:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])

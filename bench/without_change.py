"""`BENCH_UNDO=<change> python -m bench.without_change <rasa arguments>`: Rasa as `python -m engine`
starts it, but with one change of engine/changes.py undone, only to measure that lever:

    python -m bench.run --no-train --uncached-validation   # BENCH_UNDO=validation (change 3)
    python -m bench.run --no-train --fresh-connections     # BENCH_UNDO=connections (change 8)
"""

from __future__ import annotations

import importlib
import os

from engine import changes as rasa_changes
from engine.__main__ import main as runtime_main

UNDO = {  # name -> (module, class, attribute) whose original stays
    "validation": ("rasa.core.actions.action", "RemoteAction", "_validate_action_result"),
    "connections": ("rasa.utils.endpoints", "EndpointConfig", "session"),
}


def main() -> None:
    rasa_changes.skip_unused_imports()
    module, owner_name, attribute = UNDO[os.environ["BENCH_UNDO"]]
    owner = getattr(importlib.import_module(module), owner_name)
    original = getattr(owner, attribute)
    rasa_changes.install()
    setattr(owner, attribute, original)
    runtime_main()  # installs nothing more: the changes are marked as installed


if __name__ == "__main__":
    main()

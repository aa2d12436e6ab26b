"""`python -m bench.uncached_validation <rasa arguments>`: Rasa as `python -m runtime` starts it, but
with Rasa's own validation of action-server answers instead of change 3 of runtime/rasa_changes.py.
Only to measure that lever: `python -m bench.run --no-train --uncached-validation`."""

from __future__ import annotations

from runtime import rasa_changes
from runtime.__main__ import main as runtime_main


def main() -> None:
    rasa_changes.skip_unused_imports()
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    rasa_changes.install()
    RemoteAction._validate_action_result = original
    runtime_main()  # installs nothing more: the changes are marked as installed


if __name__ == "__main__":
    main()

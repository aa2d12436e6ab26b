"""`python -m bench.fresh_connections <rasa arguments>`: Rasa as `python -m runtime` starts it, but
with a new HTTP session and connection for every action-server call (Rasa's own
``EndpointConfig.session``) instead of change 8 of runtime/rasa_changes.py. Only to measure that
lever: `python -m bench.run --no-train --no-cluster --fresh-connections`."""

from __future__ import annotations

from runtime import rasa_changes
from runtime.__main__ import main as runtime_main


def main() -> None:
    rasa_changes.skip_unused_imports()
    from rasa.utils.endpoints import EndpointConfig

    original = EndpointConfig.session
    rasa_changes.install()
    EndpointConfig.session = original
    runtime_main()  # installs nothing more: the changes are marked as installed


if __name__ == "__main__":
    main()

"""Running the assistant: `python -m runtime <rasa arguments>` is Rasa's command line with the
changes of runtime/rasa_changes.py installed; runtime/services.py starts every process.

- input_gate.py: what every message passes before Rasa sees it (with pii.py);
- rasa_changes.py: the few changes to Rasa's internals, checked at start-up;
- tracker_store.py: Rasa's SQL tracker store on SQLite, pooled, WAL journal;
- retention.py: `make purge`;
- services.py: the commands that start action server, Rasa, Redis and the demo page;
- paths.py: where the project's files are.
"""

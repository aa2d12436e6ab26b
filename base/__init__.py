"""The ground floor every layer may read: where the files are (paths.py), the languages
(languages.py) and the names NLU and routing share (names.py). Imports nothing of the project."""

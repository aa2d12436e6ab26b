"""Adding a FAQ and adding a language: one command each scaffolds every place, one command checks.

    python -m authoring add-faq <topic> <key> "<German question>"   # 16 files
    python -m authoring add-language <code> "<own name>" <babel_locale>   # 6 files + 2 code places
    python -m authoring check    # what each answer key and each language still lacks; exit 1 if any

The places are listed in places.py (``FAQ_PLACES``, ``LANGUAGE_PLACES``) and in the README
("Adding a FAQ", "Adding a language"); ``make test`` runs the check (``make check-content``).
Plain Python on the data files: imports only base/ and knowledge/ of the project.
"""

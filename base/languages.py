"""The languages of the assistant: the one list of codes (the rest of the project reads it here).

Each code has a translation file ``translations/<code>.yml`` (German, the domain's language,
has none), an entry in ``knowledge/data/languages.yml`` (its name and switch phrases), NLU
examples ``data/nlu/lang_<code>.yml`` and held-out questions ``tests/data/holdout/<code>.yml``;
``python -m authoring check`` lists what is missing (docs/architecture.md, "Adding a language").
"""

GERMAN, EASY_GERMAN = "de", "de-x-ls"
# Each language with the Babel locale its figures and dates are written in (knowledge/facts.py).
LOCALES = {
    GERMAN: "de_DE",
    EASY_GERMAN: "de_DE",
    "en": "en_GB",
    "uk": "uk_UA",
    "ar": "ar",
    "tr": "tr_TR",
    "ru": "ru_RU",
}
SUPPORTED = tuple(LOCALES)

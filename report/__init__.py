"""The editors' report (``make report``): what citizens asked, what helped, where the bot failed.

    from report.turns import turns_of
    from report.figures import figures

``store.py`` finds the stored Rasa events (the JSON Rasa's SQL event broker keeps,
stores/event_broker.py; the user's text already redacted by the input gate) and reads them;
``turns.py`` makes one record per question: time, channel, language, text, intent, the answer
given, its outcome and the citizen's rating, and whether it was "ohne Antwort" (one definition,
report/labels.yml). ``selection.py`` leaves out the period's test traffic, ``figures.py``
computes the report's figures (``figures(turns, ...)``, the content of ``reports/report.json``),
``html.py`` the page, with the names of ``labels.py`` (answers as their questions, German names of
channels and languages). Plain Python; no servers, no Rasa.
"""

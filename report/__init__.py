"""The editors' report (issue 17, first part): what citizens asked and where the bot failed.

    from report.turns import turns_of
    from report.figures import figures

``turns.py`` reads Rasa's stored events (the JSON of each event, as the tracker store and Rasa's
SQL event broker keep them: the user's text already redacted by the input gate) into one record per
question: time, channel, language, text, intent, the answer given and its outcome. ``figures.py``
computes the report's figures from those records (``figures(turns, ...)``, the content of
``reports/report.json``). Plain Python; no servers, no Rasa.
"""
